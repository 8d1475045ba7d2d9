import Foundation
import FerryCore

/// CPU time this process has used (user + system), in seconds: the runner's own cost, as
/// opposed to the wall time, which the cluster's ingest usually decides.
public func processCPUSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

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

    public static func nowISO() -> String { ISODate.now() }
}
