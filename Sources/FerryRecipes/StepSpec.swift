/// One edge of the version graph: a script that turns a `from` document into a `to`
/// document, or no script at all (a mapping-only edge: the same document under a new mapping).
public struct StepSpec: Sendable, Hashable {
    public let from: String
    public let to: String
    /// Path of the script, including the recipe folder; nil for a mapping-only edge.
    public let script: String?

    public init(from: String, to: String, script: String?) {
        self.from = from
        self.to = to
        self.script = script
    }

    /// True when the edge changes only the mapping: documents are copied as they are.
    public var isMappingOnly: Bool { script == nil }

    public var label: String { "\(from)→\(to)" }

    /// The script, or "mapping only" for an edge without one, for messages.
    public var scriptDisplay: String { script ?? "mapping only" }
}
