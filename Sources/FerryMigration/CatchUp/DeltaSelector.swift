/// How catch-up passes and the frozen pass select what changed in the source since a
/// checkpoint: by the recipe's `changed_field`, by `_seq_no` above the checkpoint (once a probe
/// showed the cluster answers such a range truly), or not at all (every id and version is
/// compared). The choice and its reason are journaled, so a resumed run keeps them and the
/// report and `ferry plan` can say which method is used and why.
import Foundation
import FerryCluster
import FerryCore
import FerryJournal
import FerryRecipes

struct DeltaSelector: Sendable, Equatable {
    enum Method: String, Sendable {
        case changedField = "changed_field"
        case seqNo = "seq_no"
        case exactScan = "exact"
    }

    let method: Method
    /// The recipe's `changed_field` (with `.changedField`).
    var field: String? = nil
    /// Why this method: the probe's finding, or why nothing can select the delta.
    let reason: String

    /// Journal checkpoint names: the method, its reason and field, where the copy started, and
    /// where the last catch-up pass (or the id reconciliation before the freeze) started.
    static let methodKey = "delta_method"
    static let reasonKey = "delta_reason"
    static let fieldKey = "delta_field"
    static let copyStartKey = "delta_copy_start"
    static let lastPassKey = "delta_checkpoint"
    /// Margin for the clocks of the application's hosts against ferry's (`changed_field` only).
    static let clockMargin: Int64 = 60_000

    /// The recipe's `changed_field` if it has one, else `_seq_no` if the probe on `source`
    /// passes, else the exact scan with the probe's finding as the reason.
    static func choose(recipe: Recipe, client: ClusterClient, source: String) -> DeltaSelector {
        if let field = recipe.changedField {
            return DeltaSelector(method: .changedField, field: field, reason: "the recipe's changed_field \(field)")
        }
        if let failure = SeqNoProbe.failure(client: client, index: source) {
            return DeltaSelector(method: .exactScan, reason: "the recipe has no changed_field and _seq_no cannot be trusted: \(failure)")
        }
        return DeltaSelector(method: .seqNo, reason: "the recipe has no changed_field; the probe found a document of \(source) by a range on its _seq_no")
    }

    /// The run's journaled choice, or a new one (journaled) when it has none yet.
    static func forRun(_ scope: RunScope) throws -> DeltaSelector {
        if let known = try journaled(scope.journal, scope.runID) { return known }
        let chosen = choose(recipe: scope.recipe, client: scope.client, source: scope.plan.source.index)
        try chosen.record(scope.journal, scope.runID)
        scope.say("changes are selected by \(chosen.summary) (\(chosen.reason))")
        return chosen
    }

    static func journaled(_ journal: Journal, _ runID: String) throws -> DeltaSelector? {
        guard let raw = try journal.checkpoint(runID, methodKey), let method = Method(rawValue: raw) else { return nil }
        let reason = try journal.checkpoint(runID, reasonKey) ?? ""
        return DeltaSelector(method: method, field: method == .changedField ? try journal.checkpoint(runID, fieldKey) : nil, reason: reason)
    }

    func record(_ journal: Journal, _ runID: String) throws {
        try journal.setCheckpoint(runID, Self.methodKey, method.rawValue)
        try journal.setCheckpoint(runID, Self.reasonKey, reason)
        if let field { try journal.setCheckpoint(runID, Self.fieldKey, field) }
        try journal.event(runID, .catchingUp, "changes selected by \(summary): \(reason)")
    }

    /// A few words for the report: "changed_field updated_at", "_seq_no", "every id and version".
    var summary: String {
        switch method {
        case .changedField: "changed_field \(field ?? "?")"
        case .seqNo: "_seq_no above a checkpoint"
        case .exactScan: "comparing every id and version"
        }
    }

    /// A checkpoint of the source now, to select from later: epoch ms, or the lowest of the
    /// shards' highest `_seq_no` (a range above it may select a few documents more on busier
    /// shards, never fewer). Nil for the exact scan.
    func checkpointNow(client: ClusterClient, source: String) throws -> String? {
        switch method {
        case .changedField: String(Lease.nowMilliseconds())
        case .seqNo: String(try SeqNoProbe.checkpoint(client: client, index: source))
        case .exactScan: nil
        }
    }

    /// The source documents changed since `checkpoint` (plus deleted-and-recreated ones: they
    /// carry a new `_seq_no` or changed_field value too). Deletes leave nothing to select.
    func query(since checkpoint: String) -> JSONValue? {
        guard let value = Int64(checkpoint) else { return nil }
        switch method {
        case .changedField:
            return ["range": [.init(stringLiteral: field ?? ""): ["gte": .int(value - Self.clockMargin), "format": "epoch_millis"]]]
        case .seqNo:
            return SeqNoProbe.above(value)
        case .exactScan:
            return nil
        }
    }

    /// Where selecting starts for the first catch-up pass: the checkpoint taken before the
    /// copy, or (changed_field) the run's start; nil means the first pass compares everything.
    func startingPoint(_ scope: RunScope) throws -> String? {
        if let taken = try scope.journal.checkpoint(scope.runID, Self.copyStartKey) { return taken }
        guard method == .changedField, let started = ISODate.epochMilliseconds(scope.record.startedAt) else { return nil }
        return String(started)
    }

    /// Before the first copy reads anything (set once: a resumed copy keeps the first one).
    static func markCopyStart(_ scope: RunScope) throws {
        let selector = try forRun(scope)
        guard try scope.journal.checkpoint(scope.runID, copyStartKey) == nil,
              let checkpoint = try selector.checkpointNow(client: scope.client, source: scope.plan.source.index)
        else { return }
        try scope.journal.setCheckpoint(scope.runID, copyStartKey, checkpoint)
    }
}
