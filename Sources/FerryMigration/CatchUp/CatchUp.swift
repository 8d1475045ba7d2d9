import Foundation
import Logging
import FerryCluster
import FerryCore
import FerryRecipes

/// What the catch-up passes and the frozen pass did, for the report.
public struct CatchUpStats: Sendable, Equatable {
    public var passes = 0
    public var copied = 0
    public var deleted = 0
    /// Documents overwritten without versioning under the freeze (see `Delta.lowerVersion`).
    public var rewritten = 0
    /// Size of the last pass's delta before the freeze.
    public var lastDelta = 0
    public var frozenDelta = 0
    /// The work under the block, part by part.
    public var freeze = FreezeParts()
}

/// Brings the target up to date with a source the application keeps writing: passes that
/// copy what changed (by the recipe's `changed_field`, else by comparing `_version`s) and
/// delete what the application deleted, until the delta is small; then the same exactly,
/// once more, under a write block.
struct CatchUp {
    let scope: RunScope
    /// Keeping the rollback copy of an adopted concrete index in step (identity, no steps): the
    /// run's dropped and dead-letter records are about the target, not this copy.
    let rollbackCopy: Bool

    init(scope: RunScope, rollbackCopy: Bool = false) {
        self.scope = scope
        self.rollbackCopy = rollbackCopy
    }

    var plan: MigrationPlan { scope.plan }
    var record: RunRecord { scope.record }
    var options: RunOptions { scope.options }

    /// The same comparison for the rollback copy of an adopted concrete index: it must hold the
    /// source as it is when the concrete index gives way to the alias.
    static func forRollbackCopy(of scope: RunScope) -> CatchUp? {
        let plan = scope.plan
        guard let preserved = plan.preservedIndex else { return nil }
        var copyPlan = MigrationPlan(
            recipe: plan.recipe, source: plan.source, targetVersion: plan.source.version, steps: [],
            targetIndex: preserved, preservedIndex: nil)
        copyPlan.mode = plan.mode
        return CatchUp(scope: scope.with(plan: copyPlan), rollbackCopy: true)
    }

    var client: ClusterClient { scope.client }
    var journal: Journal { scope.journal }
    var scanner: DeltaScanner {
        DeltaScanner(client: client, journal: journal, runID: rollbackCopy ? "" : record.runID, keptInTarget: plan.rollbackOf)
    }

    /// Passes while the application writes, until the delta is at most `freezeThreshold`
    /// documents, stops shrinking, or `maxCatchUpPasses` is reached. Each pass copies what its
    /// `DeltaSelector` finds changed since the previous pass began (versioned writes make a
    /// document read twice harmless); without a selector it compares every id and version.
    func passes(_ stats: inout CatchUpStats) throws {
        let selector = try DeltaSelector.forRun(scope)
        var previous = Int.max
        var since = try selector.startingPoint(scope)
        for pass in 1...max(1, options.maxCatchUpPasses) {
            // Taken before anything is read: whatever changes from here on is above it.
            let checkpoint = try selector.checkpointNow(client: client, source: plan.source.index)
            if let checkpoint { try journal.setCheckpoint(record.runID, DeltaSelector.lastPassKey, checkpoint) }
            let size: Int
            if let since, let query = selector.query(since: since) {
                // Deletes leave nothing to select: the id reconciliation below finds them.
                try client.refresh(plan.source.index)
                size = try copy(query: query, expected: try client.count(plan.source.index, query: query), label: "catch-up \(pass)")
                stats.copied += size
            } else {
                try refreshBoth()
                let delta = try scanner.scan(source: plan.source.index, target: plan.targetIndex)
                try apply(delta, frozen: false, &stats)
                size = delta.toCopy.count + delta.toDelete.count
            }
            stats.passes = pass
            stats.lastDelta = size
            try journal.event(record.runID, .catchingUp, "catch-up pass \(pass): \(size) documents changed since the previous pass")
            scope.say("catch-up pass \(pass): \(size) documents changed or deleted during the previous pass")
            Failpoints.hit("catch-up-pass")
            if size <= options.freezeThreshold || size >= previous { break }
            previous = size
            since = checkpoint
        }
        if selector.method != .exactScan {
            // Reconcile ids now, before the block, so that under it only deletes made since
            // remain (the counts show them); the frozen pass selects from this checkpoint on.
            if let checkpoint = try selector.checkpointNow(client: client, source: plan.source.index) {
                try journal.setCheckpoint(record.runID, DeltaSelector.lastPassKey, checkpoint)
            }
            try refreshBoth()
            let delta = try scanner.scan(source: plan.source.index, target: plan.targetIndex)
            try apply(delta, frozen: false, &stats)
            try journal.event(record.runID, .catchingUp, "ids reconciled: \(delta.toDelete.count) deleted, \(delta.toCopy.count) copied")
            scope.say("ids reconciled before the freeze: \(delta.toDelete.count) deletes, \(delta.toCopy.count) copies")
        }
    }

    /// Under the write block: the exact delta by every id and version, applied, then checked
    /// again: it must be empty. The fallback of `frozenPass`, and the rollback copy's pass.
    func exactFrozenPass(_ stats: inout CatchUpStats) throws {
        try refreshBoth()
        let delta = try scanner.scan(source: plan.source.index, target: plan.targetIndex, exact: true)
        stats.frozenDelta = delta.size
        try apply(delta, frozen: true, &stats)
        scope.say("frozen pass: copied \(delta.toCopy.count), deleted \(delta.toDelete.count), rewrote \(delta.lowerVersion.count)")
        // Nothing applied: under the block neither index changed since that exact scan, so it
        // is the check (a second scan of every id would find the same).
        let check = delta.size == 0
            ? delta : try { try refreshBoth(); return try scanner.scan(source: plan.source.index, target: plan.targetIndex, exact: true) }()
        let rewritten = Set(delta.lowerVersion)
        let unexplained = check.toCopy.count + check.toDelete.count + check.lowerVersion.filter { !rewritten.contains($0) }.count
        guard unexplained == 0 else {
            throw FerryError(
                "verification under the freeze failed: \(check.toCopy.count) source documents missing or stale in \(plan.targetIndex), \(check.toDelete.count) extra"
                    + (check.toCopy.first.map { " (e.g. \($0))" } ?? check.toDelete.first.map { " (e.g. \($0))" } ?? ""))
        }
        scope.say(try FrozenCheckLine.text(check.sourceCount, inTarget: check.targetCount, target: plan.targetIndex, recipe: scope.recipe.name, journal: journal, runID: record.runID))
    }

    func refreshBoth() throws {
        try client.refresh(plan.source.index)
        try client.refresh(plan.targetIndex)
    }

    func apply(_ delta: Delta, frozen: Bool, _ stats: inout CatchUpStats) throws {
        // These are copied again from their new version: what the journal says about an older
        // version (dropped, dead letter) no longer holds; the copy records it anew if it does.
        if !rollbackCopy {
            try journal.clearSkipped(record.runID, ids: delta.toCopy + delta.lowerVersion)
            try journal.clearDeadLetters(record.runID, ids: delta.toCopy + delta.lowerVersion)
        }
        for chunk in delta.toCopy.chunked(5_000) {
            stats.copied += try copy(query: ["ids": ["values": .array(chunk.map { .string($0) })]], expected: chunk.count, label: frozen ? "frozen pass" : "catch-up")
        }
        stats.deleted += try deleteFromTarget(delta.toDelete)
        if frozen, !delta.lowerVersion.isEmpty {
            // The source is static now, so a plain overwrite cannot race a newer write.
            _ = try deleteFromTarget(delta.lowerVersion)
            for chunk in delta.lowerVersion.chunked(5_000) {
                stats.rewritten += try copy(
                    query: ["ids": ["values": .array(chunk.map { .string($0) })]], expected: chunk.count, label: "rewrite", versioned: false)
            }
        }
    }

    /// Copies the source documents matching `query` through the steps; returns how many were read.
    private func copy(query: JSONValue, expected: Int, label: String, versioned: Bool = true) throws -> Int {
        guard expected > 0 else { return 0 }
        var pass = scope.pass(label, write: VersionedIndexWrite(versioned: versioned), query: query, expected: expected)
        if rollbackCopy { pass.journaling = .strict("keeping the rollback copy \(plan.targetIndex) in step") }
        return try RollbackFreeze.whileWritable(scope) { try scope.copy(pass).read }
    }

    private func deleteFromTarget(_ ids: [String]) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try RollbackFreeze.whileWritable(scope) { try deleteFromTargetWritable(ids) }
    }

    private func deleteFromTargetWritable(_ ids: [String]) throws -> Int {
        var deleted = 0
        for chunk in ids.chunked(1_000) {
            var builder = BulkRequestBuilder()
            for id in chunk { builder.delete(from: plan.targetIndex, id: id) }
            let response = try client.bulk(builder, retryRejectedItems: true)
            for item in response.items where item.status >= 300 && item.status != 404 {
                throw FerryError("deleting \(item.id) from \(plan.targetIndex): HTTP \(item.status) \(item.errorType ?? ""): \(item.errorReason ?? "")")
            }
            deleted += chunk.count
        }
        return deleted
    }

    static func epochMilliseconds(_ iso: String) -> Int64? { ISODate.epochMilliseconds(iso) }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
