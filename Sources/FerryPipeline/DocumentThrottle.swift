/// `--max-docs-per-second`: one steady pace for every bulk request of a run, shared by all its
/// writers, that halves on HTTP 429 and climbs back.
import Foundation
import Synchronization

/// Where the throttle reads the time and waits: the monotonic clock, or a test's.
public protocol ThrottleClock: Sendable {
    /// Time since a fixed origin; never goes back.
    var now: Duration { get }
    func sleep(for duration: Duration)
}

/// The process's monotonic clock.
public struct MonotonicThrottleClock: ThrottleClock {
    private let origin = ContinuousClock.now
    public init() {}
    public var now: Duration { ContinuousClock.now - origin }
    public func sleep(for duration: Duration) {
        Thread.sleep(forTimeInterval: duration / .seconds(1))
    }
}

/// Paces documents like `_reindex`'s `requests_per_second`, but smoothly: each bulk request
/// reserves the next slot of `documents / rate` seconds on one schedule shared by every writer,
/// and waits for it. Idle time earns no credit (a slot never starts before now), so there is
/// no burst after a pause; over any stretch, at most one request more than the rate allows.
///
/// Backing off: the client already resends what the cluster refused with 429, with jittered
/// exponential backoff per request (`RetryPolicy`). That relieves the cluster for a moment;
/// then every writer would come back at the same pace. So on a 429 the throttle also halves
/// the pace of the whole run (at most once per `backOffSpacing`, however many writers saw it,
/// and never below `limit / 16`), then lets it climb back to `limit` linearly over
/// `recovery`.
public final class DocumentThrottle: Sendable {
    /// Documents per second at most (`--max-docs-per-second`).
    public let limit: Double
    let clock: any ThrottleClock
    let backOffSpacing: Duration
    let recovery: Duration
    private let state: Mutex<State>

    struct State {
        /// When the next request may start.
        var nextSlot: Duration
        /// The pace right after the last back-off, and when that was.
        var backedOff: (rate: Double, at: Duration)? = nil
        var figures: ThrottleFigures
    }

    public init(
        limit: Double, clock: any ThrottleClock = MonotonicThrottleClock(),
        backOffSpacing: Duration = .seconds(1), recovery: Duration = .seconds(20)
    ) {
        precondition(limit > 0, "a throttle needs a positive rate")
        self.limit = limit
        self.clock = clock
        self.backOffSpacing = backOffSpacing
        self.recovery = recovery
        self.state = Mutex(State(nextSlot: clock.now, figures: ThrottleFigures(limit: limit, lowestRate: limit)))
    }

    /// The bulk size that keeps the pace smooth: about five requests a second at the limit
    /// (a 1,000-document batch at 200 docs/s would otherwise be one request every 5 s).
    public var smoothBatchSize: Int { max(1, Int(limit / 5)) }

    /// Waits until `documents` more may be written; returns how long it waited.
    @discardableResult
    public func admit(_ documents: Int) -> Duration {
        let wait = reserve(documents)
        if wait > .zero { clock.sleep(for: wait) }
        return wait
    }

    /// Books the next slot for `documents` and returns the wait until it starts.
    func reserve(_ documents: Int) -> Duration {
        state.withLock { state in
            let now = clock.now
            let start = max(now, state.nextSlot)
            let rate = Self.rate(state, at: start, limit: limit, recovery: recovery)
            state.nextSlot = start + .seconds(Double(max(documents, 0)) / rate)
            let wait = start - now
            state.figures.requests += 1
            state.figures.waited += wait
            return wait
        }
    }

    /// The cluster refused something with 429: halve the pace (once per `backOffSpacing`).
    public func overloaded() {
        state.withLock { state in
            let now = clock.now
            if let last = state.backedOff, now - last.at < backOffSpacing { return }
            let current = Self.rate(state, at: now, limit: limit, recovery: recovery)
            let lowered = max(current / 2, limit / 16)
            state.backedOff = (lowered, now)
            state.figures.backOffs += 1
            state.figures.lowestRate = min(state.figures.lowestRate, lowered)
            // The slot already booked was booked at the old pace; the next one uses the new.
        }
    }

    /// Documents per second allowed now.
    public var currentRate: Double {
        state.withLock { Self.rate($0, at: clock.now, limit: limit, recovery: recovery) }
    }

    /// What the throttle did so far, for the run report.
    public var figures: ThrottleFigures { state.withLock { $0.figures } }

    private static func rate(_ state: State, at time: Duration, limit: Double, recovery: Duration) -> Double {
        guard let (rate, at) = state.backedOff else { return limit }
        let climbed = limit * max(0, (time - at) / recovery)
        return min(limit, rate + climbed)
    }
}

/// What a throttle did over a run: the limit, the time writers waited for their slots, and the
/// back-offs on HTTP 429.
public struct ThrottleFigures: Sendable, Equatable {
    public var limit: Double
    public var requests = 0
    public var waited: Duration = .zero
    public var backOffs = 0
    public var lowestRate: Double

    public init(limit: Double, lowestRate: Double) {
        self.limit = limit
        self.lowestRate = lowestRate
    }
}
