import Synchronization

/// Running totals of a copy, shared by the stages and read by the progress display.
public struct CopyCounts: Sendable, Equatable {
    /// Documents the source holds, when known.
    public var expected: Int = 0
    /// Documents finished by an earlier, interrupted attempt of this run (resumed slices).
    public var alreadyDone: Int = 0
    public var read: Int = 0
    public var transformed: Int = 0
    public var dropped: Int = 0
    public var written: Int = 0
    public var failed: Int = 0
    /// Writes the target refused because it already holds that version or a newer one
    /// (a resent batch, or a document a catch-up pass brought over already): not failures.
    public var versionConflicts: Int = 0
    public var bytesWritten: Int = 0
    /// Seconds since the copy started, as of this snapshot.
    public var elapsed: Double = 0
    /// The pace `--max-docs-per-second` allows now (lower than the limit after a 429), if set.
    public var throttledTo: Double? = nil

    public init() {}
}

/// One document that could not be migrated: which, where, and why.
public struct DocumentFailure: Sendable, CustomStringConvertible {
    public enum Stage: String, Sendable {
        case transform
        case write
    }

    public let id: String
    public let stage: Stage
    /// For transforms, the step (`2.0→3.0`); for writes, the target index.
    public let location: String
    /// The cluster's error type for writes (`mapper_parsing_exception`), or the Lua error kind.
    public let errorType: String
    public let message: String
    public let status: Int?
    /// The original `_source` bytes, kept for the dead-letter export.
    public var source: [UInt8]? = nil
    /// The source document's `_version` when it failed, so catch-up passes know whether it changed.
    public var sourceVersion: Int64? = nil

    public var description: String {
        switch stage {
        case .transform:
            return message.hasPrefix("document ") ? message : "document \(id): \(message)"
        case .write:
            let code = status.map { "HTTP \($0) " } ?? ""
            return "document \(id): rejected by \(location): \(code)\(errorType): \(message)"
        }
    }
}

/// Counters, per-slice bookkeeping and the first fatal error, behind one lock. A slice is
/// complete when its reader has finished it and every batch made from it is acknowledged;
/// completed slices wait in `completed` until the coordinator records them in the journal.
final class PipelineLedger: Sendable {
    private struct SliceState {
        var pendingBatches = 0
        var readDone = false
        var abandoned = false
        var result: SliceResult
    }

    private struct State {
        var counts = CopyCounts()
        var slices: [Int: SliceState] = [:]
        var completed: [SliceResult] = []
        var recentFailures: [DocumentFailure] = []
        var firstError: (any Error)? = nil
    }

    private let state = Mutex(State())
    /// Failures past this many mean the run cannot switch: stop copying.
    let maxFailures: Int

    init(maxFailures: Int) {
        self.maxFailures = maxFailures
    }

    var counts: CopyCounts { state.withLock { $0.counts } }
    var firstError: (any Error)? { state.withLock { $0.firstError } }
    /// The first failures of this attempt, for the error message.
    var recentFailures: [DocumentFailure] { state.withLock { $0.recentFailures } }

    func setBaseline(expected: Int, alreadyDone: Int) {
        state.withLock {
            $0.counts.expected = expected
            $0.counts.alreadyDone = alreadyDone
        }
    }

    /// Takes the slices completed since the last call.
    func takeCompleted() -> [SliceResult] {
        state.withLock {
            let done = $0.completed
            $0.completed.removeAll()
            return done
        }
    }

    /// Failures held by slices that did not complete (a stopped pass), to be journaled as
    /// dead letters anyway: the operator must see them even though the slice will be redone.
    func failuresOfUnfinishedSlices() -> [(slice: Int, failures: [DocumentFailure])] {
        state.withLock { state in
            state.slices.compactMap { slice, s in s.result.failures.isEmpty ? nil : (slice, s.result.failures) }
        }
    }

    // MARK: Reader

    func pageRead(slice: Int, hits: Int) {
        state.withLock {
            $0.counts.read += hits
            $0.slices[slice, default: SliceState(result: SliceResult(slice: slice))].pendingBatches += 1
            $0.slices[slice]!.result.read += hits
        }
    }

    func hasRead(slice: Int) -> Bool {
        state.withLock { $0.slices[slice] != nil }
    }

    func sliceRead(_ slice: Int) {
        state.withLock {
            $0.slices[slice, default: SliceState(result: SliceResult(slice: slice))].readDone = true
            Self.completeIfDone(slice, &$0)
        }
    }

    /// The slice's read failed part-way (an expired scroll): it stays pending for another pass.
    func sliceAbandoned(_ slice: Int) {
        state.withLock {
            $0.slices[slice, default: SliceState(result: SliceResult(slice: slice))].abandoned = true
        }
    }

    // MARK: Transform

    /// A page became `batches` bulk requests (none if every document dropped or failed).
    /// Returns false when failures are past the limit.
    func pageTransformed(
        slice: Int, batches: Int, transformed: Int, dropped: [SkippedDocument], failures: [DocumentFailure]
    ) -> Bool {
        state.withLock {
            $0.counts.transformed += transformed
            $0.counts.dropped += dropped.count
            $0.slices[slice]!.result.droppedDocuments += dropped
            $0.counts.failed += failures.count
            $0.slices[slice]!.pendingBatches += batches - 1
            $0.slices[slice]!.result.dropped += dropped.count
            $0.slices[slice]!.result.failures += failures
            Self.remember(failures, &$0)
            Self.completeIfDone(slice, &$0)
            return $0.counts.failed <= maxFailures
        }
    }

    // MARK: Writer

    /// Returns false when failures are past the limit.
    func batchWritten(slice: Int, written: Int, versionConflicts: Int, bytes: Int, failures: [DocumentFailure]) -> Bool {
        state.withLock {
            $0.counts.written += written
            $0.counts.versionConflicts += versionConflicts
            $0.counts.bytesWritten += bytes
            $0.counts.failed += failures.count
            $0.slices[slice]!.pendingBatches -= 1
            $0.slices[slice]!.result.written += written + versionConflicts
            $0.slices[slice]!.result.failures += failures
            Self.remember(failures, &$0)
            Self.completeIfDone(slice, &$0)
            return $0.counts.failed <= maxFailures
        }
    }

    // MARK: Errors

    /// Records the error that stops the run; the first one wins. Returns true if it was first.
    @discardableResult
    func abort(_ error: any Error) -> Bool {
        state.withLock {
            guard $0.firstError == nil else { return false }
            $0.firstError = error
            return true
        }
    }

    private static func remember(_ failures: [DocumentFailure], _ state: inout State) {
        let room = max(0, 20 - state.recentFailures.count)
        state.recentFailures += failures.prefix(room)
    }

    private static func completeIfDone(_ slice: Int, _ state: inout State) {
        guard let s = state.slices[slice], s.readDone, !s.abandoned, s.pendingBatches == 0 else { return }
        state.completed.append(s.result)
        state.slices[slice] = nil
    }
}
