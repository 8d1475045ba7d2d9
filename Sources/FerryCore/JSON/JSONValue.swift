import Foundation

/// A JSON document for envelopes, mappings and manifests: the small, structured JSON that
/// Swift needs to understand. Document `_source` bytes never become a `JSONValue`; they
/// flow as raw bytes through the C bridge.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// A number kept as the document writes it, for output only (see `withNumberTexts`): an
    /// integer beyond 64 bits that `.double` would print as 1.8446744073709552e+19. The
    /// parser never makes one.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        case .number(let text): return Int64(text)
        case .string(let s): return Int64(s)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .number(let text): return Double(text)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

// MARK: - Parsing and serialising

public struct JSONParseError: Error, CustomStringConvertible {
    public let description: String
    /// Where the text first breaks JSON's grammar, when it does.
    public var problem: JSONSyntaxProblem? = nil
}

extension JSONValue {
    /// Parses UTF-8 JSON bytes.
    public static func parse<Bytes: Collection>(_ bytes: Bytes) throws -> JSONValue where Bytes.Element == UInt8 {
        let data = bytes as? Data ?? Data(bytes)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            // Foundation gives no position; say where, as Python's json does.
            let problem = JSONSyntaxProblem.find(in: data)
            throw JSONParseError(description: "invalid JSON: \(problem?.description ?? error.localizedDescription)", problem: problem)
        }
        return JSONValue(foundation: object)
    }

    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }

    init(foundation object: Any) {
        switch object {
        case is NSNull:
            self = .null
        case let s as String:
            self = .string(s)
        case let n as NSNumber:
            self = JSONValue(number: n)
        case let a as [Any]:
            self = .array(a.map { JSONValue(foundation: $0) })
        case let o as [String: Any]:
            self = .object(o.mapValues { JSONValue(foundation: $0) })
        default:
            self = .string(String(describing: object))
        }
    }

    private init(number n: NSNumber) {
        // Foundation boxes JSON true/false, integers and floats all as NSNumber; the ObjC type
        // code tells them apart ("c" is BOOL on Darwin, and corelibs-foundation reports Bool as "c" too).
        let type = String(cString: n.objCType)
        if type == "c" || type == "B" {
            self = .bool(n.boolValue)
        } else if type == "d" || type == "f" {
            self = .double(n.doubleValue)
        } else if type == "Q" {
            let u = n.uint64Value
            self = u <= UInt64(Int64.max) ? .int(Int64(u)) : .double(Double(u))
        } else {
            self = .int(n.int64Value)
        }
    }

    /// Compact JSON. With `sortedKeys` the output is canonical (used for hashing mappings).
    public func serialized(sortedKeys: Bool = false) -> String {
        var out = ""
        write(into: &out, sortedKeys: sortedKeys)
        return out
    }

    public func serializedBytes(sortedKeys: Bool = false) -> [UInt8] {
        Array(serialized(sortedKeys: sortedKeys).utf8)
    }

    private func write(into out: inout String, sortedKeys: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite, d.rounded() == d, abs(d) < 1e15 {
                out += String(Int64(d)) + ".0"
            } else {
                out += "\(d)"
            }
        case .number(let text): out += text
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out, sortedKeys: sortedKeys)
            }
            out += "]"
        case .object(let members):
            out += "{"
            let keys = sortedKeys ? members.keys.sorted() : Array(members.keys)
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(key, into: &out)
                out += ":"
                members[key]!.write(into: &out, sortedKeys: sortedKeys)
            }
            out += "}"
        }
    }

    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        var s = s
        // Runs of bytes that need no escape are appended whole (a scalar at a time was the
        // cost of every lookup row ferry encodes).
        s.withUTF8 { bytes in
            var start = 0
            for i in bytes.indices {
                let byte = bytes[i]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if start < i { out += String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self) }
                switch byte {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                default: out += String(format: "\\u%04x", UInt32(byte))
                }
                start = i + 1
            }
            if start < bytes.count { out += String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self) }
        }
        out += "\""
    }

    /// A JSON string literal for `s`, quotes included.
    public static func quoted(_ s: String) -> String {
        var out = ""
        writeString(s, into: &out)
        return out
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}
