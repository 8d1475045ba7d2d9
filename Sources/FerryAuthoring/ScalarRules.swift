import Foundation
import FerryCore

/// How one leaf field type takes a scalar value (string, number, boolean), following
/// Elasticsearch: integer types truncate fractions and reject out-of-range values, numeric
/// strings are coerced unless `coerce: false`, booleans take only true/false/"true"/"false"/"",
/// dates must parse with the field's `format`.
struct ScalarRules {
    struct Verdict: Error {
        let severity: MappingProblem.Severity
        let message: String
        /// True for verdicts that are not about a malformed value (ignore_malformed does not apply).
        var notMalformed = false
    }

    let type: String
    let definition: JSONValue
    let coerce: Bool

    init(type: String, definition: JSONValue, coerce: Bool) {
        self.type = type
        self.definition = definition
        self.coerce = definition["coerce"].map { $0.isTrue } ?? coerce
    }

    static let integerRanges: [String: ClosedRange<Double>] = [
        "byte": -128...127,
        "short": -32768...32767,
        "integer": -2147483648...2147483647,
        "long": -9.223372036854775808e18...9.223372036854775807e18,
        "unsigned_long": 0...1.8446744073709551615e19,
    ]

    func problem(_ value: JSONValue, fullName: String) -> Verdict? {
        switch type {
        case "keyword", "text", "match_only_text", "wildcard", "search_as_you_type", "version", "constant_keyword":
            return nil   // strings, numbers and booleans are all indexed as their text
        case "byte", "short", "integer", "long", "unsigned_long":
            return integer(value, fullName: fullName)
        case "float", "double", "half_float", "scaled_float":
            return floating(value, fullName: fullName)
        case "boolean":
            return boolean(value, fullName: fullName)
        case "date", "date_nanos":
            return date(value, fullName: fullName)
        case "ip":
            return ip(value, fullName: fullName)
        case "binary":
            if case .string(let s) = value, Data(base64Encoded: s) != nil { return nil }
            return Verdict(severity: .rejected, message: "\(fullName) is binary but \(value.compactText(limit: 40)) is not a base64 string")
        default:
            return nil   // types this checker does not judge
        }
    }

    // MARK: Numbers

    /// A number from a JSON number, or from a string when coercion allows; a verdict otherwise.
    private func number(_ value: JSONValue, fullName: String) -> Result<Double, Verdict> {
        switch value {
        case .int(let i): return .success(Double(i))
        case .double(let d): return .success(d)
        case .string(let s):
            guard coerce else {
                return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) with coerce: false, and the value is a string (\(value.compactText(limit: 40)))"))
            }
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            guard Self.looksNumeric(trimmed), let d = Double(trimmed), d.isFinite else {
                return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) but the string \(value.compactText(limit: 40)) is not a number"))
            }
            return .success(d)
        case .bool:
            return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) but the value is a boolean (\(value.compactText))"))
        default:
            return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) but the value is \(value.typeName.withArticle)"))
        }
    }

    private func integer(_ value: JSONValue, fullName: String) -> Verdict? {
        let d: Double
        switch number(value, fullName: fullName) {
        case .failure(let verdict): return verdict
        case .success(let n): d = n
        }
        let range = Self.integerRanges[type]!
        if case .int(let i) = value {   // exact, no Double rounding at the int64 edges
            if type == "long" { return nil }
            if Double(i) >= range.lowerBound, Double(i) <= range.upperBound { return nil }
        }
        guard d.isFinite, d.rounded(.towardZero) >= range.lowerBound, d.rounded(.towardZero) <= range.upperBound else {
            return Verdict(severity: .rejected, message: "\(fullName) is \(type) and \(value.compactText(limit: 40)) is out of its range (\(Self.format(range.lowerBound))…\(Self.format(range.upperBound)))")
        }
        if d != d.rounded(.towardZero) {
            if !coerce {
                return Verdict(severity: .rejected, message: "\(fullName) is \(type) with coerce: false, and \(value.compactText(limit: 40)) has a fraction")
            }
            return Verdict(severity: .misMapped, message: "\(fullName) is \(type): \(value.compactText(limit: 40)) is indexed as \(Self.format(d.rounded(.towardZero))) (the fraction is dropped; _source keeps it)", notMalformed: true)
        }
        return nil
    }

    private func floating(_ value: JSONValue, fullName: String) -> Verdict? {
        let d: Double
        switch number(value, fullName: fullName) {
        case .failure(let verdict): return verdict
        case .success(let n): d = n
        }
        let limit: Double =
            switch type {
            case "float": Double(Float.greatestFiniteMagnitude)
            case "half_float": 65504
            default: Double.greatestFiniteMagnitude
            }
        if !d.isFinite || abs(d) > limit {
            return Verdict(severity: .rejected, message: "\(fullName) is \(type) and \(value.compactText(limit: 40)) is not a finite \(type)")
        }
        return nil
    }

    /// Decimal notation as Java parses it: `[+-]digits[.digits][e[+-]digits]` (no hex, no inf/nan).
    static func looksNumeric(_ s: String) -> Bool {
        var it = Array(s.utf8)[...]
        func digits() -> Int {
            var n = 0
            while let b = it.first, b >= 0x30, b <= 0x39 { it = it.dropFirst(); n += 1 }
            return n
        }
        if let b = it.first, b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { it = it.dropFirst() }
        var mantissa = digits()
        if it.first == UInt8(ascii: ".") {
            it = it.dropFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if let b = it.first, b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
            it = it.dropFirst()
            if let b = it.first, b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { it = it.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return it.isEmpty
    }

    private static func format(_ d: Double) -> String {
        abs(d) < 1e18 ? String(Int64(d)) : String(format: "%.0f", d)
    }

    // MARK: Others

    private func boolean(_ value: JSONValue, fullName: String) -> Verdict? {
        switch value {
        case .bool: return nil
        case .string(let s) where s == "true" || s == "false" || s.isEmpty: return nil
        default:
            return Verdict(severity: .rejected, message: "\(fullName) is boolean but \(value.compactText(limit: 40)) is not true, false, \"true\", \"false\" or \"\"")
        }
    }

    private func date(_ value: JSONValue, fullName: String) -> Verdict? {
        let spec = definition["format"]?.stringValue ?? DateFormat.defaultFormats
        guard let formats = DateFormat.parseList(spec) else { return nil }   // a format we cannot judge
        switch value {
        case .string(let s):
            if formats.contains(where: { $0.accepts(s) }) { return nil }
        case .int(let i):
            if formats.contains(where: { $0.accepts(number: String(i)) }) { return nil }
        case .double(let d):
            if formats.contains(where: { $0.accepts(number: "\(d)") }) { return nil }
        default:
            break
        }
        return Verdict(severity: .rejected, message: "\(fullName) is date but \(value.compactText(limit: 60)) does not parse with format \(spec)")
    }

    private func ip(_ value: JSONValue, fullName: String) -> Verdict? {
        if case .string(let s) = value {
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1 { return nil }
        }
        return Verdict(severity: .rejected, message: "\(fullName) is ip but \(value.compactText(limit: 40)) is not an IPv4 or IPv6 address")
    }
}
