/// Which run a rollback is about, and giving up an unfinished rollback run (`--restart`).
import FerryCluster
import FerryCore
import FerryJournal

extension Operations {
    /// The recipe's latest run, except that an abandoned rollback run stands for the run it
    /// was undoing (still switched, still to roll back).
    func runToRollBack() throws -> RunRecord? {
        guard let latest = try journal.latestRun(recipe: recipe.name) else { return nil }
        guard latest.plan.rollbackOf != nil, latest.phase == .abandoned else { return latest }
        return try forwardRun(of: latest)
    }

    func forwardRun(of rollback: RunRecord) throws -> RunRecord {
        guard let id = rollback.plan.rollbackOf,
              let forward = try journal.runs(recipe: recipe.name, limit: 1_000).first(where: { $0.runID == id })
        else { throw FerryError("journal: rollback run \(rollback.runID) names no run it undoes") }
        return forward
    }

    /// Stops an unfinished rollback run for good: a write block it set on the new index is
    /// lifted (unless the aliases already moved back: then it cannot be given up, only
    /// finished), the old index is write-blocked again as the rollback point, and the run is
    /// ABANDONED. What it already copied back stays: a new rollback compares again.
    func abandonRollback(
        _ run: RunRecord, cluster: ClusterConfig, member: FamilyMemberContext? = nil, heldLease: Lease? = nil,
        freezeGuard: FreezeGuard = FreezeGuard(), say: @escaping (String) -> Void
    ) throws {
        let (new, old) = (run.plan.sourceIndex, run.plan.targetIndex)
        let unit = try pair(forwardRun(of: run), old: old, cluster: cluster, member: member, say: say, progress: { _, _ in })
        if try unit.switchedBack() {
            throw FerryError("rollback run \(run.runID) already switched the aliases back to \(old); it cannot be restarted",
                             hint: "`ferry rollback \(recipe.name)` finishes it")
        }
        let lease = try heldLease ?? Lease.acquire(alias: recipe.readAlias, runID: run.runID, cluster: cluster, ttl: .seconds(60))
        defer { if heldLease == nil { lease.release() } }
        let block = RollbackFreeze.writeBlock(client, cluster, journal, freezeGuard, say: say)
        if try journal.frozenAt(run.runID) != nil {
            try RollbackFreeze.unfreeze(new, block, record: run)
        }
        try RollbackFreeze.blockAgain(old, client: client, journal: journal, record: run)
        try journal.setPhase(run.runID, .abandoned, "rollback abandoned by --restart; \(old) write-blocked again as the rollback point")
        say("abandoned rollback run \(run.runID); \(old) is write-blocked again; starting the rollback over")
    }
}
