/// A request exactly as a capturing proxy received it (every header, secrets included, and the
/// body), for tests that recompute what the client computed, such as an AWS SigV4 signature.
/// Test credentials only: its textual form shows method and target, never header values.
public struct CapturedRequest: Sendable, CustomStringConvertible {
    public let method: String
    /// Path and query as sent.
    public let target: String
    /// Every header as received, names as sent, in order.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    /// The path without the query.
    public var path: String { String(target.prefix { $0 != "?" }) }

    /// The first header called `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var description: String { "\(method) \(target)" }
}

extension ProxyCore {
    func capture(_ request: HTTPRequestMessage) {
        guard captures else { return }
        let captured = CapturedRequest(
            method: request.method, target: request.target, headers: request.headers.fields, body: request.body)
        state.withLock { $0.captured.append(captured) }
    }
}
