/// `ferry deadletters <recipe> --retry`: the dead-lettered documents' current source, read from
/// the run's source index, through the recipe's current steps into the run's target, by the
/// run's copy pass, created (a document written to the target since wins). Each
/// outcome is journaled: a document written or dropped loses its dead letter, one that fails
/// again gets a new one.
import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

public struct DeadLetterRetryOutcome: Sendable {
    public let runID: String
    public let attempted: Int
    public let written: Int
    public let dropped: Int
    /// Documents the target already held (written there since: the newer write wins):
    /// settled, not written.
    public let alreadyNewer: Int
    /// Documents whose retry failed again, with the new failure.
    public let stillFailing: [DeadLetter]
    /// Dead-lettered ids the source no longer has: left as dead letters.
    public let notInSource: [String]
    /// The recipe's fingerprint when it differs from the run's (a fixed step).
    public let changedFingerprint: String?

    public var lines: [String] {
        var out = ["retried \(attempted) dead letter(s) of run \(runID): \(written) written, \(dropped) dropped by the steps"
            + (alreadyNewer > 0 ? ", \(alreadyNewer) already in the target, written since (kept)" : "") + ", \(stillFailing.count) still failing"
            + (notInSource.isEmpty ? "" : ", \(notInSource.count) no longer in the source (left as dead letters)")]
        if let changedFingerprint { out.append("the recipe changed since the run started (fingerprint now \(changedFingerprint)); journaled") }
        for letter in stillFailing.prefix(20) {
            out.append("  still failing: \(letter.id)  \(letter.stage) \(letter.location)\(letter.status.map { " HTTP \($0)" } ?? "") \(letter.errorType): \(letter.message)")
        }
        if stillFailing.count > 20 { out.append("  … \(stillFailing.count - 20) more in `ferry deadletters`") }
        if !notInSource.isEmpty { out.append("  not in the source: \(notInSource.prefix(20).joined(separator: ", "))\(notInSource.count > 20 ? ", …" : "")") }
        return out
    }
}

extension Migrator {
    /// Retries the dead letters of `record` (see the file comment). Holds the lease on the alias.
    public func retryDeadLetters(_ record: RunRecord, options: RunOptions) throws -> DeadLetterRetryOutcome {
        let letters = try journal.deadLetters(record.runID)
        let plan = try self.plan(from: record)
        let fingerprint = try recipe.fingerprint()
        let changed = fingerprint == record.fingerprint ? nil : fingerprint
        guard !letters.isEmpty else {
            return DeadLetterRetryOutcome(runID: record.runID, attempted: 0, written: 0, dropped: 0, alreadyNewer: 0, stillFailing: [], notInSource: [], changedFingerprint: changed)
        }
        guard try client.indexExists(plan.targetIndex) else {
            throw FerryError(
                "cannot retry the dead letters of run \(record.runID): its target index \(plan.targetIndex) is not in the cluster",
                hint: "`ferry deadletters \(recipe.name) --export FILE` writes their original sources")
        }
        // Without the source (deleted by cleanup), the originals the journal kept are replayed.
        let sourceGone = !(try client.indexExists(plan.source.index))
        let lease = try Lease.acquire(alias: recipe.readAlias, runID: record.runID, cluster: cluster, ttl: options.leaseTTL)
        defer { lease.release() }
        if let changed {
            try journal.event(record.runID, record.phase, "dead-letter retry with the recipe changed since the run started: fingerprint \(record.fingerprint) → \(changed)")
        }
        var retryOptions = options
        retryOptions.maxErrors = Int(Int32.max)   // every letter gets its try; none stops the others
        let scope = RunScope(
            recipe: recipe, cluster: cluster, client: client, journal: journal, plan: plan, record: record,
            run: RunContext(runID: record.runID, startedAtISO: record.startedAt), options: retryOptions, lease: lease,
            clusterInfo: try clusterInfo(), figures: RunFigures(), freezeGuard: freezeGuard, say: say, progress: progress)
        let ids = Array(Set(letters.map(\.id))).sorted()
        let originals = sourceGone ? ReplayPages.originals(letters) : [:]
        if sourceGone {
            say("source index \(plan.source.index) is gone: replaying the \(originals.count) stored original(s)"
                + (originals.count < ids.count ? "; \(ids.count - originals.count) dead letter(s) have none" : ""))
        }
        let started = ISODate.now(fractionalSeconds: true)
        // Into a separate target: create (see `CreateIfAbsentWrite`). In place, the mode's own
        // conditional write back into the same index.
        let write: any WritePolicy = plan.targetIndex == plan.source.index ? scope.strategy.copyWrite : CreateIfAbsentWrite()
        var present: Set<String> = []
        var counts = CopyCounts()
        for chunk in ids.chunked(5_000) {
            let query: JSONValue = ["ids": ["values": .array(chunk.map { .string($0) })]]
            var pass = scope.pass("dead-letter retry", write: write, query: query, expected: chunk.count)
            if sourceGone {
                let stored = chunk.compactMap { id in originals[id].map { (id, $0) } }
                present.formUnion(stored.map(\.0))
                pass.replay = [try ReplayPages.page(stored, index: plan.source.index)]
                pass.expected = stored.count
            } else {
                let page = try client.search(index: plan.source.index, body: ["query": query, "_source": false, "size": .int(Int64(chunk.count))])
                present.formUnion(page.hits.map(\.id))
            }
            let done = try scope.copy(pass)
            counts.written += done.written
            counts.dropped += done.dropped
            counts.versionConflicts += done.versionConflicts
        }
        // A letter recorded since `started` is a new failure; the others were written or dropped.
        let now = try journal.deadLetters(record.runID)
        let failing = now.filter { $0.recordedAt >= started && present.contains($0.id) }
        let failingIDs = Set(failing.map(\.id))
        let settled = ids.filter { present.contains($0) && !failingIDs.contains($0) }
        try journal.clearDeadLetters(record.runID, ids: settled)
        let outcome = DeadLetterRetryOutcome(
            runID: record.runID, attempted: ids.count, written: counts.written, dropped: counts.dropped,
            alreadyNewer: counts.versionConflicts, stillFailing: failing, notInSource: ids.filter { !present.contains($0) }, changedFingerprint: changed)
        try journal.event(record.runID, record.phase, outcome.lines[0])
        return outcome
    }
}
