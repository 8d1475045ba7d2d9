import Foundation
import FerryCluster
import FerryCore

/// The work under the write block, proportional to what changed since the last catch-up pass
/// rather than to the index: the documents changed since its checkpoint (selected by the run's
/// `DeltaSelector`: the recipe's `changed_field` or `_seq_no`) compared id by id and version by
/// version and applied; then counts stand in for the id check: with the delta applied,
/// target − (source − skipped still in the source) is the number of deletes not yet
/// reconciled. Only when that is not zero, or when the delta cannot be selected (no
/// `changed_field` and `_seq_no` failed its probe, or no checkpoint), does every id of both
/// indices get compared, as before.
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
        guard let selector = try DeltaSelector.journaled(journal, record.runID),
              let since = try journal.checkpoint(record.runID, DeltaSelector.lastPassKey),
              let query = selector.query(since: since)
        else { return nil }
        switch selector.method {
        case .changedField:
            return (query, "changed_field \(selector.field ?? "?") since the last catch-up pass, less \(DeltaSelector.clockMargin / 1000) s for clocks")
        default:
            return (query, "_seq_no above \(since), the checkpoint of the last catch-up pass; \(selector.reason)")
        }
    }

    private func exactScanReason() throws -> String {
        if let selector = try DeltaSelector.journaled(journal, record.runID), selector.method == .exactScan { return selector.reason }
        return "no catch-up checkpoint for this run (resumed under the freeze)"
    }

    /// target − (source − skipped documents still in the source): the deletes the target has
    /// not had yet (negative: documents missing from it). Skipped ids are counted in the
    /// source in chunks, so this costs what the skipped list does, not the index.
    func unreconciledDeletes() throws -> Int {
        try refreshBoth()
        let source = try client.count(plan.source.index)
        let target = try client.count(plan.targetIndex)
        var skippedInSource = 0
        for chunk in try journal.skippedIDs(record.runID).chunked(10_000) {
            skippedInSource += try client.count(plan.source.index, query: ["ids": ["values": .array(chunk.map { .string($0) })]])
        }
        // A rollback: what the forward run dropped is in the target (the old index) only.
        var keptInTarget = 0
        if let forward = plan.rollbackOf {
            for chunk in try journal.skippedIDs(forward).chunked(10_000) {
                let ids: JSONValue = ["ids": ["values": .array(chunk.map { .string($0) })]]
                keptInTarget += try client.count(plan.targetIndex, query: ids) - client.count(plan.source.index, query: ids)
            }
        }
        return target - (source - skippedInSource) - keptInTarget
    }
}
