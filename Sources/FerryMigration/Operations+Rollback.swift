import Foundation
import FerryCluster
import FerryCore
import FerryRecipes
import FerryJournal
import FerryPipeline
import FerryVerify

extension Operations {
    /// Before the switch: abandons the run (deletes its new index). After: one atomic
    /// `_aliases` call back to the previous index, refusing when that index is gone.
    /// Returns a line describing what was done.
    public func rollback(cluster: ClusterConfig) throws -> String {
        guard let run = try journal.latestRun(recipe: recipe.name), !run.phase.isFinal || run.phase == .completed else {
            throw FerryError("nothing to roll back: recipe \(recipe.name) has no run in progress or completed",
                             hint: "`ferry status \(recipe.name)` shows where it stands")
        }
        let lease = try Lease.acquire(alias: recipe.readAlias, runID: "rollback-\(run.runID)", cluster: cluster, ttl: .seconds(60))
        defer { lease.release() }
        if run.phase < .switched {
            let migrator = try Migrator(recipe: recipe, cluster: cluster, journal: journal)
            try migrator.abandon(run, reason: "rolled back before the switch")
            return "abandoned run \(run.runID) before the switch; deleted \(run.plan.targetIndex); \(recipe.readAlias) still → \(run.plan.sourceIndex)"
        }
        let previous = try MigrationMode(record: run.plan).strategy.rollbackIndex(of: run)
        guard try client.indexExists(previous) else {
            throw FerryError("cannot roll back run \(run.runID): the previous index \(previous) is gone (cleaned up?)",
                             hint: "a new migration to the older version is the way back now")
        }
        // The rollback point is write-blocked after a blue-green switch; the application
        // writes to it again once the aliases point back.
        try client.putSettings(previous, body: ["index": ["blocks": ["write": .null]]])
        let actions = AliasActions(recipe: recipe).switchBack(from: run.plan.targetIndex, to: previous)
        try client.updateAliases(actions)
        try journal.setPhase(run.runID, .rolledBack, "aliases switched back to \(previous)")
        return "rolled back run \(run.runID): \(recipe.readAlias) and \(recipe.writeAlias) → \(previous); \(run.plan.targetIndex) is kept (writes made to it since the switch are not in \(previous))"
    }
}
