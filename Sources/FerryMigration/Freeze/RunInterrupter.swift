import Foundation
import FerryCluster
import FerryCore

/// What SIGINT and SIGTERM do to a run, on the signal handler's thread: stop the run from
/// setting the block or switching, lift a block this process set (unless the aliases have
/// already moved) through a client and a journal connection of its own, and say what happened
/// and what to run next. The caller prints the lines and exits (130 or 143).
public struct RunInterrupter: Sendable {
    let recipe: String
    let readAlias: String
    let cluster: ClusterConfig
    let journalPath: String
    let `guard`: FreezeGuard
    /// The command that continues: `run`, or `rollback` when a rollback is interrupted.
    var command = "run"

    /// The index being unblocked right now, for a second signal to name.
    public var blockedIndex: String? { `guard`.currentBlock?.index }

    public func interrupt(signal: String) -> [String] {
        guard let block = `guard`.interrupt(signal: signal) else {
            return ["interrupted by \(signal); writes are not blocked; the journal holds the run's state",
                    "next: `ferry \(command) \(recipe) --yes` continues where it stopped"]
        }
        var lines = ["interrupted by \(signal) while writes to \(block.index) were blocked"]
        do {
            let client = try WriteBlock.liftingClient(cluster)
            let journal = try Journal(path: journalPath)
            let run = try journal.run(id: block.runID)
            let resolved = try client.resolve(readAlias)
            let switched: Bool
            if let plan = run?.plan, block.index == plan.sourceIndex {
                // A run's own freeze (forward, or a rollback run's of the new index).
                switched = resolved.hasSwitched(from: plan.sourceIndex, to: plan.targetIndex)
            } else if case .alias(let indices) = resolved {
                // A rollback's flip froze the forward run's new index: done once the aliases left it.
                switched = !indices.isEmpty && !indices.contains(block.index)
            } else {
                switched = false
            }
            if switched {
                return lines + ["the aliases no longer point to \(block.index): the switch is done; \(block.index) stays blocked as the rollback point",
                                "next: `ferry \(command) \(recipe) --yes` records the completion"]
            }
            try WriteBlock.lift(
                block.index, runID: block.runID, phase: run?.phase ?? .frozen, reason: "interrupted by \(signal)", cluster: cluster, journal: journal)
            // The run that set the block goes back to catching up; a switched run whose new
            // index a rollback froze for the flip keeps its phase.
            if let run, run.phase < .switched {
                try journal.setPhase(block.runID, .catchingUp, "interrupted by \(signal) under the freeze; the write block is lifted")
            }
            lines.append("lifted the write block on \(block.index) (the cluster confirmed it); the application can write again")
            lines.append(command == "run"
                ? "next: `ferry run \(recipe) --yes` catches up, freezes again and switches; or `ferry rollback \(recipe) --yes`"
                : "next: `ferry rollback \(recipe) --yes` continues the rollback (it catches up, freezes \(block.index) again and switches back)")
        } catch {
            lines.append("COULD NOT LIFT THE WRITE BLOCK on \(block.index): \(error)")
            lines.append("next: `ferry rollback \(recipe) --yes` lifts it (or PUT \(block.index)/_settings {\"index.blocks.write\": null})")
        }
        return lines
    }
}
