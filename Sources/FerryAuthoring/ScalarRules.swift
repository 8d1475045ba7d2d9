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

    /// An integer field type: its exact bounds, and how the cluster judges a value with a
    /// fraction (a JSON number like `127.5` or `1e2` goes through a double; a numeric string
    /// through the type's own parser). Checked against osmem-server at every bound.
    struct IntegerType {
        enum Judge {
            /// The value truncated toward zero, exactly, within the bounds.
            case exactTruncated
            /// The value as a double (not truncated) within the bounds as doubles.
            case double
            /// Read as a 32-bit int first (the double within its range), then truncated into the bounds.
            case intThenTruncated
        }

        let min: NumberText.Integer
        let max: NumberText.Integer
        let fraction: Judge
        let string: Judge

        var rangeText: String { "\(min)…\(max)" }
    }

    static let integerTypes: [String: IntegerType] = [
        "byte": IntegerType(min: .init("-128"), max: .init("127"), fraction: .intThenTruncated, string: .double),
        "short": IntegerType(min: .init("-32768"), max: .init("32767"), fraction: .intThenTruncated, string: .double),
        "integer": IntegerType(min: .init("-2147483648"), max: .init("2147483647"), fraction: .double, string: .double),
        "long": IntegerType(min: .init("-9223372036854775808"), max: .init("9223372036854775807"),
                            fraction: .double, string: .exactTruncated),
        "unsigned_long": IntegerType(min: .init("0"), max: .init("18446744073709551615"),
                                     fraction: .exactTruncated, string: .exactTruncated),
    ]

    /// - Parameter literal: a number's text as the document writes it, when known (exact digits).
    func problem(_ value: JSONValue, fullName: String, literal: String? = nil) -> Verdict? {
        // Messages print a number as the document writes it (a double would print 2^64 as 1.8446744073709552e+19).
        let shown = { (limit: Int) in literal ?? value.compactText(limit: limit) }
        switch type {
        case "keyword", "text", "match_only_text", "wildcard", "search_as_you_type", "version", "constant_keyword":
            return nil   // strings, numbers and booleans are all indexed as their text
        case "byte", "short", "integer", "long", "unsigned_long":
            return integer(value, fullName: fullName, literal: literal)
        case "float", "double", "half_float", "scaled_float":
            return floating(value, fullName: fullName, literal: literal)
        case "boolean":
            return boolean(value, fullName: fullName, shown: shown(40))
        case "date", "date_nanos":
            return date(value, fullName: fullName, literal: literal, shown: shown(60))
        case "ip":
            return ip(value, fullName: fullName, shown: shown(40))
        case "binary":
            if case .string(let s) = value, Data(base64Encoded: s) != nil { return nil }
            return Verdict(severity: .rejected, message: "\(fullName) is binary but \(shown(40)) is not a base64 string")
        default:
            return nil   // types this checker does not judge
        }
    }

    // MARK: Numbers

    /// A number's exact text, from a JSON number or from a string when coercion allows; a
    /// verdict otherwise. `shown` is how messages print the value: as the document has it.
    private func number(_ value: JSONValue, fullName: String, literal: String?) -> Result<(NumberText, shown: String, fromString: Bool), Verdict> {
        switch value {
        case .int(let i):
            return .success((NumberText(literal ?? String(i)) ?? NumberText(String(i))!, literal ?? String(i), false))
        case .double(let d):
            let text = literal ?? "\(d)"
            guard let number = NumberText(text) else {
                return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) and \(text) is not a finite number"))
            }
            return .success((number, text, false))
        case .string(let s):
            guard coerce else {
                return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) with coerce: false, and the value is a string (\(value.compactText(limit: 40)))"))
            }
            guard let number = NumberText(s) else {
                return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) but the string \(value.compactText(limit: 40)) is not a number"))
            }
            return .success((number, value.compactText(limit: 60), true))
        case .bool:
            return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) but the value is a boolean (\(value.compactText))"))
        default:
            return .failure(Verdict(severity: .rejected, message: "\(fullName) is \(type) but the value is \(value.typeName.withArticle)"))
        }
    }

    private func integer(_ value: JSONValue, fullName: String, literal: String?) -> Verdict? {
        let n: NumberText, shown: String, fromString: Bool
        switch number(value, fullName: fullName, literal: literal) {
        case .failure(let verdict): return verdict
        case .success(let result): (n, shown, fromString) = result
        }
        let kind = Self.integerTypes[type]!
        let fits: Bool
        switch n.isIntegerLiteral ? .exactTruncated : (fromString ? kind.string : kind.fraction) {
        case .exactTruncated:
            fits = kind.min <= n.truncated && n.truncated <= kind.max
        case .double:
            fits = Double(kind.min.description)! <= n.double && n.double <= Double(kind.max.description)!
        case .intThenTruncated:
            fits = -2147483648.0 <= n.double && n.double <= 2147483647.0 && kind.min <= n.truncated && n.truncated <= kind.max
        }
        guard fits else {
            return Verdict(severity: .rejected, message: "\(fullName) is \(type) and \(shown) is out of its range (\(kind.rangeText))")
        }
        if n.hasFraction {
            if !coerce {
                return Verdict(severity: .rejected, message: "\(fullName) is \(type) with coerce: false, and \(shown) has a fraction")
            }
            return Verdict(severity: .misMapped, message: "\(fullName) is \(type): \(shown) is indexed as \(n.truncated) (the fraction is dropped; _source keeps it)", notMalformed: true)
        }
        return nil
    }

    /// Finite after the cluster's own rounding: to float (Float.parseFloat), then to half
    /// precision for half_float (65519 fits, 65520 rounds to infinity); to double otherwise.
    private func floating(_ value: JSONValue, fullName: String, literal: String?) -> Verdict? {
        let n: NumberText, shown: String
        switch number(value, fullName: fullName, literal: literal) {
        case .failure(let verdict): return verdict
        case .success(let result): (n, shown, _) = result
        }
        let finite: Bool =
            switch type {
            // A float of 65520 or more is infinite in half precision (ties go to the even infinity).
            case "half_float": abs(Float(n.text) ?? .infinity) < 65520
            case "float": (Float(n.text) ?? .infinity).isFinite
            default: n.double.isFinite
            }
        if !finite {
            return Verdict(severity: .rejected, message: "\(fullName) is \(type) and \(shown) is not a finite \(type) (beyond \(Self.largestFinite[type] ?? "1.7976931348623157e308"))")
        }
        return nil
    }

    static let largestFinite = ["half_float": "65504", "float": "3.4028235e38"]



    // MARK: Others

    private func boolean(_ value: JSONValue, fullName: String, shown: String) -> Verdict? {
        switch value {
        case .bool: return nil
        case .string(let s) where s == "true" || s == "false" || s.isEmpty: return nil
        default:
            return Verdict(severity: .rejected, message: "\(fullName) is boolean but \(shown) is not true, false, \"true\", \"false\" or \"\"")
        }
    }

    private func date(_ value: JSONValue, fullName: String, literal: String?, shown: String) -> Verdict? {
        let spec = definition["format"]?.stringValue ?? DateFormat.defaultFormats
        guard let formats = DateFormat.parseList(spec) else { return nil }   // a format we cannot judge
        switch value {
        case .string(let s):
            if formats.contains(where: { $0.accepts(s) }) { return nil }
        case .int(let i):
            if formats.contains(where: { $0.accepts(number: String(i)) }) { return nil }
        case .double(let d):
            if formats.contains(where: { $0.accepts(number: literal ?? "\(d)") }) { return nil }
        default:
            break
        }
        return Verdict(severity: .rejected, message: "\(fullName) is date but \(shown) does not parse with format \(spec)")
    }

    private func ip(_ value: JSONValue, fullName: String, shown: String) -> Verdict? {
        if case .string(let s) = value {
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1 { return nil }
        }
        return Verdict(severity: .rejected, message: "\(fullName) is ip but \(shown) is not an IPv4 or IPv6 address")
    }
}
