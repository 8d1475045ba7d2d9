import Foundation
import FerryCore

/// What a run did, for the operator.
public struct MigrationReport: Sendable {
    /// `FerryVersion.description`: which ferry (and Lua, libcurl, SQLite) made the run.
    public var version = FerryVersion.description
    public let runID: String
    public let recipe: String
    public let sourceIndex: String
    public let targetIndex: String
    public let path: String
    /// Totals over every slice of the run, including those done before a resume.
    public let totals: SliceTotals
    /// This process's copy pass (throughput figures).
    public let counts: CopyCounts
    public let seconds: Double
    public let copySeconds: Double
    public let preservedIndex: String?
    public var freezeMilliseconds: Int? = nil
    /// CPU this process spent copying, and in the whole run (catch-up scans, verification…).
    public var copyCPUSeconds = 0.0
    public var cpuSeconds = 0.0
    public var catchUp = CatchUpStats()
    /// Dead letters the journal holds for the run (the slices' counts miss a slice that
    /// stopped on failures, and catch-up passes replace letters per document).
    public var deadLetters = 0
    /// Documents in the target at the end.
    public var targetCount = 0
    /// Every copy pass this process ran, with the workers, writers, slices and reader it used.
    public var passes: [PassSummary] = []
    /// The journal's totals of the passes after the first copy, by kind (resumed runs included).
    public var laterPasses: [PassTotals] = []
    /// What `--max-docs-per-second` did, when it was given.
    public var throttle: ThrottleFigures? = nil
    /// Who made the first copy and why, for a mapping-only path.
    public var copyNote: String? = nil

    var writtenText: String { PassTotals.writtenText(copy: totals.written, later: laterPasses) }

    public var docsPerSecond: Double {
        copySeconds > 0 ? Double(counts.read) / copySeconds : 0
    }

    public var lines: [String] {
        var out = [
            "run         \(runID)",
            "ferry       \(version)",
            "recipe      \(recipe): \(path)",
            "source      \(sourceIndex)",
            "target      \(targetIndex) (\(targetCount) documents)",
            "documents   read \(totals.read), \(writtenText), dropped \(totals.dropped), dead letters \(deadLetters)",
            String(format: "time        %.1f s in all, copy %.1f s at %.0f docs/s", seconds, copySeconds, docsPerSecond),
        ]
        if counts.read > 0 {
            out.append(String(format: "cpu         %.2f s copying (%.1f µs per document), %.2f s in all",
                              copyCPUSeconds, copyCPUSeconds / Double(counts.read) * 1e6, cpuSeconds))
        }
        if let copyNote { out.append("copy        \(copyNote)") }
        if counts.alreadyDone > 0 { out.append("resumed     \(counts.alreadyDone) documents were copied before the resume") }
        if catchUp.passes > 0 {
            out.append("catch-up    \(catchUp.passes) pass(es): \(catchUp.copied) documents copied again, \(catchUp.deleted) deletes reconciled; \(catchUp.frozenDelta) changes under the freeze")
        }
        if let freezeMilliseconds {
            out.append("freeze      \(freezeMilliseconds) ms with writes to \(sourceIndex) blocked (it stays blocked as the rollback point)")
            if !catchUp.freeze.method.isEmpty { out += catchUp.freeze.lines }
        }
        if let preservedIndex { out.append("rollback    \(preservedIndex) (copy of the concrete index, unchanged)") }
        if let throttle { out.append(Self.throttleLine(throttle)) }
        out += passLines
        return out
    }

    /// For a one-line summary (a family member's): the limit and the 429 back-offs, if throttled.
    public var throttleSuffix: String {
        guard let t = throttle else { return "" }
        return String(format: ", throttled to %.0f docs/s", t.limit)
            + (t.backOffs > 0 ? String(format: " (slowed %d time(s) on HTTP 429, to %.0f)", t.backOffs, t.lowestRate) : "")
    }

    static func throttleLine(_ t: ThrottleFigures) -> String {
        let waited = t.waited / .seconds(1)
        var line = String(format: "throttle    at most %.0f docs/s (--max-docs-per-second): writers waited %.1f s for their turn over %d bulk request(s)", t.limit, waited, t.requests)
        line += t.backOffs == 0
            ? "; no HTTP 429"
            : String(format: "; slowed %d time(s) on HTTP 429, down to %.0f docs/s", t.backOffs, t.lowestRate)
        return line + "; the frozen pass is not throttled"
    }

    /// One line per kind of pass (catch-up passes together): what it read and wrote, and with
    /// how many workers, writers and slices, reading how.
    var passLines: [String] {
        var order: [String] = []
        var byKind: [String: [PassSummary]] = [:]
        for pass in passes {
            let kind = pass.label.split(separator: " ").first.map(String.init) ?? pass.label
            if byKind[kind] == nil { order.append(kind) }
            byKind[kind, default: []].append(pass)
        }
        return order.map { kind in
            let all = byKind[kind]!
            let last = all[all.count - 1]
            let read = all.reduce(0) { $0 + $1.read }, written = all.reduce(0) { $0 + $1.written }, failed = all.reduce(0) { $0 + $1.failed }
            let times = all.count > 1 ? " ×\(all.count)" : ""
            return "pass        \(kind)\(times): read \(read), written \(written), failed \(failed); \(last.workers) worker(s), \(last.writers) writer(s), \(last.slices) slice(s), \(last.reader) reads, \(last.write)"
        }
    }
}
