/// Where each `key = value` of the table constructors in a Lua source is, so a manifest error
/// can say `recipe.lua:LINE`. Evaluated tables keep no line numbers, so this reads the text:
/// a small tokenizer (comments, short and long strings) and a walk of the `{ ... }` nesting.
/// A table built in pieces (`local steps = {...}; return { steps = steps }`) is still found:
/// a key path is matched by its longest common suffix with the recorded ones.
struct LuaKeyLines {
    struct Occurrence {
        /// From the outermost constructor of its statement, e.g. [steps, 2, script].
        let path: [ManifestPathSegment]
        let line: Int
    }

    private(set) var occurrences: [Occurrence] = []

    init(source: String) {
        occurrences = Self.walk(Self.tokens(Array(source.utf8)))
    }

    /// The line of `path`'s last key, or nil when the text has no such key.
    func line(of path: [ManifestPathSegment]) -> Int? {
        guard let last = path.last else { return nil }
        // Longest common suffix wins; among equals, the exact path (a top-level `size` is not batch's).
        var best: (score: Int, exact: Bool, line: Int)?
        for occurrence in occurrences where occurrence.path.last == last {
            let score = zip(occurrence.path.reversed(), path.reversed()).prefix { $0 == $1 }.count
            let exact = occurrence.path == path
            if best == nil || (score, exact ? 1 : 0) > (best!.score, best!.exact ? 1 : 0) { best = (score, exact, occurrence.line) }
        }
        return best?.line
    }

    // MARK: Tokens

    enum Token: Equatable {
        case name(String)
        case string(String)
        case symbol(String)   // { } ( ) [ ] , ; = and the rest, one or two characters
        case other            // numbers and operators the walk does not need
    }

    static func tokens(_ s: [UInt8]) -> [(Token, Int)] {
        var out: [(Token, Int)] = []
        var i = 0
        var line = 1
        func at(_ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        /// `[[`, `[=[`...: the number of `=` when a long bracket opens at `k`, else nil.
        func longOpen(_ k: Int) -> Int? {
            guard at(k) == UInt8(ascii: "[") else { return nil }
            var level = 0
            while at(k + 1 + level) == UInt8(ascii: "=") { level += 1 }
            return at(k + 1 + level) == UInt8(ascii: "[") ? level : nil
        }
        /// Skips a long bracket body opened at `i` with `level`; returns its text.
        func skipLong(_ level: Int) -> String {
            i += level + 2
            let start = i
            while i < s.count {
                if s[i] == UInt8(ascii: "]") {
                    var k = 0
                    while at(i + 1 + k) == UInt8(ascii: "=") { k += 1 }
                    if k == level, at(i + 1 + k) == UInt8(ascii: "]") {
                        let text = String(decoding: s[start..<i], as: UTF8.self)
                        i += level + 2
                        return text
                    }
                }
                if s[i] == UInt8(ascii: "\n") { line += 1 }
                i += 1
            }
            return String(decoding: s[start...], as: UTF8.self)
        }
        while i < s.count {
            let c = s[i]
            if c == UInt8(ascii: "\n") { line += 1; i += 1; continue }
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            if c == UInt8(ascii: "-"), at(i + 1) == UInt8(ascii: "-") {
                i += 2
                if let level = longOpen(i) { _ = skipLong(level); continue }
                while i < s.count, s[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            }
            if let level = longOpen(i) {
                let startLine = line
                out.append((.string(skipLong(level)), startLine))
                continue
            }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                let startLine = line
                i += 1
                var bytes: [UInt8] = []
                while i < s.count, s[i] != c {
                    if s[i] == UInt8(ascii: "\\") { i += 1 }
                    if at(i) == UInt8(ascii: "\n") { line += 1 }
                    if i < s.count { bytes.append(s[i]) }
                    i += 1
                }
                i += 1
                out.append((.string(String(decoding: bytes, as: UTF8.self)), startLine))
                continue
            }
            if c == UInt8(ascii: "_") || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) {
                let start = i
                while i < s.count, s[i] == UInt8(ascii: "_") || (s[i] | 0x20 >= UInt8(ascii: "a") && s[i] | 0x20 <= UInt8(ascii: "z"))
                    || (s[i] >= UInt8(ascii: "0") && s[i] <= UInt8(ascii: "9")) { i += 1 }
                out.append((.name(String(decoding: s[start..<i], as: UTF8.self)), line))
                continue
            }
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                while i < s.count, s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: "_")
                    || (s[i] | 0x20 >= UInt8(ascii: "a") && s[i] | 0x20 <= UInt8(ascii: "z"))
                    || (s[i] >= UInt8(ascii: "0") && s[i] <= UInt8(ascii: "9")) { i += 1 }
                out.append((.other, line))
                continue
            }
            let pair = String(decoding: [c, at(i + 1)], as: UTF8.self)
            if ["==", "~=", "<=", ">=", "..", "::", "//", "<<", ">>"].contains(pair) {
                out.append((.symbol(pair), line))
                i += 2
                continue
            }
            out.append((.symbol(String(decoding: [c], as: UTF8.self)), line))
            i += 1
        }
        return out
    }

    // MARK: Table constructors

    private struct Frame {
        let isTable: Bool
        let path: [ManifestPathSegment]
        var atFieldStart = true
        var positional = 0
        var currentKey: ManifestPathSegment?
    }

    private static func walk(_ tokens: [(Token, Int)]) -> [Occurrence] {
        var out: [Occurrence] = []
        var stack: [Frame] = []
        var i = 0
        func token(_ k: Int) -> Token? { k < tokens.count ? tokens[k].0 : nil }
        /// The path a `{` opened here belongs to.
        func childPath() -> [ManifestPathSegment] {
            guard let table = stack.last(where: \.isTable) else { return [] }
            return table.path + (table.currentKey.map { [$0] } ?? [])
        }
        while i < tokens.count {
            let (tok, line) = tokens[i]
            if var top = stack.last, top.isTable, top.atFieldStart, tok != .symbol("}") {
                top.atFieldStart = false
                if case .name(let key) = tok, token(i + 1) == .symbol("=") {
                    top.currentKey = .key(key)
                    out.append(Occurrence(path: top.path + [.key(key)], line: line))
                    stack[stack.count - 1] = top
                    i += 2
                    continue
                }
                if tok == .symbol("["), case .string(let key)? = token(i + 1), token(i + 2) == .symbol("]"),
                   token(i + 3) == .symbol("=") {
                    top.currentKey = .key(key)
                    out.append(Occurrence(path: top.path + [.key(key)], line: line))
                    stack[stack.count - 1] = top
                    i += 4
                    continue
                }
                if tok == .symbol("[") {
                    top.currentKey = nil   // [expr] = value: a computed key
                } else {
                    top.positional += 1
                    top.currentKey = .index(top.positional)
                }
                stack[stack.count - 1] = top
            }
            switch tok {
            case .symbol("{"):
                stack.append(Frame(isTable: true, path: childPath()))
            case .symbol("("), .symbol("["):
                stack.append(Frame(isTable: false, path: []))
            case .symbol("}"), .symbol(")"), .symbol("]"):
                if !stack.isEmpty { stack.removeLast() }
            case .symbol(","), .symbol(";"):
                if let top = stack.last, top.isTable {
                    stack[stack.count - 1].atFieldStart = true
                    stack[stack.count - 1].currentKey = nil
                }
            default:
                break
            }
            i += 1
        }
        return out
    }
}
