// The copy's last line behind the sandbox limits: a transform worker stuck on one document far
// past the time limit (in C code no limit interrupts) stops the pass, and the document is
// journaled so the next attempt dead-letters it without running it again.
import Foundation
import FerryCluster
import FerryCore
import FerryScripting

/// A document an earlier attempt of the run was stuck on (journaled by the run).
public struct StuckDocument: Sendable, Hashable {
    public let id: String
    /// The step's label ("1.0→2.0"), or "decoding the input".
    public let step: String

    public init(id: String, step: String) {
        self.id = id
        self.step = step
    }
}

/// A transform worker was stuck on one document past the watchdog's ceiling; the pass stopped
/// without waiting for that worker (it may never return).
public struct DocumentStuck: UserFacingError {
    public let document: StuckDocument
    public let elapsed: Duration
    public let ceiling: Duration

    public var description: String {
        "document \(document.id) was stuck in step \(document.step) for \(Self.seconds(elapsed)) s, past the watchdog's ceiling of "
            + "\(Self.seconds(ceiling)) s (10 × the time limit); the copy stopped and the lease was given up"
    }

    public var hint: String? {
        "run the same command again: it dead-letters document \(document.id) without running it (it needs --max-errors 1 or more)"
    }

    static func seconds(_ d: Duration) -> String { String(format: "%.1f", Double(d / .milliseconds(1)) / 1000) }
}

/// The next attempt met a document an earlier attempt was stuck on, but --max-errors leaves no
/// room to dead-letter it, and running it again would only get stuck again.
public struct StuckDocumentRefused: UserFacingError {
    public let document: StuckDocument

    public var description: String {
        "document \(document.id) made an earlier attempt of this run stop (stuck in step \(document.step) past the watchdog's ceiling); "
            + "it is not run again, and dead-lettering it would exceed --max-errors (no failed document allowed)"
    }

    public var hint: String? {
        "rerun with --max-errors 1 or more to dead-letter \(document.id) and copy the rest, or fix step \(document.step) and start over with --restart"
    }
}

extension CopyPipeline {
    /// The watchdog of this pass's workers: reports the first stuck document through `fail`.
    /// nil when the time limit is off.
    func makeWatchdog(fail: @escaping @Sendable (any Error) -> Void) -> TransformWatchdog? {
        let ceiling = TransformWatchdog.ceiling(for: .default)   // the limits StepChain runs with
        guard ceiling > .zero else { return nil }
        let labels = job.steps.filter { $0.script != nil }.map { "\($0.from)→\($0.to)" }
        return TransformWatchdog(ceiling: ceiling) { doc in
            let step = doc.stepIndex.map { labels.indices.contains($0) ? labels[$0] : "#\($0 + 1)" } ?? "decoding the input"
            fail(DocumentStuck(document: StuckDocument(id: doc.documentID, step: step), elapsed: doc.elapsed, ceiling: ceiling))
        }
    }

    /// The dead letter of a document an earlier attempt was stuck on (it is not run again).
    func stuckFailure(_ stuck: StuckDocument, _ hit: Hit) throws -> DocumentFailure {
        guard job.maxFailures > 0 else { throw StuckDocumentRefused(document: stuck) }
        return DocumentFailure(
            id: hit.id, stage: .transform, location: stuck.step, errorType: "stuck",
            message: "document \(hit.id): step \(stuck.step) was stuck on it past the watchdog's ceiling in an earlier attempt; not run again",
            status: nil)
    }

    /// Waits for every stage, except that a stuck worker is not waited for.
    func waitForStages(_ finished: DispatchGroup) {
        while finished.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if ledger.firstError is DocumentStuck { return }
        }
    }
}

/// Test hook (`FERRY_FAILPOINT=stall-lookup`): every `ctx.lookup` blocks for good, so a test can
/// have a worker stuck inside a call no sandbox limit reaches. Unset in production: one
/// environment lookup per worker.
final class StallingLookups: LookupProvider {
    static var requested: Bool { ProcessInfo.processInfo.environment["FERRY_FAILPOINT"] == "stall-lookup" }

    func lookupRow(table: String, key: LookupKey) throws -> [UInt8]? {
        while true { sleep(3600) }
    }
}
