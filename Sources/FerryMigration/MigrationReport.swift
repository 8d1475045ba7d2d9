import Foundation

/// What a run did, for the operator and for `--json`.
public struct MigrationReport: Sendable {
    public let recipe: String
    public let sourceIndex: String
    public let targetIndex: String
    public let path: String
    public let counts: CopyCounts
    public let targetCount: Int
    public let seconds: Double
    public let copySeconds: Double
    public let preservedIndex: String?

    public var docsPerSecond: Double {
        copySeconds > 0 ? Double(counts.read) / copySeconds : 0
    }

    public var lines: [String] {
        var out = [
            "recipe      \(recipe): \(path)",
            "source      \(sourceIndex)",
            "target      \(targetIndex) (\(targetCount) documents)",
            "documents   read \(counts.read), written \(counts.written), dropped \(counts.dropped), failed \(counts.failed)",
            String(format: "time        %.1f s in all, copy %.1f s at %.0f docs/s", seconds, copySeconds, docsPerSecond),
        ]
        if counts.retriedItems > 0 { out.append("retried     \(counts.retriedItems) bulk items after HTTP 429") }
        if let preservedIndex { out.append("rollback    \(preservedIndex) (copy of the concrete index, unchanged)") }
        return out
    }
}
