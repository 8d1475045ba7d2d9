/// Blue-green, the default: copy into a new index while the application writes to the old
/// one, catch up, freeze writes briefly, verify, switch both aliases at once.
import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

struct BlueGreenStrategy: MigrationStrategy {
    var mode: MigrationMode { .blueGreen }

    func verdict(live: JSONValue, target: JSONValue, sameVersion: Bool, recipe: Recipe?) -> ModeAnalysis.Verdict {
        ModeAnalysis.Verdict(mode: mode, allowed: true, reason: "always: a new index, a short write freeze at the switch")
    }

    func plannedActions(_ plan: MigrationPlan) -> [String] {
        let (recipe, target) = (plan.recipe, plan.targetIndex)
        var lines = ["create \(target) (\(plan.targetVersion) mapping, bulk-load settings)"]
        if let preserved = plan.preservedIndex { lines.append("copy the concrete index \(plan.source.index) as it is into \(preserved) (rollback point)") }
        lines += [
            "copy \(plan.source.index) → \(target) through \(plan.pathDescription); catch-up passes while the application writes",
            "block writes to \(plan.source.index), final delta and id/version check, then one _aliases call:",
            plan.source.isConcreteIndex ? "  remove index \(plan.source.index); add \(recipe.readAlias) → \(target)" : "  \(recipe.readAlias): \(plan.source.index) → \(target)",
            "  \(recipe.writeAlias) → \(target) (write index); \(plan.source.index) stays write-blocked as the rollback point",
        ]
        return lines
    }

    func createTarget(_ scope: RunScope) throws { try scope.createTargets() }
    var copyWrite: any WritePolicy { VersionedIndexWrite() }
    func afterCopy(_ scope: RunScope) throws -> Phase { .catchingUp }

    /// Catch-up passes while the application writes, then the freeze; under it the exact
    /// delta, the rollback copy kept in step, and verification.
    func catchUp(_ phase: Phase, _ scope: RunScope) throws -> Phase {
        let block = scope.writeBlock
        if phase == .catchingUp {
            try CatchUp(scope: scope).passes(&scope.figures.catchUp)
            try block.freezeWrites(scope.plan.source.index, record: scope.record)
            return .frozen
        }
        // Idempotent: after a resume the block may have been lifted by hand.
        try block.freezeWrites(scope.plan.source.index, record: scope.record)
        try CatchUp(scope: scope).frozenPass(&scope.figures.catchUp)
        if let rollbackCopy = CatchUp.forRollbackCopy(of: scope) {
            var copyStats = CatchUpStats()
            try rollbackCopy.frozenPass(&copyStats)
        }
        try scope.verify(stableCount: true)
        try scope.verifyContent()
        return .verified
    }

    /// Everything verified assumed writes were blocked; if the block is gone (lifted by hand),
    /// catch up and freeze again rather than switch on a moving source.
    func switchOver(_ scope: RunScope) throws -> Phase {
        let (client, plan, journal) = (scope.client, scope.plan, scope.journal)
        let switched = try client.resolve(scope.recipe.readAlias) == .alias(indices: [plan.targetIndex])
        guard try switched || scope.writeBlock.isWriteBlocked(plan.source.index) else { return .catchingUp }
        try scope.switchAliases()
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
        guard phase == .frozen || phase == .verified else { return }
        scope.writeBlock.liftFreezeAfterFailure(scope.plan, record: scope.record, cause: error)
    }
}
