import FerryCore

/// A secret header value (Authorization, x-amz-security-token, ...) as the proxy recorded it:
/// it can be compared, never printed. Every textual form, including the reflection test
/// failure messages use, shows only the scheme.
public struct RedactedCredential: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    init(_ value: String) {
        self.value = value
    }

    /// The scheme word ("Basic", "ApiKey", "Bearer", "AWS4-HMAC-SHA256"); nil for a bare token.
    public var scheme: String? {
        guard let space = value.firstIndex(of: " ") else { return nil }
        return String(value[..<space])
    }

    /// True when the value is exactly `expected`.
    public func matches(_ expected: String) -> Bool {
        value == expected
    }

    /// A yes/no question about the value, for structured headers such as SigV4's
    /// (`Credential=AKID/.../eu-west-1/es/aws4_request`). The predicate sees the value; it must
    /// not keep or print it.
    public func satisfies(_ predicate: (String) -> Bool) -> Bool {
        predicate(value)
    }

    public var description: String { "\(scheme ?? "credential") <redacted>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }
}

/// One request as the proxy saw it and what it did with it. Recorded before the client gets
/// its answer, so a test holding the response can assert on the record without waiting.
public struct ProxiedRequest: Sendable {
    public let method: String
    /// Path and query as sent.
    public let target: String
    /// Lowercased header names in the order received (secret ones included).
    public let headerNames: [String]
    /// Values of the non-secret headers, by lowercased name.
    public let headers: [String: String]
    /// Secret headers (authorization, x-amz-security-token, cookie), by lowercased name.
    public let secrets: [String: RedactedCredential]
    public let bodySize: Int
    /// Items in the body when it is a bulk request.
    public let bulkItems: Int?
    /// The fault injected; nil for a plain relay.
    public let fault: FaultKind?
    /// Whether the request (or, with rejected bulk items, the rest of it) reached the upstream.
    public let forwarded: Bool
    /// Status sent to the client; nil when the connection was reset instead.
    public let status: Int?
    /// Bulk items answered with a synthetic 429.
    public let rejectedItems: Int

    public var path: String { String(target.prefix { $0 != "?" }) }
    public var authorization: RedactedCredential? { secrets["authorization"] }

    static let secretHeaders: Set<String> = ["authorization", "proxy-authorization", "x-amz-security-token", "cookie"]
}

/// A response on its way to the client, for `FaultAction.rewriteResponse`.
public struct ProxiedResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    public var json: JSONValue? { try? JSONValue.parse(body) }

    /// Marks `failed` shards of a search response as failed with one `failures` entry, the way
    /// a cluster reports a node that dropped out mid-search. Non-JSON bodies are left alone.
    public mutating func failShards(_ failed: Int, reason: String) {
        guard case .object(var root)? = json else { return }
        let shards = root["_shards"]
        let total = max(shards?["total"]?.intValue ?? 1, Int64(failed))
        let index = root["hits"]?["hits"]?[0]?["_index"]?.stringValue ?? "unknown"
        root["_shards"] = [
            "total": .int(total), "successful": .int(total - Int64(failed)),
            "skipped": shards?["skipped"] ?? 0, "failed": .int(Int64(failed)),
            "failures": [
                [
                    "shard": 0, "index": .string(index), "node": "node-2",
                    "reason": ["type": "node_disconnected_exception", "reason": .string(reason)],
                ]
            ],
        ]
        body = JSONValue.object(root).serializedBytes()
    }
}
