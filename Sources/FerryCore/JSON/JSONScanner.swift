import Foundation

/// A forward-only, allocation-free walker over JSON bytes, for the envelopes of big
/// responses (search hits, bulk items): it finds the few keys we need and skips everything
/// else without building values, so a `_source` is only ever a byte range.
///
/// It trusts the cluster to send valid JSON and checks only what it relies on; truncated or
/// unexpected input throws `JSONScanError` rather than reading out of bounds.
public struct JSONScanner {
    @usableFromInline let base: UnsafePointer<UInt8>?
    public let end: Int
    public private(set) var position: Int

    public init(_ buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = buffer.count
        position = 0
    }

    public struct Key {
        /// Bytes between the quotes, escapes not decoded.
        public let range: Range<Int>
        public let escaped: Bool
    }

    // MARK: Bytes

    @inline(__always)
    private func byte(at i: Int) -> UInt8 { base.unsafelyUnwrapped[i] }

    @inline(__always)
    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    public mutating func skipWhitespace() {
        while position < end, Self.isWhitespace(byte(at: position)) { position += 1 }
    }

    /// The next significant byte, not consumed.
    public mutating func peek() throws -> UInt8 {
        skipWhitespace()
        guard position < end else { throw error("unexpected end of JSON") }
        return byte(at: position)
    }

    public mutating func expect(_ b: UInt8) throws {
        guard try peek() == b else {
            throw error("expected '\(Character(Unicode.Scalar(b)))'")
        }
        position += 1
    }

    public func error(_ message: String) -> JSONScanError {
        JSONScanError(message: message, offset: position)
    }

    // MARK: Containers

    public mutating func beginObject() throws { try expect(UInt8(ascii: "{")) }
    public mutating func beginArray() throws { try expect(UInt8(ascii: "[")) }

    /// The next member's key (consuming it and the colon), or nil after consuming the closing
    /// brace. The caller must consume the value (read it or `skipValue()`) before asking again.
    public mutating func nextKey() throws -> Key? {
        var b = try peek()
        if b == UInt8(ascii: "}") {
            position += 1
            return nil
        }
        if b == UInt8(ascii: ",") {
            position += 1
            b = try peek()
        }
        guard b == UInt8(ascii: "\"") else { throw error("expected an object key") }
        let (range, escaped) = try shortStringAtQuote()
        try expect(UInt8(ascii: ":"))
        return Key(range: range, escaped: escaped)
    }

    /// True when another element follows (positioned at it), false after consuming `]`.
    public mutating func nextElement() throws -> Bool {
        let b = try peek()
        if b == UInt8(ascii: "]") {
            position += 1
            return false
        }
        if b == UInt8(ascii: ",") { position += 1 }
        _ = try peek()
        return true
    }

    // MARK: Values

    /// Skips one value of any kind and returns its byte range. `shortStrings`: its strings are
    /// expected to be a few bytes (a bulk item, not a `_source`), see `shortStringContents`.
    @discardableResult
    public mutating func skipValue(shortStrings: Bool = false) throws -> Range<Int> {
        let first = try peek()
        let start = position
        switch first {
        case UInt8(ascii: "\""):
            _ = try stringContents()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer(shortStrings: shortStrings)
        default:
            while position < end {
                let b = byte(at: position)
                if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || Self.isWhitespace(b) {
                    break
                }
                position += 1
            }
            if position == start { throw error("expected a value") }
        }
        return start..<position
    }

    /// Skips a whole object or array by depth counting, stepping over strings so brackets
    /// inside them do not count.
    private mutating func skipContainer(shortStrings: Bool) throws {
        var depth = 0
        while position < end {
            let b = byte(at: position)
            switch b {
            case UInt8(ascii: "\""):
                _ = try shortStrings ? shortStringAtQuote() : stringContents()
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    position += 1
                    return
                }
            default:
                break
            }
            position += 1
        }
        throw error("unterminated object or array")
    }

    /// `stringContents` for strings expected to be short (keys, ids, the strings of a bulk
    /// item): a few bytes are stepped over here, byte by byte, which costs less than the two
    /// memchr calls; a longer string or one with an escape goes to `stringContents` from its
    /// start. (Not for `_source` values: their strings are long, and trying first costs more.)
    public mutating func shortStringContents() throws -> (range: Range<Int>, escaped: Bool) {
        guard position < end, byte(at: position) == UInt8(ascii: "\"") else { throw error("expected a string") }
        return try shortStringAtQuote()
    }

    /// `shortStringContents` once `position` is known to hold a quote.
    @inline(__always)
    private mutating func shortStringAtQuote() throws -> (range: Range<Int>, escaped: Bool) {
        let start = position + 1
        var i = start
        let limit = min(end, start + 24)
        while i < limit {
            let b = byte(at: i)
            if b == UInt8(ascii: "\"") {
                position = i + 1
                return (start..<i, false)
            }
            if b == UInt8(ascii: "\\") { break }
            i += 1
        }
        return try stringContents()
    }

    /// Consumes a string at `position` (which must be its opening quote) and returns the range
    /// of its raw contents. `_source` strings are most of a search page's bytes, so the closing
    /// quote is found with memchr, and backslashes only looked for between here and there.
    public mutating func stringContents() throws -> (range: Range<Int>, escaped: Bool) {
        guard position < end, let base, base[position] == UInt8(ascii: "\"") else { throw error("expected a string") }
        position += 1
        let start = position
        var escaped = false
        // The next quote, searched again only once an escape steps past it (an escaped quote):
        // a string of many escapes (a 20 MB text with a `\n` per line) stays one pass, not one
        // pass per escape.
        var quote = -1
        while position < end {
            if quote < position {
                guard let hit = memchr(base + position, 0x22, end - position) else { break }
                quote = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            }
            guard let slash = memchr(base + position, 0x5C, quote - position) else {
                position = quote + 1
                return (start..<quote, escaped)
            }
            // An escape before the quote: step over it (it may be the quote itself) and look again.
            escaped = true
            position = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(slash)) + 2
        }
        position = end
        throw error("unterminated string")
    }

    /// A string value, or nil for null.
    public mutating func string() throws -> String? {
        if try peek() == UInt8(ascii: "n") {
            try skipValue()
            return nil
        }
        let (range, escaped) = try stringContents()
        return try decode(range, escaped: escaped)
    }

    /// An integer value, or nil for null (or a number with a fraction).
    public mutating func int64() throws -> Int64? {
        let range = try skipValue()
        return integer(in: range)
    }

    public mutating func bool() throws -> Bool? {
        let range = try skipValue()
        if range.count == 4, byte(at: range.lowerBound) == UInt8(ascii: "t") { return true }
        if range.count == 5, byte(at: range.lowerBound) == UInt8(ascii: "f") { return false }
        return nil
    }

    public func integer(in range: Range<Int>) -> Int64? {
        guard !range.isEmpty else { return nil }
        var i = range.lowerBound
        var negative = false
        if byte(at: i) == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < range.upperBound else { return nil }
        var value: Int64 = 0
        while i < range.upperBound {
            let d = byte(at: i) &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            value = a
            i += 1
        }
        return value
    }

    // MARK: Strings

    /// Inlined into the scanners: a hit or bulk item compares each key with several names, and
    /// most of them differ in length, which is then all it costs.
    @inlinable
    public func matches(_ key: Key, _ literal: StaticString) -> Bool {
        if key.escaped {
            return (try? decode(key.range, escaped: true)) == literal.description
        }
        guard key.range.count == literal.utf8CodeUnitCount else { return false }
        guard let base else { return true }
        return memcmp(base + key.range.lowerBound, literal.utf8Start, key.range.count) == 0
    }

    public func bytesEqual(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        guard let base else { return true }
        return a.isEmpty || memcmp(base + a.lowerBound, base + b.lowerBound, a.count) == 0
    }

    public func decode(_ range: Range<Int>, escaped: Bool) throws -> String {
        guard let base, !range.isEmpty else { return "" }
        let raw = UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        return try Self.unescape(raw)
    }

    /// Decodes JSON string escapes (`\n`, `\"`, `\uXXXX` with surrogate pairs).
    public static func unescape(_ raw: UnsafeBufferPointer<UInt8>) throws -> String {
        var out = [UInt8]()
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= raw.count else { throw JSONScanError(message: "truncated \\u escape", offset: at) }
            var v: UInt32 = 0
            for k in 0..<4 {
                let c = raw[at + k]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw JSONScanError(message: "bad \\u escape", offset: at)
                }
                v = v << 4 | d
            }
            return v
        }
        while i < raw.count {
            let b = raw[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { throw JSONScanError(message: "truncated escape", offset: i) }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"),
                    raw[i + 1] == UInt8(ascii: "u")
                {
                    let low = try hex4(i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                // A lone surrogate cannot be represented in UTF-8: use U+FFFD, as decoders do.
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: String(Character(s)).utf8)
            default:
                throw JSONScanError(message: "bad escape", offset: i - 1)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public struct JSONScanError: Error, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}
