import FerryCore
import Foundation

/// Which request paths a rule applies to (the path without the query string).
public enum PathMatch: Sendable, CustomStringConvertible {
    case any
    case exact(String)
    case prefix(String)
    case suffix(String)
    /// A regular expression searched in the path (anchor it with ^ and $ for a full match).
    case regex(String)

    /// `/_bulk` and `/<index>/_bulk`.
    public static let bulk = PathMatch.regex("^(/[^/]+)?/_bulk$")
    /// `/_search` and `/<index>/_search` (not the scroll endpoint).
    public static let search = PathMatch.regex("^(/[^/]+)?/_search$")
    public static let scroll = PathMatch.exact("/_search/scroll")

    func matches(_ path: String) -> Bool {
        switch self {
        case .any: true
        case .exact(let p): path == p
        case .prefix(let p): path.hasPrefix(p)
        case .suffix(let s): path.hasSuffix(s)
        case .regex(let pattern): path.range(of: pattern, options: .regularExpression) != nil
        }
    }

    public var description: String {
        switch self {
        case .any: "any path"
        case .exact(let p): p
        case .prefix(let p): "\(p)*"
        case .suffix(let s): "*\(s)"
        case .regex(let r): "/\(r)/"
        }
    }
}

/// When a matching rule fires.
public enum FaultTrigger: Sendable {
    case always
    /// The next `n` matching requests, then the rule is spent.
    case times(Int)
    /// Each matching request with this probability, drawn from the proxy's seeded generator:
    /// the same seed and the same sequence of requests give the same faults.
    case probability(Double)
}

/// Which items of a bulk request the proxy rejects with a per-item 429.
public enum BulkItemSelection: Sendable {
    /// Positions in the request as received (0-based).
    case positions(Set<Int>)
    /// Items whose `_id` is one of these, wherever they are in the request.
    case ids(Set<String>)
    /// Each item independently, from the proxy's seeded generator.
    case random(probability: Double)
    case all
}

/// What the proxy does to a request a rule fired for.
public enum FaultAction: Sendable {
    /// Answers without forwarding.
    case respond(status: Int, headers: [String: String] = [:], body: String = "")
    /// Rejects the selected bulk items with a per-item 429 inside a 200. Only the other items
    /// are forwarded, so the cluster holds exactly what the response claims.
    case rejectBulkItems(BulkItemSelection)
    /// Closes the connection with a TCP reset; the request never reaches the cluster.
    case resetBeforeForwarding
    /// Forwards the request (the cluster applies it), then resets instead of answering: the
    /// client cannot tell whether the request was applied.
    case resetAfterForwarding
    /// Forwards the request, then holds the response for `duration` (to run into the client's
    /// timeout). Cut short by `FaultProxy.stop()`.
    case stall(Duration)
    /// Answers 401 (`security_exception`) unless the request's `Authorization` header equals
    /// this value exactly; an authorized request goes on to the next rules. Never logged.
    case requireAuthorization(String)
    /// Forwards the request and lets `rewrite` change the response before the client sees it.
    case rewriteResponse(@Sendable (inout ProxiedResponse) -> Void)
    /// Forwards the request with its body changed by `rewrite` (recorded and captured as the
    /// client sent it), e.g. `seqNoRangeAsScript`.
    case rewriteRequest(@Sendable (inout [UInt8]) -> Void)

    /// 429 with an `es_rejected_execution_exception` body, as a node with a full queue answers.
    public static func tooManyRequests(retryAfterSeconds: Int? = nil) -> FaultAction {
        .respond(
            status: 429, headers: retryAfterSeconds.map { ["Retry-After": String($0)] } ?? [:],
            body: errorBody(429, "es_rejected_execution_exception", "rejected execution: queue capacity reached"))
    }

    public static let serviceUnavailable = FaultAction.respond(
        status: 503,
        body: errorBody(
            503, "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized]"))

    /// What a load balancer in front of the cluster answers when no node is left behind it.
    public static let badGateway = FaultAction.respond(
        status: 502, headers: ["Content-Type": "text/html"],
        body: "<html><body><h1>502 Bad Gateway</h1> (fault proxy)</body></html>")

    /// What Elasticsearch answers for a body over `http.max_content_length`: 413, empty body.
    public static let payloadTooLarge = FaultAction.respond(status: 413)

    public static let unauthorized = FaultAction.respond(
        status: 401, headers: ["WWW-Authenticate": #"Basic realm="security" charset="UTF-8""#],
        body: errorBody(401, "security_exception", "unable to authenticate user for REST request"))

    public static let forbidden = FaultAction.respond(
        status: 403,
        body: errorBody(403, "security_exception", "action [indices:admin/create] is unauthorized for user [ferry]"))

    /// Rewrites a search response so `failed` shards failed (a node dropped mid-search): the
    /// hits are what the cluster returned, `_shards` says they are incomplete.
    public static func shardFailures(failed: Int = 1, reason: String = "[node-2] disconnected") -> FaultAction {
        .rewriteResponse { response in response.failShards(failed, reason: reason) }
    }

    /// An Elasticsearch error body; the reason says the fault proxy made it up.
    public static func errorBody(_ status: Int, _ type: String, _ reason: String) -> String {
        let error: JSONValue = [
            "type": .string(type), "reason": .string(reason + " [fault proxy]"),
        ]
        var full = error.objectValue ?? [:]
        full["root_cause"] = [error]
        return JSONValue.object(["error": .object(full), "status": .int(Int64(status))]).serialized(sortedKeys: true)
    }
}

/// A rule: which requests (method, path, body size), when (trigger) and what (action).
public struct FaultRule: Sendable {
    /// Uppercase method, or nil for any.
    public var method: String?
    public var path: PathMatch
    /// Only requests whose body is larger than this many bytes (for 413 rules).
    public var bodyLargerThan: Int?
    /// Only requests whose body contains these bytes (e.g. a `_reindex` asking for a slice).
    public var bodyContaining: String?
    public var trigger: FaultTrigger
    public var action: FaultAction

    public init(
        _ action: FaultAction, method: String? = nil, path: PathMatch = .any, bodyLargerThan: Int? = nil, bodyContaining: String? = nil,
        trigger: FaultTrigger = .always
    ) {
        self.action = action
        self.method = method?.uppercased()
        self.path = path
        self.bodyLargerThan = bodyLargerThan
        self.bodyContaining = bodyContaining
        self.trigger = trigger
    }

    func matches(_ request: HTTPRequestMessage) -> Bool {
        if let method, method != request.method { return false }
        if let limit = bodyLargerThan, request.body.count <= limit { return false }
        if let text = bodyContaining, !String(decoding: request.body, as: UTF8.self).contains(text) { return false }
        return path.matches(request.path)
    }
}

/// Handle for a rule added to a proxy, to ask how often it fired or to remove it.
public struct FaultRuleID: Sendable, Hashable {
    let value: Int
}

/// What kind of fault the proxy injected into a request.
public enum FaultKind: String, Sendable, Hashable, CaseIterable {
    case responded, rejectedBulkItems, resetBeforeForwarding, resetAfterForwarding, stalled, unauthorized,
        rewritten
}
