import FerryCore
import FerryJournal
import FerryPipeline

/// Where two JSON documents first differ, walking keys in sorted order: enough to point an
/// operator at the field (FerryAuthoring's JSONDiff lists every change, but FerryMigration
/// does not depend on that module, and verification needs only the first one).
struct FirstDifference: Sendable, Equatable {
    /// `metadata.word_count`, `tags[2]`, `["odd key"]`; empty for the whole document.
    let path: String
    /// nil: absent on that side.
    let expected: JSONValue?
    let actual: JSONValue?

    static func between(expected: JSONValue, actual: JSONValue) -> FirstDifference? {
        walk(expected, actual, path: "")
    }

    private static func walk(_ expected: JSONValue?, _ actual: JSONValue?, path: String) -> FirstDifference? {
        if expected == actual { return nil }
        switch (expected, actual) {
        case (.object(let e)?, .object(let a)?):
            for key in Set(e.keys).union(a.keys).sorted() {
                if let found = walk(e[key], a[key], path: member(path, key)) { return found }
            }
        case (.array(let e)?, .array(let a)?):
            for i in 0..<max(e.count, a.count) {
                let found = walk(i < e.count ? e[i] : nil, i < a.count ? a[i] : nil, path: "\(path)[\(i)]")
                if let found { return found }
            }
        default:
            break
        }
        return FirstDifference(path: path, expected: expected, actual: actual)
    }

    private static func member(_ path: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        if plain { return path.isEmpty ? key : "\(path).\(key)" }
        return "\(path)[\(JSONValue.quoted(key))]"
    }

    /// `expected 9, got 10`, `expected absent, got "x"`.
    var detail: String {
        "expected \(Self.show(expected)), got \(Self.show(actual))"
    }

    static func show(_ value: JSONValue?, limit: Int = 60) -> String {
        guard let value else { return "absent" }
        let text = value.serialized(sortedKeys: true)
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…"
    }
}
