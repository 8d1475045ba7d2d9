/// A location inside a JSON document, rendered the way data engineers write it:
/// `metadata.word_count`, `tags[2]`, `["odd key"].x`.
public struct JSONPath: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public let components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    public static let root = JSONPath()

    public func appending(_ key: String) -> JSONPath { JSONPath(components + [.key(key)]) }
    public func appending(_ index: Int) -> JSONPath { JSONPath(components + [.index(index)]) }

    public var isRoot: Bool { components.isEmpty }

    /// The last key on the path (the field's own name), if any.
    public var lastKey: String? {
        for component in components.reversed() {
            if case .key(let key) = component { return key }
        }
        return nil
    }

    public var description: String {
        if components.isEmpty { return "(document)" }
        var out = ""
        for component in components {
            switch component {
            case .index(let i):
                out += "[\(i)]"
            case .key(let key) where Self.isPlain(key):
                if !out.isEmpty { out += "." }
                out += key
            case .key(let key):
                out += "[" + JSONValue.quoted(key) + "]"
            }
        }
        return out
    }

    /// Keys that read unambiguously after a dot: no dots, brackets, quotes, spaces or controls.
    private static func isPlain(_ key: String) -> Bool {
        !key.isEmpty && !key.unicodeScalars.contains { s in
            s == "." || s == "[" || s == "]" || s == "\"" || s == " " || s.value < 0x20
        }
    }

    /// Document order for reports: by component, keys alphabetically, indices numerically.
    public static func < (a: JSONPath, b: JSONPath) -> Bool {
        for (x, y) in zip(a.components, b.components) where x != y {
            switch (x, y) {
            case (.key(let p), .key(let q)): return p < q
            case (.index(let p), .index(let q)): return p < q
            case (.index, .key): return true
            case (.key, .index): return false
            }
        }
        return a.components.count < b.components.count
    }
}
