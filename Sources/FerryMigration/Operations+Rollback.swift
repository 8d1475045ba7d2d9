import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

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
            let deleted = try migrator.abandon(run, reason: "rolled back before the switch")
            return "abandoned run \(run.runID) before the switch; " + (try afterAbandonLine(run, deleted: deleted))
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

    /// What the cluster confirms after an abandon: the deletes it acknowledged, and where the
    /// read alias points now (asked again, not assumed).
    func afterAbandonLine(_ run: RunRecord, deleted: [String]) throws -> String {
        let target = run.plan.targetIndex
        let gone = !deleted.isEmpty ? "deleted \(deleted.joined(separator: ", "))"
            : try client.indexExists(target) ? "kept \(target): its _meta.ferry does not name run \(run.runID)"
            : "\(target) was not in the cluster (nothing to delete)"
        let alias: String
        switch try client.resolve(recipe.readAlias) {
        case .alias(let indices): alias = "\(recipe.readAlias) → \(indices.joined(separator: ", "))"
        case .index: alias = "\(recipe.readAlias) is an index, not an alias"
        case .missing: alias = "\(recipe.readAlias) does not exist in the cluster (`ferry status \(recipe.name)` says what to do)"
        }
        return "\(gone); \(alias)"
    }
}
