import FerryCore
import Foundation

/// Where the cluster is and how to talk to it. Credentials live here and nowhere else:
/// `description` and `redactedURL` never show them.
public struct ClusterConfig: Sendable, CustomStringConvertible {
    public enum Auth: Sendable {
        case none
        case basic(user: String, password: String)
        /// The encoded API key as Elasticsearch returns it (`base64(id:key)`), sent as
        /// `Authorization: ApiKey <encoded>`. Use `ClusterConfig.apiKey(id:key:)` to build it from parts.
        case apiKey(String)
        case bearer(String)
        /// AWS Signature V4, signed per request by `AWSSigV4` (service "es" or "aoss").
        case awsSigV4(AWSSigV4)

        /// A name for logs and descriptions; never the secret itself.
        public var kind: String {
            switch self {
            case .none: "none"
            case .basic(let user, _): "basic (user \(user))"
            case .apiKey: "api-key"
            case .bearer: "bearer token"
            case .awsSigV4(let aws): "aws-sigv4 (\(aws.region), \(aws.service))"
            }
        }
    }

    public struct TLS: Sendable, Hashable {
        /// PEM bundle of CAs to trust instead of the system store.
        public var caFile: String?
        public var clientCertificate: String?
        public var clientKey: String?
        public var clientKeyPassword: String?
        /// Turns certificate and host name verification off. Only ever by explicit choice.
        public var insecure: Bool

        public init(
            caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil,
            clientKeyPassword: String? = nil, insecure: Bool = false
        ) {
            self.caFile = caFile
            self.clientCertificate = clientCertificate
            self.clientKey = clientKey
            self.clientKeyPassword = clientKeyPassword
            self.insecure = insecure
        }
    }

    /// Base URL without credentials and without a trailing slash, e.g. "https://es.internal:9200"
    /// or "https://proxy/es" (a path prefix is kept).
    public let url: String
    public var auth: Auth
    public var tls: TLS
    public var connectTimeout: Duration
    /// Whole-request timeout; scroll pages and big bulk requests must fit in it.
    public var requestTimeout: Duration
    public var retry: RetryPolicy
    /// Shared by every client built from this config or a copy of it; nil disables it.
    /// Assign a new `CircuitBreaker` for clients that must not share one.
    public var circuitBreaker: CircuitBreaker?

    /// Validates `url` (http or https, with a host). Credentials embedded in the URL
    /// (`https://user:pass@host`) become basic auth unless `auth` is given, and are stripped.
    public init(
        url: String,
        auth: Auth = .none,
        tls: TLS = TLS(),
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(120),
        retry: RetryPolicy = .default,
        circuitBreaker: CircuitBreaker? = CircuitBreaker()
    ) throws {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard var components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw FerryError(
                "invalid cluster URL \(ClusterConfig.redact(trimmed))",
                hint: "use http(s)://host:port, e.g. https://localhost:9200")
        }
        var auth = auth
        if components.user != nil || components.password != nil {
            if case .none = auth {
                auth = .basic(
                    user: components.user?.removingPercentEncoding ?? components.user ?? "",
                    password: components.password?.removingPercentEncoding ?? components.password ?? "")
            }
            components.user = nil
            components.password = nil
        }
        if components.query != nil || components.fragment != nil {
            throw FerryError(
                "cluster URL \(ClusterConfig.redact(trimmed)) must not have a query or fragment")
        }
        components.scheme = scheme
        var base = components.string ?? trimmed
        while base.hasSuffix("/") { base.removeLast() }
        self.url = base
        self.auth = auth
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.circuitBreaker = circuitBreaker
    }

    public var description: String {
        var parts = ["url=\(url)", "auth=\(auth.kind)"]
        if let ca = tls.caFile { parts.append("ca=\(ca)") }
        if tls.clientCertificate != nil { parts.append("client-cert=yes") }
        if tls.insecure { parts.append("tls-verify=OFF") }
        return "ClusterConfig(" + parts.joined(separator: " ") + ")"
    }

    /// The encoded form of an API key given as id and key.
    public static func apiKey(id: String, key: String) -> Auth {
        .apiKey(Data("\(id):\(key)".utf8).base64EncodedString())
    }

    /// `url` with any `user:password@` removed; safe for logs and error messages.
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        // A password may itself hold '/', '?' or '#' (then the URL does not even parse): drop
        // everything up to the last '@' of the whole string, so no part of it can survive.
        guard let at = rest.lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + String(rest[rest.index(after: at)...])
    }
}

// Every textual form of a credential shows its kind only: `print`, `dump`, `debugPrint` and
// test failure messages go through these.
extension ClusterConfig.Auth: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { kind }
    public var debugDescription: String { kind }
    public var customMirror: Mirror { Mirror(self, children: ["kind": kind]) }
}

extension AWSSigV4: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "aws-sigv4 (\(region), \(service), key \(accessKeyID))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["signer": description]) }
}

extension ClusterConfig: CustomReflectable {
    /// `dump` shows `description`, not the fields (the TLS key password is one of them).
    public var customMirror: Mirror { Mirror(self, children: ["config": description]) }
}
