/// A copy pass the cluster makes (`Copier.cluster`): one waited-for `_reindex` per pending
/// slice, up to `--writers` at a time, each journaled like a slice ferry copied, so a killed
/// run resumes the slices that were not done and catch-up, freeze and verification follow as
/// after any copy.
import Foundation
import Synchronization
import FerryCluster
import FerryCore

extension RunScope {
    /// Runs `pass` (the first copy, journaled by slice) as `_reindex` requests. A slice whose
    /// `_reindex` stopped on a document is then copied by ferry, which makes each failing
    /// document a dead letter as in any copy. A refused or timed-out request stops the pass
    /// with `CopyFailed` naming the request, the HTTP status and the cluster's error type.
    func copyInCluster(_ pass: CopyPass, sliced: Bool) throws -> CopyCounts {
        guard case .slices = pass.journaling, pass.replay == nil, let dest = pass.write.reindexDest else {
            throw FerryError("\(pass.label): only a whole first copy can be made by the cluster")
        }
        // One request per slice, or one for them all when the cluster does not slice.
        let groups: [[Int]] = sliced && pass.sliceCount > 1 ? pass.slices.map { [$0] } : [pass.slices]
        let requests = groups.map { group -> ReindexRequest in
            var request = ReindexRequest(
                source: pass.source, target: pass.target, slice: group.count == 1 && pass.sliceCount > 1 ? (group[0], pass.sliceCount) : nil,
                dest: dest, batchSize: recipe.batch.size)
            request.query = pass.query
            return request
        }
        var config = cluster
        config.requestTimeout = options.reindexTimeout
        config.retry.maxAttempts = 1   // a resent `_reindex` would copy the slice twice at once
        let inFlight = ParallelReindex(requests: requests, config: config, concurrency: max(1, min(options.writers, requests.count)))
        defer { inFlight.stop() }

        var counts = CopyCounts()
        (counts.expected, counts.alreadyDone) = (pass.expected, pass.alreadyDone)
        let started = Date()
        var redo: [Int] = []
        for _ in requests {
            let (index, outcome) = inFlight.next()
            let request = requests[index]
            if let lost = lease?.lostReason { throw FerryError("the lease on \(recipe.readAlias) was lost (\(lost)); stopping the copy") }
            let result: ReindexResult
            do {
                result = try outcome.get()
            } catch {
                figures.passes.append(summary(pass, counts, sliced: sliced))
                throw CopyFailed(cause: error, failures: [], counts: counts, runID: runID, recipe: recipe.name,
                                 pass: "\(pass.label) (the cluster's _reindex of \(request.description))")
            }
            counts.read += result.total
            counts.written += result.created + result.updated
            counts.versionConflicts += result.versionConflicts
            if let failure = result.failures.first ?? (result.timedOut ? .init(type: "timed_out", reason: "the cluster said timed_out") : nil) {
                say("\(request.description): the cluster's _reindex stopped on \(failure); ferry copies \(groups[index].count == 1 ? "this slice" : "it") itself, so each failing document becomes a dead letter")
                redo += groups[index]
                continue
            }
            for (n, slice) in groups[index].enumerated() {
                var done = SliceResult(slice: slice)
                if n == 0 { (done.read, done.written) = (result.total, result.written) }
                try journal.completeSlice(runID, done)
                Failpoints.hit("slice-completed")
            }
            counts.elapsed = Date().timeIntervalSince(started)
            progress(pass.label, counts)
        }
        figures.passes.append(summary(pass, counts, sliced: sliced))
        guard !redo.isEmpty else { return counts }
        var fallback = pass
        fallback.copier = .ferry
        fallback.slices = redo.sorted()
        fallback.alreadyDone = try journal.totals(runID).read
        return try copy(fallback)
    }

    private func summary(_ pass: CopyPass, _ counts: CopyCounts, sliced: Bool) -> PassSummary {
        PassSummary(
            label: pass.label, workers: 0, writers: min(options.writers, pass.slices.count),
            slices: sliced ? pass.slices.count : 1, reader: "cluster (_reindex)", write: pass.write.summary,
            read: counts.read, written: counts.written + counts.versionConflicts, failed: 0)
    }
}

/// Waited-for `_reindex` requests, `concurrency` at a time, each thread with its own client
/// (a client owns a curl handle); `next()` hands back each outcome as it arrives.
final class ParallelReindex: Sendable {
    private let requests: [ReindexRequest]
    private let state = Mutex<(next: Int, stopped: Bool, done: [(Int, Result<ReindexResult, any Error>)])>((0, false, []))
    private let arrived = DispatchSemaphore(value: 0)

    init(requests: [ReindexRequest], config: ClusterConfig, concurrency: Int) {
        self.requests = requests
        for _ in 0..<concurrency {
            Thread { [self] in work(config) }.start()
        }
    }

    private func work(_ config: ClusterConfig) {
        let client = Result { try ClusterClient(config: config) }
        while true {
            let taken: Int? = state.withLock { state in
                guard !state.stopped, state.next < requests.count else { return nil }
                state.next += 1
                return state.next - 1
            }
            guard let index = taken else { return }
            let outcome = Result { try client.get().reindex(requests[index]) }
            state.withLock { $0.done.append((index, outcome)) }
            arrived.signal()
        }
    }

    /// The next finished request (blocks until one finishes).
    func next() -> (Int, Result<ReindexResult, any Error>) {
        arrived.wait()
        return state.withLock { $0.done.removeFirst() }
    }

    /// No request starts after this; those under way finish in the cluster.
    func stop() { state.withLock { $0.stopped = true } }
}
