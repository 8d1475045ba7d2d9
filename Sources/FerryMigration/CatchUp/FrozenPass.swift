import Foundation
import FerryCluster
import FerryCore

/// The work under the write block, proportional to what changed since the last catch-up pass
/// rather than to the index: the documents changed since then (by the recipe's
/// `changed_field`) compared id by id and version by version and applied; then counts stand in
/// for the id check: with the delta applied, target − (source − skipped still in the source)
/// is the number of deletes not yet reconciled. Only when that is not zero, or when the delta
/// cannot be found (no `changed_field`, no checkpoint), does every id of both indices get
/// compared, as before.
enum FrozenPass {
    /// The checkpoint (epoch ms) where the last catch-up pass started.
    static let changedSince = "changed_since_ms"
    /// Margin for the clocks of the application's hosts against ferry's.
    static let clockMargin: Int64 = 60_000
}

extension CatchUp {
    func frozenPass(_ stats: inout CatchUpStats) throws {
        var parts = stats.freeze
        defer { stats.freeze = parts }
        guard let (query, method) = try frozenDeltaQuery() else {
            parts.exactScan = true
            parts.method = try exactScanReason()
            scope.say("frozen pass: comparing every id and version (\(parts.method))")
            var ms = 0
            try timed(&ms) { try exactFrozenPass(&stats) }
            parts.deltaMilliseconds = ms
            parts.deltaDocuments = stats.frozenDelta
            return
        }
        parts.method = method
        parts.exactScan = false
        var applied = Delta()
        try timed(&parts.deltaMilliseconds) {
            try refreshBoth()
            applied = try scanner.scan(source: plan.source.index, target: plan.targetIndex, exact: true, only: query)
            try apply(applied, frozen: true, &stats)
            // Nothing applied: neither index changed under the block since that scan.
            let check = applied.size == 0
                ? applied : try { try client.refresh(plan.targetIndex); return try scanner.scan(source: plan.source.index, target: plan.targetIndex, exact: true, only: query) }()
            let rewritten = Set(applied.lowerVersion)
            let unexplained = check.toCopy.count + check.toDelete.count + check.lowerVersion.filter { !rewritten.contains($0) }.count
            guard unexplained == 0 else {
                throw FerryError(
                    "verification under the freeze failed: of the \(check.sourceCount) documents changed since the last catch-up pass, \(check.toCopy.count) are missing or stale in \(plan.targetIndex), \(check.toDelete.count) should not be there"
                        + (check.toCopy.first.map { " (e.g. \($0))" } ?? check.toDelete.first.map { " (e.g. \($0))" } ?? ""))
            }
        }
        stats.frozenDelta = applied.size
        parts.deltaDocuments = applied.sourceCount
        scope.say("frozen pass: \(applied.sourceCount) documents changed since the last catch-up pass; copied \(applied.toCopy.count), deleted \(applied.toDelete.count), rewrote \(applied.lowerVersion.count)")

        var unreconciled = 0
        try timed(&parts.countsMilliseconds) { unreconciled = try unreconciledDeletes() }
        parts.unreconciled = unreconciled
        guard unreconciled != 0 else {
            scope.say("counts agree: every source document is in \(plan.targetIndex) or skipped, nothing extra")
            return
        }
        scope.say("counts disagree by \(unreconciled) (deletes not yet reconciled): comparing every id under the freeze")
        var ms = 0
        try timed(&ms) { try exactFrozenPass(&stats) }
        parts.idCheckMilliseconds = ms
    }

    /// The query selecting what changed since the last catch-up pass, and how it was chosen;
    /// nil when there is no way to select it.
    private func frozenDeltaQuery() throws -> (JSONValue, String)? {
        guard let field = scope.recipe.changedField,
              let since = try journal.checkpoint(record.runID, FrozenPass.changedSince).flatMap({ Int64($0) })
        else { return nil }
        let query: JSONValue = ["range": [field: ["gte": .int(since - FrozenPass.clockMargin), "format": "epoch_millis"]]]
        return (query, "changed_field \(field) since the last catch-up pass, less \(FrozenPass.clockMargin / 1000) s for clocks")
    }

    private func exactScanReason() throws -> String {
        if scope.recipe.changedField == nil { return "the recipe has no changed_field" }
        return "no catch-up checkpoint for this run (resumed under the freeze)"
    }

    /// target − (source − skipped documents still in the source): the deletes the target has
    /// not had yet (negative: documents missing from it). Skipped ids are counted in the
    /// source in chunks, so this costs what the skipped list does, not the index.
    private func unreconciledDeletes() throws -> Int {
        try refreshBoth()
        let source = try client.count(plan.source.index)
        let target = try client.count(plan.targetIndex)
        var skippedInSource = 0
        for chunk in try journal.skippedIDs(record.runID).chunked(10_000) {
            skippedInSource += try client.count(plan.source.index, query: ["ids": ["values": .array(chunk.map { .string($0) })]])
        }
        return target - (source - skippedInSource)
    }
}
