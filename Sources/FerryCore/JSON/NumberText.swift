import Foundation

/// A number as the document writes it (`9223372036854775808`, `1.50`, `1e2`), for range checks
/// that must not round and messages that must print the value as it is: a `Double` turns
/// 2^63 into 9223372036854775807's neighbour and prints 2^64 as 1.8446744073709552e+19.
public struct NumberText: Sendable, Hashable {
    /// The text as written (trimmed).
    public let text: String
    /// An integer as exact decimal: sign and digits without leading zeros ("0" for zero).
    public struct Integer: Sendable, Hashable, Comparable, CustomStringConvertible {
        public let negative: Bool
        public let digits: String

        public init(negative: Bool, digits: String) {
            let trimmed = String(digits.drop { $0 == "0" })
            self.digits = trimmed.isEmpty ? "0" : trimmed
            self.negative = negative && !trimmed.isEmpty
        }

        public init(_ text: String) {
            self.init(negative: text.hasPrefix("-"), digits: String(text.drop { $0 == "-" || $0 == "+" }))
        }

        public var description: String { (negative ? "-" : "") + digits }

        public static func < (a: Integer, b: Integer) -> Bool {
            if a.negative != b.negative { return a.negative }
            let magnitudeLess = a.digits.count != b.digits.count ? a.digits.count < b.digits.count : a.digits < b.digits
            let magnitudeEqual = a.digits == b.digits
            return a.negative ? (!magnitudeLess && !magnitudeEqual) : magnitudeLess
        }
    }

    /// The value truncated toward zero, exactly (`-128.9` → -128, `1e2` → 100).
    public let truncated: Integer
    /// A non-zero fraction was dropped by `truncated`.
    public let hasFraction: Bool
    /// Written without `.` or exponent: JSON parsers read it as an integer, not a double.
    public let isIntegerLiteral: Bool

    /// Nil unless `text` is decimal notation `[+-]digits[.digits][e[+-]digits]`.
    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard Self.looksNumeric(text) else { return nil }
        self.text = text
        var body = Substring(text)
        let negative = body.first == "-"
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            // Exponents beyond a few thousand are out of every range either way.
            exponent = max(min(Int(body[body.index(after: e)...]) ?? 0, 4000), -4000)
            body = body[..<e]
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        isIntegerLiteral = parts.count == 1 && !text.contains(where: { $0 == "e" || $0 == "E" })
        // Move the decimal point by the exponent.
        let digits = whole + fraction
        let point = whole.count + exponent
        let integerPart: String
        let fractionPart: Substring
        if point <= 0 {
            integerPart = ""
            fractionPart = Substring(digits)
        } else if point >= digits.count {
            integerPart = digits + String(repeating: "0", count: point - digits.count)
            fractionPart = ""
        } else {
            integerPart = String(digits.prefix(point))
            fractionPart = digits.dropFirst(point)
        }
        truncated = Integer(negative: negative, digits: integerPart)
        hasFraction = fractionPart.contains { $0 != "0" }
    }

    /// What a parser reading the text as a double gets (correctly rounded).
    public var double: Double { Double(text) ?? .nan }

    /// Decimal notation as Java parses it: `[+-]digits[.digits][e[+-]digits]` (no hex, no inf/nan).
    public static func looksNumeric(_ s: String) -> Bool {
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
}
