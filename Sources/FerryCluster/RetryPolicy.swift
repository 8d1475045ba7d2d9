/// When and how long to wait before repeating a request that failed for a reason that may pass:
/// HTTP 429/502/503/504 and connection-level failures. Delays grow exponentially with full
/// jitter (a uniform random delay in `0...min(maxDelay, baseDelay * 2^(retry-1))`), so many
/// writers backing off from one overloaded cluster do not come back in lock step.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts including the first one; 1 disables retries.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Upper bound for a server's `Retry-After`, so a misconfigured proxy cannot park us for hours.
    public var maxRetryAfter: Duration
    public var retryableStatuses: Set<Int>

    public init(
        maxAttempts: Int = 5,
        baseDelay: Duration = .milliseconds(100),
        maxDelay: Duration = .seconds(5),
        maxRetryAfter: Duration = .seconds(30),
        retryableStatuses: Set<Int> = [429, 502, 503, 504]
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.retryableStatuses = retryableStatuses
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay before retry number `retry` (1 for the first retry).
    public func delay<G: RandomNumberGenerator>(
        beforeRetry retry: Int, retryAfter: Duration? = nil, using generator: inout G
    ) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let ceilingMs = min(Self.milliseconds(maxDelay), Self.milliseconds(baseDelay) * Double(1 << exponent))
        var delayMs = ceilingMs > 0 ? Double.random(in: 0...ceilingMs, using: &generator) : 0
        if let retryAfter {
            delayMs = max(delayMs, min(Self.milliseconds(retryAfter), Self.milliseconds(maxRetryAfter)))
        }
        return .milliseconds(Int64(delayMs.rounded()))
    }

    public func delay(beforeRetry retry: Int, retryAfter: Duration? = nil) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(beforeRetry: retry, retryAfter: retryAfter, using: &generator)
    }

    static func milliseconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
    }
}
