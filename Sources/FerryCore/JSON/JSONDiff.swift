/// One difference between two JSON documents.
public struct JSONChange: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case added, removed, changed
    }

    public let kind: Kind
    public let path: JSONPath
    /// The value before (nil when added).
    public let old: JSONValue?
    /// The value after (nil when removed).
    public let new: JSONValue?
    /// A number's text as each document writes it, when known: a double cannot hold a
    /// 20-digit integer, and the report must print (and compare) its digits.
    public var oldText: String? = nil
    public var newText: String? = nil

    public init(kind: Kind, path: JSONPath, old: JSONValue?, new: JSONValue?) {
        self.kind = kind
        self.path = path
        self.old = old
        self.new = new
    }

    /// "integer → float" when a change also changed the JSON type, else nil.
    public var typeChange: String? {
        guard kind == .changed, let old, let new else { return nil }
        let (a, b) = (Self.typeName(old, oldText), Self.typeName(new, newText))
        return a == b ? nil : "\(a) → \(b)"
    }

    /// An integer beyond 64 bits is still an integer, though JSONValue holds it as a double.
    public static func typeName(_ value: JSONValue, _ text: String?) -> String {
        text.flatMap(NumberText.init)?.isIntegerLiteral == true ? "integer" : value.typeName
    }

    /// A big integer as its digits (see `JSONValue.withNumberTexts`).
    static func exact(_ value: JSONValue, _ text: String?) -> JSONValue {
        guard let text else { return value }
        return value.withNumberTexts([.root: text])
    }

    public var json: JSONValue {
        var out: [String: JSONValue] = ["op": .string(kind.rawValue), "path": .string(path.description)]
        if let old { out["old"] = Self.exact(old, oldText) }
        if let new { out["new"] = Self.exact(new, newText) }
        return .object(out)
    }
}

/// Field-level differences between two documents: objects by key, arrays by position, any
/// other pair by value and type (`1` and `1.0` differ: the bridge and the mapping keep them apart).
public enum JSONDiff {
    /// - Parameters: oldNumbers, newNumbers: the documents' number texts by path
    ///   (`NumberLiterals.scan`), so integers beyond 64 bits compare and print by their digits.
    public static func changes(
        from old: JSONValue, to new: JSONValue, oldNumbers: [JSONPath: String] = [:], newNumbers: [JSONPath: String] = [:]
    ) -> [JSONChange] {
        var out: [JSONChange] = []
        Walk(oldNumbers: oldNumbers, newNumbers: newNumbers).collect(old, new, at: .root, into: &out)
        return out
    }

    /// Changes from `old` bytes to `new` bytes (both JSON); nil when either is not JSON.
    public static func changes(fromJSON old: [UInt8], toJSON new: [UInt8]) -> [JSONChange]? {
        guard let a = try? JSONValue.parse(old), let b = try? JSONValue.parse(new) else { return nil }
        return changes(from: a, to: b, oldNumbers: NumberLiterals.scan(old), newNumbers: NumberLiterals.scan(new))
    }
}

private struct Walk {
    let oldNumbers: [JSONPath: String]
    let newNumbers: [JSONPath: String]

    func change(_ kind: JSONChange.Kind, _ path: JSONPath, _ old: JSONValue?, _ new: JSONValue?) -> JSONChange {
        var change = JSONChange(kind: kind, path: path, old: old, new: new)
        if old != nil { change.oldText = oldNumbers[path] }
        if new != nil { change.newText = newNumbers[path] }
        return change
    }

    /// Two integers a double cannot tell apart (both beyond 2^53) with different digits.
    func digitsDiffer(at path: JSONPath) -> Bool {
        guard let a = oldNumbers[path].flatMap(NumberText.init), let b = newNumbers[path].flatMap(NumberText.init),
              a.isIntegerLiteral, b.isIntegerLiteral else { return false }
        return a.truncated != b.truncated
    }

    func collect(_ old: JSONValue, _ new: JSONValue, at path: JSONPath, into out: inout [JSONChange]) {
        switch (old, new) {
        case (.object(let a), .object(let b)):
            for key in Set(a.keys).union(b.keys).sorted() {
                let child = path.appending(key)
                switch (a[key], b[key]) {
                case (let x?, let y?): collect(x, y, at: child, into: &out)
                case (let x?, nil): out.append(change(.removed, child, x, nil))
                case (nil, let y?): out.append(change(.added, child, nil, y))
                case (nil, nil): break
                }
            }
        case (.array(let a), .array(let b)) where a.isEmpty != b.isEmpty:
            // [] → [x, y] reads better as one change than as one "added" per element.
            out.append(change(.changed, path, old, new))
        case (.array(let a), .array(let b)):
            for i in 0..<max(a.count, b.count) {
                let child = path.appending(i)
                if i < a.count, i < b.count {
                    collect(a[i], b[i], at: child, into: &out)
                } else if i < a.count {
                    out.append(change(.removed, child, a[i], nil))
                } else {
                    out.append(change(.added, child, nil, b[i]))
                }
            }
        default:
            if old != new || digitsDiffer(at: path) { out.append(change(.changed, path, old, new)) }
        }
    }
}
