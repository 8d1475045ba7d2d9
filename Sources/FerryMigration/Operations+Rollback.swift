import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

extension Operations {
    /// `ferry rollback` with the defaults; returns what was done.
    public func rollback(cluster: ClusterConfig) throws -> String {
        try rollback(cluster: cluster, options: RollbackOptions()).summary
    }

    /// Before the switch: abandons the run (deletes its new index). After: the rollback of the
    /// (old index, new index) pair (`PairRollback`): an alias flip when nothing changed since
    /// the switch, else a rollback run through the reverse steps, or a refusal. An unfinished
    /// rollback run is continued.
    public func rollback(
        cluster: ClusterConfig, options: RollbackOptions, say: @escaping (String) -> Void = { _ in },
        progress: @escaping (String, CopyCounts) -> Void = { _, _ in }
    ) throws -> RollbackOutcome {
        // A family's runs are per member: its latest run is one member's, not the family's.
        guard recipe.family == nil else {
            throw FerryError("recipe \(recipe.name) is an index family: its rollback is member by member, then the template",
                             hint: "`ferry rollback \(recipe.name)` (Operations.rollbackFamily)")
        }
        if options.restart, let open = try journal.latestRun(recipe: recipe.name), open.plan.rollbackOf != nil, !open.phase.isFinal {
            try abandonRollback(open, cluster: cluster, freezeGuard: options.freezeGuard, say: say)
        }
        guard let run = try runToRollBack(), !run.phase.isFinal || run.phase == .completed else {
            throw FerryError("nothing to roll back: recipe \(recipe.name) has no run in progress or completed",
                             hint: "`ferry status \(recipe.name)` shows where it stands")
        }
        if run.plan.rollbackOf != nil, !run.phase.isFinal {
            return try resumeRollback(run, cluster: cluster, options: options, say: say, progress: progress)
        }
        if run.phase < .switched {
            let lease = try Lease.acquire(alias: recipe.readAlias, runID: "rollback-\(run.runID)", cluster: cluster, ttl: .seconds(60))
            defer { lease.release() }
            let migrator = try Migrator(recipe: recipe, cluster: cluster, journal: journal)
            let deleted = try migrator.abandon(run, reason: "rolled back before the switch")
            var outcome = RollbackOutcome(kind: .abandoned)
            outcome.lines = ["abandoned run \(run.runID) before the switch; " + (try afterAbandonLine(run, deleted: deleted))]
            return outcome
        }
        let old = try run.plan.strategyForRollback.rollbackIndex(of: run)
        return try pair(run, old: old, cluster: cluster, say: say, progress: progress).rollBack(options)
    }

    /// What the SIGINT/SIGTERM handler of `ferry rollback` calls: lifts a block the rollback
    /// set on the new index (unless the aliases already moved back) and names `ferry rollback`.
    public func rollbackInterrupter(cluster: ClusterConfig, freezeGuard: FreezeGuard) -> RunInterrupter {
        RunInterrupter(recipe: recipe.name, readAlias: recipe.readAlias, cluster: cluster, journalPath: journal.path, guard: freezeGuard, command: "rollback")
    }

    func pair(
        _ forward: RunRecord, old: String, cluster: ClusterConfig, member: FamilyMemberContext? = nil, heldLease: Lease? = nil,
        say: @escaping (String) -> Void, progress: @escaping (String, CopyCounts) -> Void
    ) throws -> PairRollback {
        PairRollback(
            forward: forward, old: old, new: forward.plan.targetIndex, recipe: recipe, cluster: cluster, journal: journal,
            client: client, say: say, progress: progress, member: member, heldLease: heldLease)
    }

    /// The same command again after an interruption: the rollback run continues at its phase.
    func resumeRollback(
        _ record: RunRecord, cluster: ClusterConfig, options: RollbackOptions, member: FamilyMemberContext? = nil,
        heldLease: Lease? = nil, say: @escaping (String) -> Void, progress: @escaping (String, CopyCounts) -> Void
    ) throws -> RollbackOutcome {
        guard record.fingerprint == (try recipe.fingerprint()) else {
            throw FerryError(
                "recipe \(recipe.name) changed since rollback run \(record.runID) started (\(record.phase.rawValue)); it cannot be continued with different steps",
                hint: "restore the recipe and run `ferry rollback \(recipe.name)` again, or `ferry rollback \(recipe.name) --restart` to start the rollback over with the recipe as it is")
        }
        let forward = try forwardRun(of: record)
        let forwardID = forward.runID
        let migrator = try Migrator(recipe: recipe, cluster: cluster, journal: journal)
        let plan = try migrator.plan(from: record)
        let unit = try pair(forward, old: record.plan.targetIndex, cluster: cluster, member: member, heldLease: heldLease, say: say, progress: progress)
        say("continuing rollback run \(record.runID) of run \(forwardID) at \(record.phase.rawValue)")
        return try unit.execute(record, plan, options: options)
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

extension PlanRecord {
    /// The rules of the mode the run was made in (a rollback run's own rollback goes forward).
    var strategyForRollback: any MigrationStrategy { MigrationMode(record: self).strategy }
}
