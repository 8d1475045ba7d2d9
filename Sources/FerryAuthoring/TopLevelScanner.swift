import FerryCore

/// A malformed line or file, with the byte offset where the scanner gave up.
struct ScanError: Error, CustomStringConvertible {
    let message: String
    let offset: Int
    var description: String { "\(message) at byte \(offset + 1)" }
}

/// Walks the members of one top-level JSON object without decoding their values, so a
/// `_source` (or a fixture's `input`) stays a byte range that goes to the C bridge untouched.
/// Values are skipped by depth counting (strings stepped over); the bridge validates them.
struct TopLevelScanner {
    let bytes: UnsafeRawBufferPointer
    private var i = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Calls `visit(key, keyHasEscapes, valueRange)` for each member in order.
    static func members(
        of bytes: UnsafeRawBufferPointer, _ visit: (UnsafeRawBufferPointer, Bool, Range<Int>) throws -> Void
    ) throws {
        var scanner = TopLevelScanner(bytes)
        try scanner.scan(visit)
    }

    private mutating func scan(_ visit: (UnsafeRawBufferPointer, Bool, Range<Int>) throws -> Void) throws {
        try expect(UInt8(ascii: "{"), "expected a JSON object")
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard peek() == UInt8(ascii: "\"") else { throw ScanError(message: "expected a key", offset: i) }
                let (key, escaped) = try string()
                try expect(UInt8(ascii: ":"), "expected ':' after a key")
                skipSpace()
                let start = i
                try skipValue()
                try visit(UnsafeRawBufferPointer(rebasing: bytes[key]), escaped, start..<i)
                skipSpace()
                guard let b = peek() else { throw ScanError(message: "unexpected end of the object", offset: i) }
                i += 1
                if b == UInt8(ascii: "}") { break }
                guard b == UInt8(ascii: ",") else { throw ScanError(message: "expected ',' or '}'", offset: i - 1) }
            }
        }
        skipSpace()
        guard i == bytes.count else { throw ScanError(message: "unexpected text after the object", offset: i) }
    }

    private func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    private mutating func expect(_ b: UInt8, _ message: String) throws {
        skipSpace()
        guard peek() == b else { throw ScanError(message: message, offset: i) }
        i += 1
    }

    /// A string at `i` (its opening quote): the range of its contents.
    private mutating func string() throws -> (Range<Int>, Bool) {
        i += 1
        let start = i
        var escaped = false
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                i += 1
                return (start..<(i - 1), escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                i += 2
            default:
                i += 1
            }
        }
        throw ScanError(message: "unterminated string", offset: start - 1)
    }

    private mutating func skipValue() throws {
        guard let first = peek() else { throw ScanError(message: "expected a value", offset: i) }
        switch first {
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = i
            var depth = 0
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    _ = try string()
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        i += 1
                        return
                    }
                default:
                    break
                }
                i += 1
            }
            throw ScanError(message: "unterminated object or array", offset: start)
        default:
            let start = i
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == 0x20 || b == 0x09
                    || b == 0x0A || b == 0x0D
                {
                    break
                }
                i += 1
            }
            if i == start { throw ScanError(message: "expected a value", offset: i) }
        }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let lit = literal.utf8Start
        for k in 0..<count where self[k] != lit[k] { return false }
        return true
    }
}

/// A JSON scalar's bytes as text: strings unquoted and unescaped, numbers as written.
func scalarText(_ bytes: UnsafeRawBufferPointer) -> String? {
    guard let first = bytes.first else { return nil }
    if first == UInt8(ascii: "\"") {
        if !bytes.contains(UInt8(ascii: "\\")) {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[1..<(bytes.count - 1)]), as: UTF8.self)
        }
        return (try? JSONValue.parse(Array(bytes)))?.stringValue
    }
    if first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) {
        return String(decoding: bytes, as: UTF8.self)
    }
    return nil
}
