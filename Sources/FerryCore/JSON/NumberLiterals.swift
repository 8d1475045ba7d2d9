/// The text of every number in a JSON document, by path, so the mapping checker judges and
/// prints `9223372036854775808` as written instead of the double a parser makes of it.
/// Expects text that already parsed as JSON.
public enum NumberLiterals {
    public static func scan(_ bytes: [UInt8]) -> [JSONPath: String] {
        var walker = Walker(s: bytes)
        walker.value(at: .root)
        return walker.found
    }

    private struct Walker {
        let s: [UInt8]
        var i = 0
        var found: [JSONPath: String] = [:]

        func at(_ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }

        mutating func space() {
            while i < s.count, s[i] == 0x20 || s[i] == 0x0A || s[i] == 0x0D || s[i] == 0x09 { i += 1 }
        }

        mutating func value(at path: JSONPath) {
            space()
            switch at(i) {
            case UInt8(ascii: "{"):
                i += 1
                space()
                while i < s.count, at(i) != UInt8(ascii: "}") {
                    let key = string()
                    space()
                    i += 1   // ':'
                    value(at: path.appending(key))
                    space()
                    if at(i) == UInt8(ascii: ",") { i += 1; space() }
                }
                i += 1
            case UInt8(ascii: "["):
                i += 1
                space()
                var index = 0
                while i < s.count, at(i) != UInt8(ascii: "]") {
                    value(at: path.appending(index))
                    index += 1
                    space()
                    if at(i) == UInt8(ascii: ",") { i += 1; space() }
                }
                i += 1
            case UInt8(ascii: "\""):
                _ = string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = i
                while i < s.count, !",]} \n\r\t".utf8.contains(s[i]) { i += 1 }
                found[path] = String(decoding: s[start..<i], as: UTF8.self)
            default:
                while i < s.count, !",]} \n\r\t".utf8.contains(s[i]) { i += 1 }   // true, false, null
            }
        }

        /// A string's decoded value (escapes resolved through the JSON parser, which is rare).
        mutating func string() -> String {
            let start = i
            var escaped = false
            i += 1
            while i < s.count, s[i] != UInt8(ascii: "\"") {
                if s[i] == UInt8(ascii: "\\") { escaped = true; i += 1 }
                i += 1
            }
            i += 1
            let raw = s[start..<min(i, s.count)]
            if escaped { return (try? JSONValue.parse(Array(raw)))?.stringValue ?? "" }
            return String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
        }
    }
}
