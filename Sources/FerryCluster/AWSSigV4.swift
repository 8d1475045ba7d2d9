import Crypto
import Foundation

/// AWS Signature Version 4 for Amazon OpenSearch Service (`es`) and OpenSearch Serverless
/// (`aoss`), computed here rather than by libcurl: curl 7.88 (Debian 12) signs the query string
/// as written, while AWS decodes and re-encodes it (`,` → `%2C`, `*` → `%2A`) before checking,
/// so a search with `filter_path=a,b` or `q=a*` would be refused with 403.
/// The rules are AWS's canonical-request rules for services other than S3; the SigV4 tests
/// check every signature against botocore's `SigV4Auth`.
public struct AWSSigV4: Sendable {
    public let region: String
    /// "es" (Amazon OpenSearch Service) or "aoss" (OpenSearch Serverless).
    public let service: String
    public let accessKeyID: String
    /// `package`: the SigV4 tests hand the keys to botocore; nothing outside this package sees them.
    package let secretAccessKey: String
    package let sessionToken: String?

    public init(region: String, service: String, accessKeyID: String, secretAccessKey: String, sessionToken: String?) {
        self.region = region
        self.service = service
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var hasSessionToken: Bool { sessionToken != nil }

    /// OpenSearch Serverless refuses a request without `x-amz-content-sha256`; the managed
    /// service does not need it.
    var sendsContentHash: Bool { service == "aoss" }

    /// The headers to add to one request: `x-amz-date`, `x-amz-security-token` and
    /// `x-amz-content-sha256` where they apply, and `Authorization`. `headers` are the other
    /// headers to sign (`host` among them), exactly as they will be sent.
    func signedHeaders(
        method: String, path: String, query: String, headers: [(name: String, value: String)],
        body: UnsafeRawBufferPointer, now: Date = Date()
    ) -> [(name: String, value: String)] {
        let (amzDate, day) = Self.timestamps(now)
        let payloadHash = Self.payloadHash(body)
        var added: [(name: String, value: String)] = [("x-amz-date", amzDate)]
        if let sessionToken { added.append(("x-amz-security-token", sessionToken)) }
        if sendsContentHash { added.append(("x-amz-content-sha256", payloadHash)) }

        var canonicalHeaders: [(name: String, value: String)] = (headers + added).map {
            ($0.name.lowercased(), Self.trimmedHeaderValue($0.value))
        }
        canonicalHeaders.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        let signedNames = canonicalHeaders.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            method,
            Self.canonicalPath(path),
            Self.canonicalQuery(query),
            canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined(),
            signedNames,
            payloadHash,
        ].joined(separator: "\n")

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        added.append((
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedNames), Signature=\(signature)"
        ))
        return added
    }

    // MARK: Canonical forms

    /// The path as sent, with dot segments and empty segments removed, URI-encoded once more
    /// (AWS double-encodes paths for every service but S3: `%2F` is signed as `%252F`).
    static func canonicalPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).reduce(into: [Substring]()) {
            out, segment in
            if segment == ".." { if !out.isEmpty { out.removeLast() } } else if segment != "." { out.append(segment) }
        }
        var normalized = (path.hasPrefix("/") ? "/" : "") + segments.joined(separator: "/")
        if path.hasSuffix("/"), !segments.isEmpty { normalized += "/" }
        return uriEncode(normalized, keepingSlash: true)
    }

    /// Each `key=value` of the query as sent, decoded and encoded AWS's way (only
    /// `A-Za-z0-9-_.~` kept), sorted by key, then value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (uriEncode(key, keepingSlash: false), uriEncode(value, keepingSlash: false))
        }
        return pairs.sorted {
            $0.0 == $1.0 ? Array($0.1.utf8).lexicographicallyPrecedes(Array($1.1.utf8))
                : Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8))
        }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    static func uriEncode(_ s: String, keepingSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Leading and trailing blanks removed, runs of spaces folded to one.
    static func trimmedHeaderValue(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }

    /// ("20240102T030405Z", "20240102") in UTC.
    static func timestamps(_ date: Date) -> (String, String) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let day = String(format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
        return (day + String(format: "T%02d%02d%02dZ", Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)), day)
    }

    /// Hex SHA-256 of a request body, as signed and as sent in `x-amz-content-sha256`.
    static func payloadHash(_ body: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: body))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
