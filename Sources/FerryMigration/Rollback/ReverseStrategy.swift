/// A rollback run after a switch: a migration in reverse restricted to the delta. Its plan's
/// source is the new index, its target the rollback point (the old index, which holds
/// everything up to the switch), its steps the recipe's reverse path. Only documents written,
/// updated or deleted in the new index since the switch move; the freeze, the exact check and
/// the atomic alias switch are the forward run's.
import Foundation
import FerryCluster
import FerryCore
import FerryRecipes
import FerryJournal
import FerryPipeline
import FerryVerify

struct ReverseStrategy: MigrationStrategy {
    /// The mode of the run being undone (its rules for status and abandoning do not apply).
    let forwardMode: MigrationMode
    var mode: MigrationMode { forwardMode }

    func verdict(live: JSONValue, target: JSONValue, sameVersion: Bool, recipe: Recipe?) -> ModeAnalysis.Verdict {
        ModeAnalysis.Verdict(mode: mode, allowed: true, reason: "the reverse of a switch")
    }

    func plannedActions(_ plan: MigrationPlan) -> [String] {
        let (recipe, new, old) = (plan.recipe, plan.source.index, plan.targetIndex)
        return [
            "copy what changed in \(new) since the switch back into \(old) through \(plan.pathDescription), with \(new)'s _version; delete what was deleted",
            "catch-up passes while the application writes to \(new); block writes to \(new); exact id/version check",
            "one _aliases call: \(recipe.readAlias) and \(recipe.writeAlias) → \(old); \(new) stays write-blocked",
        ]
    }

    func rollbackMeaning(_ plan: MigrationPlan) -> String {
        "the writes since go forward again into \(plan.source.index) through the forward steps"
    }

    /// The old index exists (the rollback point) and takes the copy: its write block, set at the
    /// forward switch, is lifted for ferry's writes. No alias names it until the switch back, so
    /// the application cannot reach it meanwhile.
    func createTarget(_ scope: RunScope) throws {
        let (client, old) = (scope.client, scope.plan.targetIndex)
        guard try client.indexExists(old) else {
            throw FerryError("cannot roll back: the previous index \(old) is gone (cleaned up?)",
                             hint: "a new migration to \(scope.plan.targetVersion) is the way back now")
        }
        try RollbackFreeze.keepBlocked(old, scope: scope)
    }

    var copyWrite: any WritePolicy { VersionedIndexWrite() }

    /// Everything that changed since the switch, found by comparing ids and versions (every
    /// document of the new index carries the version it had in the old one, unless the
    /// application wrote it since), copied back and deleted.
    func firstCopy(_ scope: RunScope) throws {
        let catchUp = CatchUp(scope: scope)
        // The catch-up passes select what changes from here on (by _seq_no or changed_field).
        try DeltaSelector.markCopyStart(scope)
        try catchUp.refreshBoth()
        let delta = try catchUp.scanner.scan(source: scope.plan.source.index, target: scope.plan.targetIndex)
        let message = "changed in \(scope.plan.source.index) since the switch: \(delta.toCopy.count + delta.lowerVersion.count) written or updated, \(delta.toDelete.count) deleted"
        try scope.journal.event(scope.runID, .copying, message)
        scope.say(message)
        try scope.timedCopy {
            var stats = CatchUpStats()
            try catchUp.apply(delta, frozen: false, &stats)
            scope.figures.catchUp.copied += stats.copied
            scope.figures.catchUp.deleted += stats.deleted
            var counts = CopyCounts()
            counts.read = stats.copied
            return counts
        }
    }

    func afterCopy(_ scope: RunScope) throws -> Phase { .catchingUp }

    /// What follows is a blue-green run's, on the reversed plan: catch-up passes while the
    /// application writes to the new index, the bounded freeze of the new index, the exact
    /// id/version check under it, and the switch back in one `_aliases` call (the plan's
    /// source is the new index and its write-alias index, so that call moves both aliases to
    /// the old index). The new index stays write-blocked, as the forward run's source did.
    private var forwardMachinery: BlueGreenStrategy { BlueGreenStrategy() }

    func catchUp(_ phase: Phase, _ scope: RunScope) throws -> Phase {
        try forwardMachinery.catchUp(phase, scope)
    }

    /// The switch back; then the forward run is ROLLED_BACK (before SWITCHED is journaled, so
    /// a rollback killed in between does it again, harmlessly).
    func switchOver(_ scope: RunScope) throws -> Phase {
        let old = scope.plan.targetIndex
        try RollbackFreeze.liftForSwitchBack(old, scope: scope)
        let next = try forwardMachinery.switchOver(scope)
        if next != .switched { try RollbackFreeze.keepBlocked(old, scope: scope) }
        if next == .switched, let forward = scope.plan.rollbackOf {
            try scope.journal.setPhase(forward, .rolledBack, "rolled back by run \(scope.runID): \(scope.recipe.readAlias) → \(scope.plan.targetIndex)")
        }
        return next
    }

    /// A failure under the freeze of the new index lifts it (the aliases still point there).
    func recover(from error: any Error, in phase: Phase, scope: RunScope) {
        forwardMachinery.recover(from: error, in: phase, scope: scope)
    }

    func reasonNotToAbandon(_ record: RunRecord) -> String? {
        "run \(record.runID) is a rollback of run \(record.plan.rollbackOf ?? "?"); `ferry rollback` finishes it"
    }

    func statusNote(_ run: RunRecord, recipe: Recipe) -> String? {
        guard !run.phase.isFinal, run.phase < .switched else { return nil }
        return "rolling back run \(run.plan.rollbackOf ?? "?"): what changed in \(run.plan.sourceIndex) since the switch goes back into \(run.plan.targetIndex) through the reverse steps"
    }
}
