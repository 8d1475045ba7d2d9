import Synchronization

/// Stops a run from hammering a cluster that keeps failing. Counts consecutive requests that
/// failed after exhausting their retries (transport failures, and 5xx or 429 answers); at
/// `threshold` it opens and every further request fails at once with a `ClusterError` of kind
/// `.circuitOpen`, naming the failure count and the last cause. Any request that gets another
/// answer (2xx, but also 404 or 409: the cluster is there and working) closes it again.
///
/// With a `coolDown`, an open breaker lets one trial request through once that much time has
/// passed since it opened (half-open): success closes it, failure opens it for another
/// cool-down. With `coolDown: nil` it stays open until `reset()`, which suits a run that stops
/// and saves its state when the breaker opens.
///
/// One breaker is shared by every `ClusterClient` of a run: it lives in `ClusterConfig`, and
/// copies of a config share it.
public final class CircuitBreaker: Sendable {
    public enum State: Sendable, Hashable {
        case closed
        case open
        /// The cool-down passed and one trial request was let through.
        case halfOpen
    }

    public let threshold: Int
    public let coolDown: Duration?
    private let now: @Sendable () -> ContinuousClock.Instant
    private let storage: Mutex<Storage>

    private struct Storage {
        var state = State.closed
        var consecutiveFailures = 0
        var lastFailure: String?
        var openedAt: ContinuousClock.Instant?
        var trialStartedAt: ContinuousClock.Instant?
    }

    public convenience init(threshold: Int = 5, coolDown: Duration? = .seconds(30)) {
        self.init(threshold: threshold, coolDown: coolDown, now: { ContinuousClock.now })
    }

    /// `now` is replaceable so tests can move time on without waiting for it.
    init(threshold: Int, coolDown: Duration?, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.threshold = max(1, threshold)
        self.coolDown = coolDown
        self.now = now
        storage = Mutex(Storage())
    }

    public var state: State { storage.withLock { $0.state } }
    public var consecutiveFailures: Int { storage.withLock { $0.consecutiveFailures } }
    /// The description of the last failure counted; nil after a success.
    public var lastFailure: String? { storage.withLock { $0.lastFailure } }

    /// Closes the breaker, e.g. when an operator resumes a run.
    public func reset() {
        storage.withLock { $0 = Storage() }
    }

    enum Admission: Equatable {
        case allowed
        case rejected(consecutiveFailures: Int, lastFailure: String)
    }

    /// Asked before each request (not before each retry of it).
    func admit() -> Admission {
        let now = now()
        return storage.withLock { s in
            switch s.state {
            case .closed:
                return .allowed
            case .open:
                if let coolDown, let openedAt = s.openedAt, now - openedAt >= coolDown {
                    s.state = .halfOpen
                    s.trialStartedAt = now
                    return .allowed
                }
            case .halfOpen:
                // A trial whose outcome never came back (its thread died) must not wedge the
                // breaker: after another cool-down, admit a new trial.
                if let coolDown, let started = s.trialStartedAt, now - started >= coolDown {
                    s.trialStartedAt = now
                    return .allowed
                }
            }
            return .rejected(consecutiveFailures: s.consecutiveFailures, lastFailure: s.lastFailure ?? "unknown")
        }
    }

    func recordSuccess() {
        storage.withLock { $0 = Storage() }
    }

    func recordFailure(_ cause: String) {
        let now = now()
        storage.withLock { s in
            s.consecutiveFailures += 1
            s.lastFailure = cause
            if s.state == .halfOpen || s.consecutiveFailures >= threshold {
                s.state = .open
                s.openedAt = now
                s.trialStartedAt = nil
            }
        }
    }
}
