/// A request path built from raw segments (index names, ids, endpoint names) and query
/// parameters. Every segment and value is percent-encoded, so an id like "a/b?c" or ".."
/// addresses that document and nothing else.
public struct RequestPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var segments: [String]
    public var query: [(String, String)]

    public init(_ segments: [String], query: [(String, String)] = []) {
        self.segments = segments
        self.query = query
    }

    /// "/_aliases" or "/_search/scroll": a fixed path; split on "/" (use the array init for
    /// anything that comes from data).
    public init(stringLiteral value: String) {
        self.init(value.split(separator: "/").map(String.init))
    }

    /// The encoded path without the query, as shown in errors and logs.
    public var path: String {
        "/" + segments.map(Self.encodeSegment).joined(separator: "/")
    }

    /// Path and query, encoded.
    public var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    public var description: String { path }

    public static func == (a: RequestPath, b: RequestPath) -> Bool {
        a.target == b.target
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(target)
    }

    /// Percent-encodes one path segment. Keeps unreserved characters plus `*` and `,`
    /// (index patterns and lists), which the cluster reads the same either way.
    public static func encodeSegment(_ segment: String) -> String {
        if !segment.isEmpty, segment.utf8.allSatisfy({ $0 == UInt8(ascii: ".") }) {
            return String(repeating: "%2E", count: segment.utf8.count)
        }
        return encode(segment)
    }

    static func encode(_ s: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        var changed = false
        for byte in s.utf8 {
            if isAllowed(byte) {
                out.append(byte)
            } else {
                changed = true
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : s
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isAllowed(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "*"),
            UInt8(ascii: ","):
            return true
        default:
            return false
        }
    }
}

/// "5m", "30s" or "1500ms": the cluster's time-value syntax for a duration.
func timeValue(_ d: Duration) -> String {
    let ms = Int64(RetryPolicy.milliseconds(d).rounded())
    if ms > 0, ms % 60_000 == 0 { return "\(ms / 60_000)m" }
    if ms > 0, ms % 1000 == 0 { return "\(ms / 1000)s" }
    return "\(max(ms, 1))ms"
}
