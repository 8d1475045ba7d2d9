import FerryCore
import Foundation
import Logging

/// A raw response, for endpoints this client does not wrap.
public struct ClusterResponse: Sendable {
    public let status: Int
    public let body: [UInt8]

    public func json() throws -> JSONValue {
        try JSONValue.parse(body)
    }
}

public enum ContentType {
    public static let json = "application/json"
    public static let ndjson = "application/x-ndjson"
}

/// The Elasticsearch / OpenSearch API surface Ferry needs, over one kept-alive connection.
/// One client per thread (it owns a curl handle); every method throws `ClusterError`.
public final class ClusterClient {
    public let config: ClusterConfig
    public var logger: Logger
    /// See `ClusterConfig.deadline`; starts as the config's, may be set per client.
    public var deadline: Date?
    let connection: HTTPConnection
    /// How the retry loop waits; replaceable so tests of the loop need not wait.
    var sleep: (Duration) -> Void = { duration in
        Thread.sleep(forTimeInterval: RetryPolicy.milliseconds(duration) / 1000)
    }
    /// Called each time the cluster answers 429 (a whole request, or bulk items, before any
    /// resend): a throttle over many clients slows down on it (`DocumentThrottle`).
    public var overloaded: (() -> Void)? = nil

    public init(config: ClusterConfig, logger: Logger = Logger(label: "ferry.cluster")) throws {
        self.config = config
        self.logger = logger
        self.deadline = config.deadline
        self.connection = try HTTPConnection(config: config)
    }

    // MARK: - Raw requests

    /// Any request. Statuses for which `accept` is false become a `ClusterError` carrying the
    /// cluster's error type and reason. 429/502/503/504 and connection failures are retried
    /// per `config.retry` first.
    @discardableResult
    public func request(
        _ method: HTTPMethod, _ path: RequestPath, body: [UInt8]? = nil, contentType: String = ContentType.json,
        accept: (Int) -> Bool = { (200..<300).contains($0) }
    ) throws -> ClusterResponse {
        let status = try exchange(method, path, body: body, contentType: contentType, accept: accept)
        return ClusterResponse(status: status, body: connection.takeResponseBody())
    }

    /// Sends `body` (JSON) and hands the response bytes, valid only inside `handle`, to `handle`.
    func withResponse<R>(
        _ method: HTTPMethod, _ path: RequestPath, body: [UInt8]?, contentType: String = ContentType.json,
        accept: (Int) -> Bool = { (200..<300).contains($0) },
        _ handle: (Int, UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let status = try exchange(method, path, body: body, contentType: contentType, accept: accept)
        return try connection.withResponseBody { try handle(status, $0) }
    }

    /// Sends `body` and returns the status, which `accept` said yes to; the body stays in the connection.
    private func exchange(
        _ method: HTTPMethod, _ path: RequestPath, body: [UInt8]?, contentType: String, accept: (Int) -> Bool
    ) throws -> Int {
        let (status, attempts): (Int, Int)
        if let body {
            (status, attempts) = try body.withUnsafeBytes { try send(method, path, body: $0, contentType: contentType) }
        } else {
            (status, attempts) = try send(method, path, body: nil, contentType: contentType)
        }
        guard accept(status) else {
            throw connection.withResponseBody { bytes in
                ClusterError.fromResponse(
                    method: method, path: path.path, endpoint: config.url, status: status, body: bytes, attempts: attempts)
            }
        }
        return status
    }

    /// A request whose response is small JSON (envelopes, settings, mappings).
    func json(
        _ method: HTTPMethod, _ path: RequestPath, body: JSONValue? = nil,
        accept: (Int) -> Bool = { (200..<300).contains($0) }
    ) throws -> (status: Int, json: JSONValue) {
        try withResponse(method, path, body: body?.serializedBytes(), accept: accept) { status, bytes in
            (status, try parse(bytes, method: method, path: path, status: status))
        }
    }

    func parse(_ bytes: UnsafeRawBufferPointer, method: HTTPMethod, path: RequestPath, status: Int) throws -> JSONValue {
        if bytes.isEmpty { return .null }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw invalidResponse(method, path, status: status, reason: "not JSON: \(ClusterError.snippet(bytes))")
        }
    }

    func invalidResponse(_ method: HTTPMethod, _ path: RequestPath, status: Int? = nil, reason: String) -> ClusterError {
        ClusterError(kind: .invalidResponse, method: method, path: path.path, endpoint: config.url, status: status,
                     reason: reason)
    }

    /// One request with retries, through the circuit breaker. Returns the final status
    /// (possibly an error status once the retries are spent); the body is in the connection
    /// (`withResponseBody`, `takeResponseBody`).
    func send(
        _ method: HTTPMethod, _ path: RequestPath, body: UnsafeRawBufferPointer?, contentType: String
    ) throws -> (status: Int, attempts: Int) {
        guard let breaker = config.circuitBreaker else {
            return try sendWithRetries(method, path, body: body, contentType: contentType)
        }
        if case .rejected(let failures, let last) = breaker.admit() {
            throw ClusterError(
                kind: .circuitOpen, method: method, path: path.path, endpoint: config.url, reason: last, attempts: 0,
                consecutiveFailures: failures)
        }
        do {
            let (status, attempts) = try sendWithRetries(method, path, body: body, contentType: contentType)
            // 5xx and 429 mean the cluster is unwell; any other answer means it is there and working.
            if status >= 500 || status == 429 {
                let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
                breaker.recordFailure("\(method.rawValue) \(path.path) → HTTP \(status) after \(tries)")
            } else {
                breaker.recordSuccess()
            }
            return (status, attempts)
        } catch let error as ClusterError {
            breaker.recordFailure(error.description)
            throw error
        }
    }

    /// Retries 429/502/503/504 (honouring `Retry-After`) and retryable transport failures
    /// (refused, reset, timed out) per `config.retry`, with jittered exponential backoff.
    ///
    /// Every request is resent, writes included, and a resent write may already have been
    /// applied: the first attempt can reach the cluster and only its answer be lost (a reset
    /// or a timeout after the cluster acted). libcurl itself also resends, once, a request
    /// whose reused keep-alive connection died before any response byte. So a write must be
    /// safe to apply twice: whole-document index (same result), external versions and
    /// `op_type=create` (the resend gets 409, which then means "already there": see
    /// `BulkItemResult.isVersionConflict`), deletes (the resend gets 404).
    private func sendWithRetries(
        _ method: HTTPMethod, _ path: RequestPath, body: UnsafeRawBufferPointer?, contentType: String
    ) throws -> (status: Int, attempts: Int) {
        let policy = config.retry
        let target = path.target
        var attempt = 1
        // Why the last attempt failed: what a deadline that leaves no time to retry reports.
        var lastCause: String?
        while true {
            var timeout = config.requestTimeout
            if let deadline {
                let left = deadline.timeIntervalSinceNow
                guard left > 0.001 else {
                    let why = lastCause.map { $0.hasPrefix("deadline reached") ? $0 : "\($0), then the deadline passed" }
                    throw ClusterError(
                        kind: .transport, method: method, path: path.path, endpoint: config.url,
                        transportError: why ?? "deadline reached before the request was sent", attempts: attempt - 1)
                }
                timeout = min(timeout, .milliseconds(Int64(left * 1000)))
            }
            let outcome = connection.perform(method, target: target, body: body, contentType: contentType, timeout: timeout)
            let cause: String
            var retryAfter: Duration?
            switch outcome {
            case .response(let status, let after):
                if status == 429 { overloaded?() }
                guard policy.retryableStatuses.contains(status), attempt < policy.maxAttempts else {
                    return (status, attempt)
                }
                cause = "HTTP \(status)"
                retryAfter = after
            case .failure(let failure):
                guard failure.isRetryable, attempt < policy.maxAttempts else {
                    logger.debug(
                        "request failed",
                        metadata: ["method": "\(method.rawValue)", "path": "\(path.path)", "curl": "\(failure.detail)"])
                    throw ClusterError(
                        kind: .transport, method: method, path: path.path, endpoint: config.url,
                        transportError: failure.message, attempts: attempt)
                }
                cause = failure.message
            }
            var delay = policy.delay(beforeRetry: attempt, retryAfter: retryAfter)
            if let deadline { delay = min(delay, .milliseconds(Int64(max(0, deadline.timeIntervalSinceNow) * 1000))) }
            logger.warning(
                "retrying cluster request",
                metadata: [
                    "method": "\(method.rawValue)", "path": "\(path.path)", "cause": "\(cause)",
                    "attempt": "\(attempt)/\(policy.maxAttempts)", "delay_ms": "\(Int(RetryPolicy.milliseconds(delay)))",
                ])
            sleep(delay)
            lastCause = cause
            attempt += 1
        }
    }

    // MARK: - Cluster

    /// `GET /`: distribution and version. Throws for a cluster outside
    /// `ClusterInfo.supportedRange`, so no command works against one by accident.
    public func info() throws -> ClusterInfo {
        let (_, json) = try json(.GET, RequestPath([]))
        guard let info = ClusterInfo(json: json) else {
            throw invalidResponse(.GET, RequestPath([]), status: 200, reason: "no version.number in GET / response")
        }
        try info.checkSupported()
        logger.debug("cluster", metadata: ["product": "\(info)"])
        return info
    }

    /// `GET /_cluster/health[/<index>]` → "green", "yellow" or "red".
    public func clusterHealth(index: String? = nil) throws -> String {
        let path = RequestPath(["_cluster", "health"] + (index.map { [$0] } ?? []))
        let (_, json) = try json(.GET, path)
        guard let status = json["status"]?.stringValue else {
            throw invalidResponse(.GET, path, status: 200, reason: "no status in health response")
        }
        return status
    }
}

@available(*, unavailable)
extension ClusterClient: Sendable {}
