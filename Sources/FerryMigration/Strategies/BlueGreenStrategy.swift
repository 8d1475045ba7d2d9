/// Blue-green, the default: copy into a new index while the application writes to the old
/// one, catch up, freeze writes briefly, verify, switch both aliases at once.
import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

struct BlueGreenStrategy: MigrationStrategy {
    var mode: MigrationMode { .blueGreen }
    var migratesFamilyMembers: Bool { true }

    func verdict(live: JSONValue, target: JSONValue, sameVersion: Bool, recipe: Recipe?) -> ModeAnalysis.Verdict {
        ModeAnalysis.Verdict(mode: mode, allowed: true, reason: "always: a new index, a short write freeze at the switch")
    }

    func plannedActions(_ plan: MigrationPlan) -> [String] {
        let (recipe, target) = (plan.recipe, plan.targetIndex)
        var lines = ["create \(target) (\(plan.targetVersion) mapping, bulk-load settings)"]
        if let preserved = plan.preservedIndex { lines.append("copy the concrete index \(plan.source.index) as it is into \(preserved) (rollback point)") }
        lines += [
            "copy \(plan.source.index) → \(target) through \(plan.pathDescription); catch-up passes while the application writes",
            "block writes to \(plan.source.index) (at most --max-freeze): " + Self.freezeWork(recipe) + ", then one _aliases call:",
            plan.source.isConcreteIndex ? "  remove index \(plan.source.index); add \(recipe.readAlias) → \(target)" : "  \(recipe.readAlias): \(plan.source.index) → \(target)",
            "  \(recipe.writeAlias) → \(target) (write index); \(plan.source.index) stays write-blocked as the rollback point",
        ]
        return lines
    }

    func createTarget(_ scope: RunScope) throws { try scope.createTargets() }
    var copyWrite: any WritePolicy { VersionedIndexWrite() }
    func afterCopy(_ scope: RunScope) throws -> Phase { .catchingUp }

    /// What the work under the block will be, for the plan (see `CatchUp.frozenPass`; `ferry plan` adds
    /// which `DeltaSelector` the cluster allows).
    static func freezeWork(_ recipe: Recipe) -> String {
        if let field = recipe.changedField {
            return "what changed since the last catch-up pass (by \(field)) applied, counts for deletes (an id check only if they disagree)"
        }
        return "what changed since the last catch-up pass (by _seq_no, if the cluster passes the probe; else every id and version of both indices) applied, counts for deletes (an id check only if they disagree)"
    }

    func plannedFreezeDelta(_ plan: MigrationPlan, client: ClusterClient) -> String? {
        let selector = DeltaSelector.choose(recipe: plan.recipe, client: client, source: plan.source.index)
        return "catch-up and the freeze select changes by \(selector.summary): \(selector.reason)"
            + (selector.method == .exactScan ? "; the freeze grows with the index" : "")
    }

    /// The checkpoint the first catch-up pass selects from, before the copy reads anything.
    func beforeCopy(_ scope: RunScope) throws {
        try DeltaSelector.markCopyStart(scope)
    }

    func catchUp(_ phase: Phase, _ scope: RunScope) throws -> Phase {
        if phase == .catchingUp {
            try CatchUp(scope: scope).passes(&scope.figures.catchUp)
            try scope.checkBeforeFreeze()
            return try scope.freezeAfterCatchUp()
        }
        return try scope.frozenPhase()
    }

    /// Everything verified assumed writes were blocked; if the block is gone (lifted by hand),
    /// catch up and freeze again rather than switch on a moving source.
    func switchOver(_ scope: RunScope) throws -> Phase {
        let journal = scope.journal
        guard try scope.switchUnderTheBlock() else { return .catchingUp }
        Failpoints.hit("after-switch")
        if let frozenAt = try journal.frozenAt(scope.runID) {
            let window = Int(Lease.nowMilliseconds() - frozenAt)
            scope.figures.freezeMilliseconds = window
            try journal.setFreezeWindow(scope.runID, milliseconds: window)
        }
        return .switched
    }

    /// Never leave the application blocked because this run failed: if writes are frozen and
    /// the aliases have not moved, lift the block and go back to catching up (the next attempt
    /// freezes again). A kill -9 cannot get here: the same command lifts it by finishing the run.
    func recover(from error: any Error, in phase: Phase, scope: RunScope) {
        guard scope.mayHoldTheBlock(phase, after: error) else { return }
        scope.writeBlock.liftFreezeAfterFailure(scope.plan, record: scope.record, cause: error)
    }
}
