import FerryCore

/// The keys `recipe.lua` may use, level by level: the one place to add a manifest key. A key
/// that is not here is a mistake (`lookup = ...` for `lookups`), reported with the closest
/// known key and the line it is on, before anything reads the manifest's values.
indirect enum ManifestShape: Sendable {
    /// Any value; not looked into (a canary's query, a version string).
    case value
    /// A table with exactly these keys (each optional here; ManifestReader says what is required).
    case table([String: ManifestShape])
    /// A list whose items all have this shape.
    case list(ManifestShape)
    /// A table whose keys the author chooses (lookup names), each value of this shape.
    case named(ManifestShape)

    /// `recipe.lua`, as docs/recipes in the README describe it.
    static let recipe: ManifestShape = .table([
        "name": .value,
        "description": .value,
        "aliases": .table(["read": .value, "write": .value]),
        "versions": .value,
        "steps": .list(.table(["from": .value, "to": .value, "script": .value])),
        "lookups": .named(.table(["sql": .value, "database": .value, "table": .value, "key": .value])),
        "batch": .table(["size": .value, "bytes": .value]),
        "version_field": .value,
        "changed_field": .value,
        "canaries": .list(.table([
            "name": .value, "query": .value, "compare": .value, "size": .value, "expect": .value,
        ])),
        "transforms": .value,
        "family": .table(["pattern": .value, "template": .value]),
    ])
}

/// A key of `recipe.lua` that its level does not know.
struct UnknownManifestKey: Equatable {
    /// Where the key is, e.g. `steps[2].scritp` as segments.
    let path: [ManifestPathSegment]
    let key: String
    /// The keys its level knows, sorted.
    let known: [String]

    /// `steps[2]`, or "the recipe" at the top.
    var owner: String {
        let parent = ManifestPathSegment.text(path.dropLast())
        return parent.isEmpty ? "the recipe" : parent
    }

    /// The known key a typo most likely meant.
    var suggestion: String? { EditDistance.closest(to: key, among: known) }
}

/// One step into a manifest: a key, or a 1-based list position (Lua's numbering).
enum ManifestPathSegment: Hashable, Sendable {
    case key(String)
    case index(Int)

    static func text<S: Sequence>(_ path: S) -> String where S.Element == ManifestPathSegment {
        var out = ""
        for segment in path {
            switch segment {
            case .key(let k): out += out.isEmpty ? k : ".\(k)"
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }
}

extension ManifestShape {
    /// The levels where `key` is known, as a person writes them ("batch", "steps[n]",
    /// "lookups.<name>"), for a key put at the wrong level.
    func levels(knowing key: String, at path: String = "") -> [String] {
        switch self {
        case .value:
            return []
        case .table(let members):
            var found = members[key] != nil && !path.isEmpty ? [path] : []
            for (name, shape) in members.sorted(by: { $0.key < $1.key }) {
                found += shape.levels(knowing: key, at: path.isEmpty ? name : "\(path).\(name)")
            }
            return found
        case .list(let item):
            return item.levels(knowing: key, at: "\(path)[n]")
        case .named(let item):
            return item.levels(knowing: key, at: "\(path).<name>")
        }
    }

    /// The first unknown key in document order (keys sorted within a table), or nil. Values
    /// of the wrong type are left to ManifestReader, which names the expected type.
    func firstUnknownKey(in value: JSONValue, at path: [ManifestPathSegment] = []) -> UnknownManifestKey? {
        switch self {
        case .value:
            return nil
        case .table(let members):
            guard let object = value.objectValue else { return nil }
            for key in object.keys.sorted() {
                guard let shape = members[key] else {
                    return UnknownManifestKey(path: path + [.key(key)], key: key, known: members.keys.sorted())
                }
                if let found = shape.firstUnknownKey(in: object[key]!, at: path + [.key(key)]) { return found }
            }
            return nil
        case .list(let item):
            guard let items = value.arrayValue else { return nil }
            for (i, element) in items.enumerated() {
                if let found = item.firstUnknownKey(in: element, at: path + [.index(i + 1)]) { return found }
            }
            return nil
        case .named(let item):
            guard let object = value.objectValue else { return nil }
            for key in object.keys.sorted() {
                if let found = item.firstUnknownKey(in: object[key]!, at: path + [.key(key)]) { return found }
            }
            return nil
        }
    }
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring letters (`alaises` → `aliases` is 1) each cost one.
public enum EditDistance {
    /// The candidate a typo most likely meant: the nearest one within max(2, a third of the
    /// word's length), else nil (then listing the candidates helps more than a guess).
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, between(word.lowercased(), $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, word.count / 3) ? best.0 : nil
    }

    public static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
