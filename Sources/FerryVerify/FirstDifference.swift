import FerryCore

/// Where two JSON documents first differ: the first of `JSONDiff`'s changes (FerryCore), in
/// document order — enough to point an operator at the field.
struct FirstDifference: Sendable, Equatable {
    /// `metadata.word_count`, `tags[2]`, `["odd key"]`; empty for the whole document.
    let path: String
    /// nil: absent on that side.
    let expected: JSONValue?
    let actual: JSONValue?

    static func between(expected: JSONValue, actual: JSONValue) -> FirstDifference? {
        guard let change = JSONDiff.changes(from: expected, to: actual).first else { return nil }
        return FirstDifference(path: change.path.isRoot ? "" : change.path.description, expected: change.old, actual: change.new)
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
