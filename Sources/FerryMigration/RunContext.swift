import Foundation

/// Identity of one run: its id (recorded in the target's `_meta.ferry`) and the instant it
/// started, which steps read as `ctx.run_started_at` so a transform is deterministic.
public struct RunContext: Sendable {
    public let runID: String
    public let startedAt: Date

    public init(runID: String = RunContext.newRunID(), startedAt: Date = Date()) {
        self.runID = runID
        self.startedAt = startedAt
    }

    /// ISO-8601 in UTC with seconds, e.g. `2026-11-21T04:31:40Z`.
    public var startedAtISO: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: startedAt)
    }

    public static func newRunID() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }
}
