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

    public init(kind: Kind, path: JSONPath, old: JSONValue?, new: JSONValue?) {
        self.kind = kind
        self.path = path
        self.old = old
        self.new = new
    }

    /// "integer → float" when a change also changed the JSON type, else nil.
    public var typeChange: String? {
        guard kind == .changed, let old, let new, old.typeName != new.typeName else { return nil }
        return "\(old.typeName) → \(new.typeName)"
    }

    public var json: JSONValue {
        var out: [String: JSONValue] = ["op": .string(kind.rawValue), "path": .string(path.description)]
        if let old { out["old"] = old }
        if let new { out["new"] = new }
        return .object(out)
    }
}

/// Field-level differences between two documents: objects by key, arrays by position, any
/// other pair by value and type (`1` and `1.0` differ: the bridge and the mapping keep them apart).
public enum JSONDiff {
    public static func changes(from old: JSONValue, to new: JSONValue) -> [JSONChange] {
        var out: [JSONChange] = []
        collect(old, new, at: .root, into: &out)
        return out
    }

    private static func collect(_ old: JSONValue, _ new: JSONValue, at path: JSONPath, into out: inout [JSONChange]) {
        switch (old, new) {
        case (.object(let a), .object(let b)):
            for key in Set(a.keys).union(b.keys).sorted() {
                let child = path.appending(key)
                switch (a[key], b[key]) {
                case (let x?, let y?): collect(x, y, at: child, into: &out)
                case (let x?, nil): out.append(JSONChange(kind: .removed, path: child, old: x, new: nil))
                case (nil, let y?): out.append(JSONChange(kind: .added, path: child, old: nil, new: y))
                case (nil, nil): break
                }
            }
        case (.array(let a), .array(let b)) where a.isEmpty != b.isEmpty:
            // [] → [x, y] reads better as one change than as one "added" per element.
            out.append(JSONChange(kind: .changed, path: path, old: old, new: new))
        case (.array(let a), .array(let b)):
            for i in 0..<max(a.count, b.count) {
                let child = path.appending(i)
                if i < a.count, i < b.count {
                    collect(a[i], b[i], at: child, into: &out)
                } else if i < a.count {
                    out.append(JSONChange(kind: .removed, path: child, old: a[i], new: nil))
                } else {
                    out.append(JSONChange(kind: .added, path: child, old: nil, new: b[i]))
                }
            }
        default:
            if old != new { out.append(JSONChange(kind: .changed, path: path, old: old, new: new)) }
        }
    }
}
