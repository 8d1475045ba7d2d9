import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

/// Blocking and unblocking writes to the source around a blue-green switch, under the guard
/// (signals) and the deadline (`--max-freeze`).
extension Migrator {
    /// Blocks writes to the source and starts the freeze's clock: from here every request of
    /// the run has a timeout derived from what is left of `maxFreeze`.
    func freezeWrites(_ index: String, record: RunRecord, maxFreeze: Duration) throws {
        try freezeGuard.whileNotInterrupted {
            freezeGuard.blockSet(FreezeGuard.Block(index: index, runID: record.runID, recipe: recipe.name))
            try writeBlock.set(index, runID: record.runID, phase: record.phase, client: client)
        }
        let frozenAt = try journal.frozenAt(record.runID) ?? Lease.nowMilliseconds()
        freezeDeadline = Date(timeIntervalSince1970: Double(frozenAt) / 1000 + maxFreeze.inSeconds)
        say("froze writes to \(index)")
    }

    /// Lifts the block (see `WriteBlock.lift`) and stops the freeze's clock.
    func unfreezeWrites(_ index: String, record: RunRecord, reason: String) throws {
        try writeBlock.lift(index, runID: record.runID, phase: record.phase, reason: reason)
        freezeGuard.blockLifted()
        freezeDeadline = nil
        say("lifted the write block on \(index)")
    }

    /// After a failure under the freeze: lifts the block unless the aliases already moved, and
    /// only then journals the return to CATCHING_UP (the next attempt freezes again). If the
    /// lift fails, the journal keeps the phase and the "block set", so `status` says so.
    func liftFreezeAfterFailure(_ plan: MigrationPlan, record: RunRecord, cause: any Error) {
        freezeDeadline = nil
        if (try? WriteBlock.liftingClient(cluster).resolve(recipe.readAlias)) == .alias(indices: [plan.targetIndex]) { return }
        do {
            try unfreezeWrites(plan.source.index, record: record, reason: "failed under the freeze (\(cause))")
            try journal.setPhase(record.runID, .catchingUp, "failed under the freeze; the write block is lifted")
        } catch {
            say("COULD NOT LIFT THE WRITE BLOCK on \(plan.source.index): \(error); run `ferry rollback \(recipe.name)` or PUT \(plan.source.index)/_settings {\"index.blocks.write\": null}")
        }
    }

    /// True once the freeze's deadline has passed (a request failing at it may end a few
    /// milliseconds early: curl's timeout is rounded to milliseconds).
    var freezePastDeadline: Bool {
        freezeDeadline.map { $0.timeIntervalSinceNow < 0.05 } ?? false
    }

    func isWriteBlocked(_ index: String) throws -> Bool {
        try WriteBlock.isBlocked(index, client: client)
    }

    var writeBlock: WriteBlock { WriteBlock(cluster: cluster, journal: journal) }

    /// What the SIGINT/SIGTERM handler calls, from its own thread.
    public var interrupter: RunInterrupter {
        RunInterrupter(recipe: recipe.name, readAlias: recipe.readAlias, cluster: cluster, journalPath: journal.path, guard: freezeGuard)
    }
}
