/// The content check of a blue-green switch (a sample recomputed as T(source), the mapping, the
/// canary queries) before the write block instead of under it. The source still moves then, so
/// what moved is told apart from what is wrong: a sampled document whose source and target
/// versions differ changed since the last catch-up pass, and the frozen pass re-copies it and
/// checks its version; a canary may be off by at most the documents changed since that pass.
/// Anything else is checked again under the block, as before (the guarantee stays exact).
import Foundation
import FerryCluster
import FerryCore
import FerryVerify

extension RunScope {
    /// Restores the target's settings, checks its count, then the content. Returns nil when
    /// everything passed or moved only as changes since the last catch-up pass can explain;
    /// else why the content must be checked again under the block. Throws on a difference
    /// that no change explains (a sampled document at the same version in both indices).
    func verifyBeforeFreeze() throws -> String? {
        try verify(stableCount: true)
        if options.verifySample == 0 { return nil }
        let subject = try VerificationSubject.of(run: record, journal: journal, client: client)
        var verifyOptions = VerifyOptions(sample: options.verifySample, seed: 1)
        verifyOptions.checks = [.documents, .mapping, .canaries]
        let report = try Verifier(recipe: recipe, client: client).verify(subject, options: verifyOptions)
        if report.result(.mapping)?.status == .failed { throw contentFailure(report) }

        var moved = 0
        if report.result(.documents)?.status == .failed {
            let kinds: Set<Difference.Kind> = [.missing, .unexpected, .differs, .transformFailed]
            let documents = report.differences.filter { kinds.contains($0.kind) }
            let listed = report.differenceTotals.filter { kinds.contains($0.key) }.values.reduce(0, +)
            guard !documents.isEmpty, documents.count == listed else {
                return "the sampled documents' check failed with \(listed) differences, \(documents.count) of them listed"
            }
            let changed = try versionsDiffer(Array(Set(documents.map(\.subject))))
            guard documents.allSatisfy({ changed.contains($0.subject) }) else { throw contentFailure(report) }
            moved = changed.count
        }

        var tolerated = 0
        for canary in report.canaries where !canary.passes {
            guard canary.problem == nil, let s = canary.sourceCount, let t = canary.targetCount else {
                return "canary \(canary.canary) could not be compared before the freeze"
            }
            guard let tolerance = try changedSinceLastPass() else {
                return "canary \(canary.canary) disagrees and the run cannot count the changes since the last catch-up pass"
            }
            let off = max(abs(s - t), canary.onlyInSource.count + canary.onlyInTarget.count)
            guard off <= tolerance else {
                return "canary \(canary.canary) is off by \(off), more than the \(tolerance) documents changed since the last catch-up pass"
            }
            tolerated += 1
        }
        say("verified before the freeze: \(options.verifySample.map { "a sample of \($0)" } ?? "every") document(s) (\(moved) changed since the last catch-up pass: the frozen pass re-copies and checks them), the mapping and \(recipe.canaries.count) canary queries (\(tolerated) within the changes since)")
        return nil
    }

    /// Of these ids, those whose `_version` in the source differs from the target's (or that
    /// one of them lacks): changed since the last catch-up pass.
    private func versionsDiffer(_ ids: [String]) throws -> Set<String> {
        func versions(_ index: String) throws -> [String: Int64] {
            guard !ids.isEmpty else { return [:] }
            let body: JSONValue = ["query": ["ids": ["values": .array(ids.map { .string($0) })]], "size": .int(Int64(ids.count)), "_source": false, "version": true]
            var out: [String: Int64] = [:]
            for hit in try client.search(index: index, body: body).hits { out[hit.id] = hit.version ?? -1 }
            return out
        }
        let (source, target) = (try versions(plan.source.index), try versions(plan.targetIndex))
        return Set(ids.filter { source[$0] != target[$0] })
    }

    /// Documents changed in the source since the last catch-up pass's checkpoint, plus the
    /// deletes the counts show unreconciled; nil when the run has no way to select them.
    private func changedSinceLastPass() throws -> Int? {
        guard let selector = try DeltaSelector.journaled(journal, record.runID),
              let since = try journal.checkpoint(record.runID, DeltaSelector.lastPassKey),
              let query = selector.query(since: since)
        else { return nil }
        try client.refresh(plan.source.index)
        return try client.count(plan.source.index, query: query) + abs(CatchUp(scope: self).unreconciledDeletes())
    }

    private func contentFailure(_ report: VerificationReport) -> FerryError {
        FerryError(
            (["verification before the freeze found differences that no change since the last catch-up pass explains; aliases not switched"] + report.lines).joined(separator: "\n"),
            hint: "`ferry verify \(recipe.name)` shows them again; writes were not blocked; `ferry run \(recipe.name)` tries again")
    }

    /// Under the block: more failed documents than `--max-errors` (the frozen pass may add some).
    func checkDeadLetters() throws {
        let failed = try journal.deadLetterCount(record.runID)
        if failed > options.maxErrors {
            let letters = try journal.deadLetters(record.runID, limit: 10)
            throw DocumentsFailed(runID: record.runID, recipe: recipe.name, failed: failed, maxErrors: options.maxErrors, sample: letters)
        }
    }
}
