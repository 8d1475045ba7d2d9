// The last line behind the sandbox limits: a thread that notices an engine stuck on one
// document far past its time limit (a C function the limits cannot interrupt), so the run
// can stop, journal the document and step as the cause, and exit instead of hanging.

import CFerryLua
import Foundation
import Synchronization

/// What an engine is transforming right now. Written by the engine's thread at the start and
/// end of every document (a few atomic stores); read by a watchdog thread.
public final class DocumentProgress: @unchecked Sendable {
    // @unchecked: the C record is written by one engine thread and read with atomics.
    let pointer: OpaquePointer

    init() {
        guard let pointer = ferry_progress_create() else { fatalError("out of memory allocating a progress record") }
        self.pointer = pointer
    }

    deinit { ferry_progress_destroy(pointer) }

    /// The document in progress, or nil when the engine is idle.
    public func current() -> DocumentInProgress? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
            var length = 0
            var step: Int32 = -1
            let started = ferry_progress_read(pointer, buffer.baseAddress, 512, &length, &step)
            guard started != 0 else { return nil }
            let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: length)
            let elapsed = Duration.nanoseconds(Int64(ferry_monotonic_ns() &- started))
            return DocumentInProgress(documentID: String(decoding: bytes, as: UTF8.self),
                                      stepIndex: step >= 0 ? Int(step) : nil, elapsed: elapsed)
        }
    }
}

/// One document an engine has been working on for `elapsed`.
public struct DocumentInProgress: Sendable, Hashable {
    public let documentID: String
    /// 0-based position in the chain; nil while the input is decoded.
    public let stepIndex: Int?
    public let elapsed: Duration
}

/// Checks the watched engines' progress every `interval` and calls `onStuck` once for the
/// first document found running longer than `ceiling` (then stops watching).
public final class TransformWatchdog: Sendable {
    public let ceiling: Duration
    private let interval: Duration
    private let state = Mutex<(watched: [DocumentProgress], stopped: Bool)>(([], false))
    private let onStuck: @Sendable (DocumentInProgress) -> Void

    /// - Parameter ceiling: e.g. 10 × the time limit; `ceiling(for:)` computes it.
    public init(ceiling: Duration, interval: Duration = .milliseconds(100), onStuck: @escaping @Sendable (DocumentInProgress) -> Void) {
        self.ceiling = ceiling
        self.interval = interval
        self.onStuck = onStuck
    }

    /// Ten times the time limit, and at least one second (0 when the limit is off: no watchdog).
    public static func ceiling(for limits: SandboxLimits) -> Duration {
        limits.timePerDocument <= .zero ? .zero : max(limits.timePerDocument * 10, .seconds(1))
    }

    public func watch(_ progress: DocumentProgress) {
        state.withLock { $0.watched.append(progress) }
    }

    public func start() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "ferry-watchdog"
        thread.start()
    }

    /// Ends the thread at its next check.
    public func stop() {
        state.withLock { $0.stopped = true }
    }

    private func loop() {
        let sleepSeconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        while true {
            Thread.sleep(forTimeInterval: sleepSeconds)
            let watched: [DocumentProgress]? = state.withLock { $0.stopped ? nil : $0.watched }
            guard let watched else { return }
            for progress in watched {
                if let doc = progress.current(), doc.elapsed > ceiling {
                    state.withLock { $0.stopped = true }
                    onStuck(doc)
                    return
                }
            }
        }
    }
}
