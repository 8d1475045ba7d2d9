import FerryCore
import Foundation

/// A failed cluster call, as a value: what was asked (method and path, never credentials),
/// what the cluster said (status, error type and reason) or why it could not be asked
/// (curl's error), and how many attempts were made.
public struct ClusterError: UserFacingError, Sendable {
    public enum Kind: Sendable, Hashable {
        /// The cluster answered with an unexpected HTTP status.
        case http
        /// No (complete) HTTP response: connection refused, timeout, reset, TLS, ...
        case transport
        /// A search answered 200 but some shards failed or it timed out: the page is incomplete.
        case incompleteResults
        /// The cluster answered something this client cannot understand.
        case invalidResponse
        /// Not sent: the run's `CircuitBreaker` is open after consecutive failed requests.
        /// `consecutiveFailures` and `reason` (the last failure) say why.
        case circuitOpen
    }

    public var kind: Kind
    public var method: HTTPMethod
    /// Encoded path without query, e.g. "/blog_posts-3.0-ab12cd34".
    public var path: String
    /// Base URL of the cluster, without credentials.
    public var endpoint: String
    public var status: Int?
    /// The cluster's error type, e.g. "resource_already_exists_exception". For
    /// `search_phase_execution_exception` this is the first root cause's type (the useful one,
    /// e.g. "search_context_missing_exception").
    public var type: String?
    public var reason: String?
    /// Types of `root_cause` entries (and the wrapper type, when promoted), for `hasType`.
    public var otherTypes: [String]
    /// curl's error text for transport failures.
    public var transportError: String?
    public var attempts: Int
    /// For `.circuitOpen`: how many requests in a row had failed when this one was refused.
    public var consecutiveFailures: Int

    public init(
        kind: Kind, method: HTTPMethod, path: String, endpoint: String, status: Int? = nil, type: String? = nil,
        reason: String? = nil, otherTypes: [String] = [], transportError: String? = nil, attempts: Int = 1,
        consecutiveFailures: Int = 0
    ) {
        self.kind = kind
        self.method = method
        self.path = path
        self.endpoint = ClusterConfig.redact(endpoint)
        self.status = status
        self.type = type
        self.reason = reason
        self.otherTypes = otherTypes
        self.transportError = transportError
        self.attempts = attempts
        self.consecutiveFailures = consecutiveFailures
    }

    /// True if the error, its root causes or its wrapper have this type.
    public func hasType(_ type: String) -> Bool {
        self.type == type || otherTypes.contains(type)
    }

    public var isNotFound: Bool { status == 404 }

    /// A TLS handshake or certificate failure: a configuration problem (CA, host name, client
    /// certificate), not an unavailable cluster; retrying does not help.
    public var isTLSFailure: Bool { kind == .transport && transportError?.hasPrefix("TLS:") == true }

    public var description: String {
        let request = "\(method.rawValue) \(path)"
        switch kind {
        case .transport:
            let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
            return "cannot reach \(endpoint) (\(request)): \(transportError ?? "transport failure") after \(tries)"
        case .http:
            // "HTTP 400 resource_already_exists_exception: index [...] already exists"
            var line = "\(request) → HTTP \(status.map(String.init) ?? "?")"
            switch (type, reason) {
            case let (t?, r?): line += " \(t): \(r)"
            case let (t?, nil): line += " \(t)"
            case let (nil, r?): line += ": \(r)"
            case (nil, nil): break
            }
            if attempts > 1 { line += " (after \(attempts) attempts)" }
            return line
        case .incompleteResults:
            return "\(request) → incomplete results" + detailSuffix
        case .invalidResponse:
            return "\(request) → unexpected response" + (status.map { " (HTTP \($0))" } ?? "") + detailSuffix
        case .circuitOpen:
            return "circuit open: \(request) not sent to \(endpoint) after \(consecutiveFailures) consecutive failed "
                + "requests (last: \(reason ?? "unknown"))"
        }
    }

    private var detailSuffix: String {
        switch (type, reason) {
        case let (t?, r?): ": \(t): \(r)"
        case let (t?, nil): ": \(t)"
        case let (nil, r?): ": \(r)"
        case (nil, nil): ""
        }
    }
}

extension ClusterError {
    /// Builds an error from an HTTP error response body, understanding both
    /// `{"error":{"type","reason","root_cause":[...]},"status":N}` and `{"error":"text"}`.
    static func fromResponse(
        method: HTTPMethod, path: String, endpoint: String, status: Int, body: UnsafeRawBufferPointer, attempts: Int
    ) -> ClusterError {
        var error = ClusterError(
            kind: .http, method: method, path: path, endpoint: endpoint, status: status, attempts: attempts)
        guard !body.isEmpty else { return error }
        guard let json = try? JSONValue.parse(body) else {
            // A proxy in front (nginx, a load balancer) answers in HTML: its title says it all.
            error.reason = htmlTitle(body) ?? snippet(body)
            return error
        }
        error.apply(errorField: json["error"] ?? json)
        return error
    }

    /// Fills type, reason and root causes from an ES error object (or string).
    mutating func apply(errorField: JSONValue) {
        if let text = errorField.stringValue {
            reason = Self.truncate(text)
            return
        }
        guard errorField.objectValue != nil else {
            if let message = errorField["message"]?.stringValue { reason = Self.truncate(message) }
            return
        }
        type = errorField["type"]?.stringValue
        reason = errorField["reason"]?.stringValue.map { Self.truncate($0) }
        var causes: [String] = []
        for cause in errorField["root_cause"]?.arrayValue ?? [] {
            if let t = cause["type"]?.stringValue { causes.append(t) }
        }
        var caused = errorField["caused_by"]
        while let c = caused, let t = c["type"]?.stringValue {
            causes.append(t)
            caused = c["caused_by"]
        }
        // "all shards failed" says nothing; the first root cause says what went wrong.
        if type == "search_phase_execution_exception",
            let first = errorField["root_cause"]?[0], let rootType = first["type"]?.stringValue
        {
            causes.append(type!)
            type = rootType
            reason = first["reason"]?.stringValue.map { Self.truncate($0) } ?? reason
        }
        if type == nil, reason == nil, let message = errorField["message"]?.stringValue {
            reason = Self.truncate(message)
        }
        otherTypes = causes.filter { $0 != type }
    }

    /// "400 No required SSL certificate was sent" from `<title>…</title>`.
    static func htmlTitle(_ body: UnsafeRawBufferPointer) -> String? {
        let text = String(decoding: body.prefix(2000), as: UTF8.self)
        guard let open = text.range(of: "<title>", options: .caseInsensitive),
            let close = text.range(of: "</title>", options: .caseInsensitive, range: open.upperBound..<text.endIndex)
        else { return nil }
        let title = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        return title.isEmpty ? nil : truncate(title)
    }

    static func snippet(_ body: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return truncate(oneLine.trimmingCharacters(in: .whitespaces))
    }

    static func truncate(_ s: String, limit: Int = 500) -> String {
        s.count <= limit ? s : String(s.prefix(limit)) + "…"
    }
}
