import Foundation
import FerryCore

/// What a run tells the signal handler about the write block, and the one lock that keeps an
/// interruption from crossing the block's two critical requests (setting it, switching the
/// aliases): once `interrupt` has the lock it never gives it back, so the run cannot set the
/// block again or switch after the handler lifted it. Shared between the run's thread and the
/// thread that handles SIGINT/SIGTERM.
public final class FreezeGuard: @unchecked Sendable {
    /// A block this process set and has not seen lifted.
    public struct Block: Sendable, Equatable {
        public let index: String
        public let runID: String
    }

    private let critical = NSLock()
    private let state = NSLock()
    private var block: Block?
    private var interruptedBy: String?
    private var freezeDeadline: Date?

    public init() {}

    /// Runs `body` (set the block, switch the aliases) unless an interruption came first; an
    /// interruption arriving meanwhile waits for it to end.
    func whileNotInterrupted<T>(_ body: () throws -> T) throws -> T {
        critical.lock()
        defer { critical.unlock() }
        if let signal = interruptedBy { throw Interrupted(signal: signal) }
        return try body()
    }

    func blockSet(_ block: Block) {
        state.withLock { self.block = block }
    }

    func blockLifted() {
        state.withLock { block = nil }
    }

    /// While writes are blocked, the moment the freeze must end: every request of the run
    /// (its client's and its copy passes') gets a timeout from what is left.
    var deadline: Date? {
        get { state.withLock { freezeDeadline } }
        set { state.withLock { freezeDeadline = newValue } }
    }

    public var currentBlock: Block? {
        state.withLock { block }
    }

    /// Stops the run from setting the block or switching from now on (waiting for either in
    /// flight to finish) and returns the block to lift, if any.
    public func interrupt(signal: String) -> Block? {
        critical.lock()  // never unlocked: the process exits after the handler
        state.withLock { interruptedBy = signal }
        return currentBlock
    }
}

/// The run stopped because of a signal.
public struct Interrupted: Error, CustomStringConvertible {
    public let signal: String
    public var description: String { "interrupted by \(signal)" }
}

/// The run stopped because `--max-freeze` ended its last allowed freeze. The block is already
/// lifted and journaled, and the run is back at CATCHING_UP: nothing is left to lift.
public struct FreezeDeadlineReached: UserFacingError {
    public let description: String
    public let hint: String?
}
