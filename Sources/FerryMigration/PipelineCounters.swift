import Synchronization

/// Running totals of a copy, shared by the stages and read by the progress display.
public struct CopyCounts: Sendable, Equatable {
    /// Documents the source holds (from the first page's total), when known.
    public var expected: Int = 0
    public var read: Int = 0
    public var transformed: Int = 0
    public var dropped: Int = 0
    public var written: Int = 0
    public var failed: Int = 0
    /// Bulk items retried after a per-item 429.
    public var retriedItems: Int = 0
    public var bytesWritten: Int = 0
    /// Seconds since the copy started, as of this snapshot.
    public var elapsed: Double = 0

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

    public var description: String {
        switch stage {
        case .transform:
            return "document \(id): \(message)"
        case .write:
            let code = status.map { "HTTP \($0) " } ?? ""
            return "document \(id): rejected by \(location): \(code)\(errorType): \(message)"
        }
    }
}

/// Counters and failures behind one lock; stages add to them in batches, not per document.
final class PipelineLedger: Sendable {
    private let state = Mutex<(counts: CopyCounts, failures: [DocumentFailure], firstError: (any Error)?)>(
        (CopyCounts(), [], nil))
    /// How many failures are kept in full; the count goes on past it.
    let failureLimit: Int

    init(failureLimit: Int) {
        self.failureLimit = failureLimit
    }

    var counts: CopyCounts { state.withLock { $0.counts } }
    var failures: [DocumentFailure] { state.withLock { $0.failures } }
    var firstError: (any Error)? { state.withLock { $0.firstError } }

    func update(_ body: (inout CopyCounts) -> Void) {
        state.withLock { body(&$0.counts) }
    }

    /// Records failed documents; returns the total failed so far.
    @discardableResult
    func fail(_ failures: [DocumentFailure]) -> Int {
        state.withLock {
            $0.counts.failed += failures.count
            let room = max(0, failureLimit - $0.failures.count)
            $0.failures.append(contentsOf: failures.prefix(room))
            return $0.counts.failed
        }
    }

    /// Records the error that stops the run; the first one wins. Returns true if it was first.
    @discardableResult
    func abort(_ error: any Error) -> Bool {
        state.withLock {
            guard $0.firstError == nil else { return false }
            $0.firstError = error
            return true
        }
    }
}
