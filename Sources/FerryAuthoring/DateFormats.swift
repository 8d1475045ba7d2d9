import Foundation

/// The date formats a `date` mapping may name, enough to tell whether the cluster will parse
/// a value: the built-in ISO and epoch formats and simple custom patterns (`yyyy-MM-dd HH:mm:ss`).
/// A format it does not understand is `nil` from `init?`: such values are not judged.
enum DateFormat {
    case iso(strict: Bool)
    case epochMillis
    case epochSecond
    case pattern([Token])

    enum Token: Equatable {
        /// A numeric field with its digit count bounds.
        case number(Field, min: Int, max: Int)
        /// A fraction of a second of exactly `digits` digits.
        case fraction(digits: Int)
        /// Z, +02:00, +0200 or +02.
        case zone
        case literal(Character)
    }

    enum Field { case year, month, day, hour, minute, second }

    /// The default of a `date` field without `format`.
    static let defaultFormats = "strict_date_optional_time||epoch_millis"

    /// All the formats of a `format` value ("a||b"); nil if any of them is not understood.
    static func parseList(_ spec: String) -> [DateFormat]? {
        var formats: [DateFormat] = []
        for name in spec.components(separatedBy: "||") {
            guard let format = DateFormat(name.trimmingCharacters(in: .whitespaces)) else { return nil }
            formats.append(format)
        }
        return formats
    }

    init?(_ name: String) {
        let builtIn = name.hasPrefix("strict_") ? String(name.dropFirst(7)) : name
        let strict = name.hasPrefix("strict_")
        switch builtIn {
        case "date_optional_time", "date_optional_time_nanos": self = .iso(strict: strict)
        case "epoch_millis": self = .epochMillis
        case "epoch_second": self = .epochSecond
        case "date": self.init(pattern: "yyyy-MM-dd", strict: strict)
        case "date_time": self.init(pattern: "yyyy-MM-dd'T'HH:mm:ss.SSSZ", strict: strict)
        case "date_time_no_millis": self.init(pattern: "yyyy-MM-dd'T'HH:mm:ssZ", strict: strict)
        case "date_hour_minute_second": self.init(pattern: "yyyy-MM-dd'T'HH:mm:ss", strict: strict)
        case "date_hour_minute": self.init(pattern: "yyyy-MM-dd'T'HH:mm", strict: strict)
        case "basic_date": self.init(pattern: "yyyyMMdd", strict: true)
        case "basic_date_time": self.init(pattern: "yyyyMMdd'T'HHmmss.SSSZ", strict: true)
        case "basic_date_time_no_millis": self.init(pattern: "yyyyMMdd'T'HHmmssZ", strict: true)
        case "year": self.init(pattern: "yyyy", strict: strict)
        case "year_month": self.init(pattern: "yyyy-MM", strict: strict)
        case "year_month_day": self.init(pattern: "yyyy-MM-dd", strict: strict)
        default:
            if name.contains(where: { $0.isLetter && $0.isLowercase }) && name.contains("_") { return nil }
            self.init(pattern: name, strict: true)
        }
    }

    /// A Java-style pattern of y/u M d H m s S X Z and literals; nil for anything else
    /// (month names, day names, optional sections, ...).
    init?(pattern: String, strict: Bool) {
        var tokens: [Token] = []
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            var run = 1
            while i + run < chars.count, chars[i + run] == c { run += 1 }
            switch c {
            case "y", "u": tokens.append(.number(.year, min: run == 2 ? 2 : 4, max: run == 2 ? 2 : 4))
            case "M": tokens.append(.number(.month, min: strict ? run : 1, max: 2))
            case "d": tokens.append(.number(.day, min: strict ? run : 1, max: 2))
            case "H": tokens.append(.number(.hour, min: strict ? run : 1, max: 2))
            case "m": tokens.append(.number(.minute, min: strict ? run : 1, max: 2))
            case "s": tokens.append(.number(.second, min: strict ? run : 1, max: 2))
            case "S": tokens.append(.fraction(digits: run))
            case "X", "Z", "x": tokens.append(.zone)
            case "'":
                var j = i + 1
                while j < chars.count, chars[j] != "'" {
                    tokens.append(.literal(chars[j]))
                    j += 1
                }
                guard j < chars.count else { return nil }
                if j == i + 1 { tokens.append(.literal("'")) }
                i = j + 1
                continue
            default:
                if c.isLetter || c == "[" || c == "]" { return nil }
                for _ in 0..<run { tokens.append(.literal(c)) }
            }
            i += run
        }
        self = .pattern(tokens)
    }

    func accepts(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        switch self {
        case .iso(let strict): return Self.acceptsISO(bytes, strict: strict)
        case .epochMillis, .epochSecond: return Self.acceptsEpoch(bytes)
        case .pattern(let tokens): return Self.accepts(bytes, tokens: tokens)
        }
    }

    /// Whether a JSON number is a valid value (epoch formats take numbers; other formats see
    /// the number's digits, so `2024` is a year for `yyyy`).
    func accepts(number: String) -> Bool {
        switch self {
        case .epochMillis, .epochSecond: return true
        default: return accepts(number)
        }
    }

    // MARK: Matchers

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private static func acceptsEpoch(_ s: [UInt8]) -> Bool {
        var i = 0
        if i < s.count, s[i] == UInt8(ascii: "-") { i += 1 }
        let start = i
        while i < s.count, isDigit(s[i]) { i += 1 }
        guard i > start else { return false }
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            let fraction = i
            while i < s.count, isDigit(s[i]) { i += 1 }
            guard i > fraction else { return false }
        }
        return i == s.count
    }

    /// `yyyy[-MM[-dd]][THH[:mm[:ss[.fraction]]][zone]]`, as strict_date_optional_time reads it.
    private static func acceptsISO(_ s: [UInt8], strict: Bool) -> Bool {
        var i = 0
        var fields = Fields()
        let twoDigits = strict ? 2 : 1
        guard let year = number(s, &i, min: 4, max: 4) else { return false }
        fields.year = year
        if i < s.count, s[i] == UInt8(ascii: "-") {
            i += 1
            guard let month = number(s, &i, min: twoDigits, max: 2) else { return false }
            fields.month = month
            if i < s.count, s[i] == UInt8(ascii: "-") {
                i += 1
                guard let day = number(s, &i, min: twoDigits, max: 2) else { return false }
                fields.day = day
                if i < s.count, s[i] == UInt8(ascii: "T") {
                    i += 1
                    guard let hour = number(s, &i, min: twoDigits, max: 2) else { return false }
                    fields.hour = hour
                    if i < s.count, s[i] == UInt8(ascii: ":") {
                        i += 1
                        guard let minute = number(s, &i, min: twoDigits, max: 2) else { return false }
                        fields.minute = minute
                        if i < s.count, s[i] == UInt8(ascii: ":") {
                            i += 1
                            guard let second = number(s, &i, min: twoDigits, max: 2) else { return false }
                            fields.second = second
                            if i < s.count, s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",") {
                                i += 1
                                guard number(s, &i, min: 1, max: 9) != nil else { return false }
                            }
                        }
                    }
                    if i < s.count, !zone(s, &i) { return false }
                }
            }
        }
        return i == s.count && fields.isValid
    }

    private static func accepts(_ s: [UInt8], tokens: [Token]) -> Bool {
        var i = 0
        var fields = Fields()
        for token in tokens {
            switch token {
            case .literal(let c):
                let utf8 = Array(String(c).utf8)
                guard i + utf8.count <= s.count, Array(s[i..<i + utf8.count]) == utf8 else { return false }
                i += utf8.count
            case .number(let field, let min, let max):
                guard let value = number(s, &i, min: min, max: max) else { return false }
                fields.set(field, value)
            case .fraction(let digits):
                guard number(s, &i, min: digits, max: digits) != nil else { return false }
            case .zone:
                guard zone(s, &i) else { return false }
            }
        }
        return i == s.count && fields.isValid
    }

    private static func number(_ s: [UInt8], _ i: inout Int, min: Int, max: Int) -> Int? {
        var value = 0
        var n = 0
        while i < s.count, n < max, isDigit(s[i]) {
            value = value * 10 + Int(s[i] - 0x30)
            i += 1
            n += 1
        }
        return n >= min ? value : nil
    }

    /// Z, ±HH:mm, ±HHmm or ±HH.
    private static func zone(_ s: [UInt8], _ i: inout Int) -> Bool {
        guard i < s.count else { return false }
        if s[i] == UInt8(ascii: "Z") {
            i += 1
            return true
        }
        guard s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard let hours = number(s, &i, min: 2, max: 2), hours <= 18 else { return false }
        if i < s.count, s[i] == UInt8(ascii: ":") { i += 1 }
        if i < s.count, isDigit(s[i]) {
            guard let minutes = number(s, &i, min: 2, max: 2), minutes <= 59 else { return false }
        }
        return true
    }

    private struct Fields {
        var year: Int?, month: Int?, day: Int?, hour: Int?, minute: Int?, second: Int?

        mutating func set(_ field: Field, _ value: Int) {
            switch field {
            case .year: year = value
            case .month: month = value
            case .day: day = value
            case .hour: hour = value
            case .minute: minute = value
            case .second: second = value
            }
        }

        var isValid: Bool {
            if let month, !(1...12).contains(month) { return false }
            if let day {
                guard day >= 1 else { return false }
                let limit = month.map { Self.daysIn(month: $0, year: year ?? 2000) } ?? 31
                if day > limit { return false }
            }
            if let hour, hour > 23 { return false }
            if let minute, minute > 59 { return false }
            if let second, second > 59 { return false }
            return true
        }

        static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }
    }
}
