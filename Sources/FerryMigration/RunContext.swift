import Foundation

/// Identity of one run: its id (recorded in the target's `_meta.ferry` and the journal) and
/// the instant it started, which steps read as `ctx.run_started_at`. A resumed run keeps both,
/// so the documents it writes are the same as an uninterrupted run's.
public struct RunContext: Sendable {
    public let runID: String
    /// ISO-8601 in UTC with seconds, e.g. `2026-11-21T04:31:40Z`.
    public let startedAtISO: String

    public init(runID: String = RunContext.newRunID(), startedAtISO: String = RunContext.nowISO()) {
        self.runID = runID
        self.startedAtISO = startedAtISO
    }

    public static func newRunID() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    public static func nowISO() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
