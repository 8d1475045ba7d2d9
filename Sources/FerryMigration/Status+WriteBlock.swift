import Foundation
import FerryCluster
import FerryCore

/// `ferry status` and the write block: whatever the phase, if the index the application
/// writes to is blocked (by its `index.blocks.write` setting, or by the journal's "block set"
/// not yet followed by "block lifted"), status says WRITES ARE BLOCKED and names the command
/// that lifts the block.
extension Operations {
    public func status() throws -> StatusReport {
        var report = try phaseStatus()
        let run = report.run.flatMap { $0.phase < .switched ? $0 : nil }
        var candidates = report.writeAliasIndices
        if let run, !candidates.contains(run.plan.sourceIndex) { candidates.append(run.plan.sourceIndex) }
        var notes: [String] = []
        for index in candidates where try client.indexExists(index) {
            let setting = try WriteBlock.isBlocked(index, client: client)
            let journaled = try run.flatMap { $0.plan.sourceIndex == index ? try journal.frozenAt($0.runID) : nil }
            if setting {
                report.writesBlocked.append(index)
                let since = journaled.map { " since \(Self.time($0)) (the journal recorded the block)" }
                    ?? " (index.blocks.write is set; the journal has no block of a run in progress: set by hand, or before a crash)"
                notes.append("WRITES TO \(index) ARE BLOCKED\(since): the application's writes are refused")
            } else if let journaled {
                notes.append("the journal records a write block on \(index) set at \(Self.time(journaled)), but the index has none (lifted by hand, or the request never reached the cluster); writes are accepted")
            }
        }
        guard !notes.isEmpty else { return report }
        report.explanation = (notes + [report.explanation]).joined(separator: "; ")
        if !report.writesBlocked.isEmpty {
            let name = recipe.name
            if let run, run.plan.rollbackOf != nil {
                // A rollback run's block is on the new index; the same command finishes it.
                report.nextCommand = "ferry rollback \(name) --yes  (continues the rollback run)"
            } else if run != nil {
                report.nextCommand = "ferry run \(name) --yes" + (report.deadLetters > 0 ? " --max-errors \(report.deadLetters)" : "")
                    + "  now (finishes: catches up, verifies and switches)  or  ferry rollback \(name) --yes  (lifts the block)"
            } else {
                report.nextCommand = report.writesBlocked.map { "PUT \($0)/_settings {\"index.blocks.write\": null}" }.joined(separator: "; ")
                    + "  (no run in progress set it; lift it once you know why it is there)"
            }
        }
        return report
    }

    private static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
