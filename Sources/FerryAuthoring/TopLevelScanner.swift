import FerryCore

/// A malformed line or file, with the byte offset where the scanner gave up.
struct ScanError: Error, CustomStringConvertible {
    let message: String
    let offset: Int
    var description: String { "\(message) at byte \(offset + 1)" }
}

/// Walks the members of one top-level JSON object without decoding their values, so a
/// `_source` (or a fixture's `input`) stays a byte range that goes to the C bridge untouched.
/// The walking is `JSONScanner`'s (FerryCore), the one scanner ferry has.
enum TopLevelScanner {
    /// Calls `visit(key, keyHasEscapes, valueRange)` for each member in order.
    static func members(
        of bytes: UnsafeRawBufferPointer, _ visit: (UnsafeRawBufferPointer, Bool, Range<Int>) throws -> Void
    ) throws {
        var scanner = JSONScanner(bytes)
        do {
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }),
                  try scanner.peek() == UInt8(ascii: "{")
            else { throw scanner.error("expected a JSON object") }
            try scanner.beginObject()
            while let key = try scanner.nextKey() {
                let value = try scanner.skipValue()
                try visit(UnsafeRawBufferPointer(rebasing: bytes[key.range]), key.escaped, value)
                let next = try scanner.peek()
                guard next == UInt8(ascii: ",") || next == UInt8(ascii: "}") else { throw scanner.error("expected ',' or '}'") }
            }
            scanner.skipWhitespace()
            guard scanner.position == scanner.end else { throw scanner.error("unexpected text after the object") }
        } catch let error as JSONScanError {
            throw ScanError(message: error.message, offset: error.offset)
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
