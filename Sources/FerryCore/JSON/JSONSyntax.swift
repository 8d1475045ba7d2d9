/// Where JSON text first goes wrong, said as Python's `json` says it ("Expecting ',' delimiter:
/// line 3 column 5 (char 20)"), for the parse errors people read: Foundation only says
/// "The data is not in the correct format". Runs only after a parse has failed.
public struct JSONSyntaxProblem: Sendable, Hashable, CustomStringConvertible {
    /// E.g. "Expecting ',' delimiter".
    public let message: String
    /// 1-based line and column (columns count characters, not bytes), 0-based character offset.
    public let line: Int
    public let column: Int
    public let offset: Int

    public var description: String { "\(message): line \(line) column \(column) (char \(offset))" }

    /// The first syntax error in `bytes`, or nil when the grammar is fine (the failure was
    /// something else, e.g. invalid UTF-8 or nesting too deep).
    public static func find<Bytes: Collection>(in bytes: Bytes) -> JSONSyntaxProblem? where Bytes.Element == UInt8 {
        var scanner = Scanner(s: Array(bytes))
        do throws(Failure) {
            scanner.skipSpace()
            try scanner.value()
            scanner.skipSpace()
            if scanner.i < scanner.s.count { throw Failure(message: "Extra data", at: scanner.i) }
            return nil
        } catch {
            return JSONSyntaxProblem(error, in: scanner.s)
        }
    }

    private init(_ failure: Failure, in s: [UInt8]) {
        var line = 1, column = 1, chars = 0
        for b in s.prefix(failure.at) where b & 0xC0 != 0x80 {   // count characters, not UTF-8 continuation bytes
            chars += 1
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        self.init(message: failure.message, line: line, column: column, offset: chars)
    }

    private init(message: String, line: Int, column: Int, offset: Int) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    private struct Failure: Error {
        let message: String
        let at: Int
    }

    private struct Scanner {
        let s: [UInt8]
        var i = 0
        var depth = 0

        func at(_ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }

        mutating func skipSpace() {
            while i < s.count, s[i] == 0x20 || s[i] == 0x0A || s[i] == 0x0D || s[i] == 0x09 { i += 1 }
        }

        mutating func value() throws(Failure) {
            switch at(i) {
            case UInt8(ascii: "{"): try object()
            case UInt8(ascii: "["): try array()
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default:
                for word in ["true", "false", "null"] where s[i...].starts(with: word.utf8) {
                    i += word.utf8.count
                    return
                }
                throw Failure(message: "Expecting value", at: i)
            }
        }

        mutating func object() throws(Failure) {
            depth += 1
            guard depth < 10_000 else { throw Failure(message: "Nesting too deep", at: i) }
            i += 1
            skipSpace()
            if at(i) == UInt8(ascii: "}") { i += 1; depth -= 1; return }
            while true {
                guard at(i) == UInt8(ascii: "\"") else {
                    throw Failure(message: "Expecting property name enclosed in double quotes", at: i)
                }
                try string()
                skipSpace()
                guard at(i) == UInt8(ascii: ":") else { throw Failure(message: "Expecting ':' delimiter", at: i) }
                i += 1
                skipSpace()
                try value()
                skipSpace()
                if at(i) == UInt8(ascii: "}") { i += 1; depth -= 1; return }
                guard at(i) == UInt8(ascii: ",") else { throw Failure(message: "Expecting ',' delimiter", at: i) }
                i += 1
                skipSpace()
            }
        }

        mutating func array() throws(Failure) {
            depth += 1
            guard depth < 10_000 else { throw Failure(message: "Nesting too deep", at: i) }
            i += 1
            skipSpace()
            if at(i) == UInt8(ascii: "]") { i += 1; depth -= 1; return }
            while true {
                try value()
                skipSpace()
                if at(i) == UInt8(ascii: "]") { i += 1; depth -= 1; return }
                guard at(i) == UInt8(ascii: ",") else { throw Failure(message: "Expecting ',' delimiter", at: i) }
                i += 1
                skipSpace()
            }
        }

        mutating func string() throws(Failure) {
            let start = i
            i += 1
            while i < s.count {
                let b = s[i]
                if b == UInt8(ascii: "\"") { i += 1; return }
                if b < 0x20 { throw Failure(message: "Invalid control character at", at: i) }
                if b == UInt8(ascii: "\\") {
                    let e = at(i + 1)
                    if e == UInt8(ascii: "u") {
                        let hex = (i + 2..<i + 6).allSatisfy { k in
                            let h = at(k) | 0x20
                            return (h >= UInt8(ascii: "0") && h <= UInt8(ascii: "9")) || (h >= UInt8(ascii: "a") && h <= UInt8(ascii: "f"))
                        }
                        guard hex else { throw Failure(message: "Invalid \\uXXXX escape", at: i + 1) }
                        i += 6
                        continue
                    }
                    guard "\"\\/bfnrt".utf8.contains(e) else { throw Failure(message: "Invalid \\escape", at: i) }
                    i += 2
                    continue
                }
                i += 1
            }
            throw Failure(message: "Unterminated string starting at", at: start)
        }

        mutating func number() throws(Failure) {
            let start = i
            if at(i) == UInt8(ascii: "-") { i += 1 }
            func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
            guard isDigit(at(i)) else { throw Failure(message: "Expecting value", at: start) }
            if at(i) == UInt8(ascii: "0") { i += 1 } else { while isDigit(at(i)) { i += 1 } }
            if at(i) == UInt8(ascii: "."), isDigit(at(i + 1)) {
                i += 1
                while isDigit(at(i)) { i += 1 }
            }
            if at(i) | 0x20 == UInt8(ascii: "e") {
                var k = i + 1
                if at(k) == UInt8(ascii: "+") || at(k) == UInt8(ascii: "-") { k += 1 }
                if isDigit(at(k)) {
                    i = k
                    while isDigit(at(i)) { i += 1 }
                }
            }
        }
    }
}
