/// Starting, resuming and reporting a rollback run: a run like any other (journaled phase by
/// phase, resumed by the same command, shown by `ferry status`), driven by `RunExecution`.
import Foundation
import FerryCluster
import FerryCore
import FerryRecipes
import FerryJournal
import FerryPipeline

extension PairRollback {
    /// Journals a new rollback run: source the new index, target the old one, the reverse path.
    /// No slices: its first copy is the delta since the switch, not a sliced full copy.
    func beginRun(steps: [StepSpec]) throws -> (RunRecord, MigrationPlan) {
        let context = RunContext()
        let source = SourceState(
            index: new, version: forward.plan.targetVersion, evidence: .meta, isConcreteIndex: false,
            writeAliasIndices: member.map { $0.holdsWriteAlias ? [new] : [] } ?? [new], createdByFerry: true)
        var plan = MigrationPlan(
            recipe: recipe, source: source, targetVersion: forward.plan.sourceVersion, steps: steps,
            targetIndex: old, preservedIndex: nil)
        plan.mode = MigrationMode(record: forward.plan)
        plan.rollbackOf = forward.runID
        plan.familyRun = member?.familyRunID
        plan.targetMappingHash = try recipe.mappingHash(for: plan.targetVersion)
        try Migrator.validate(plan, recipe: recipe, run: context)
        let record = RunRecord(
            runID: context.runID, recipe: recipe.name, readAlias: recipe.readAlias, fingerprint: try recipe.fingerprint(),
            plan: PlanRecord(plan), phase: .validating, sliceCount: 0, startedAt: context.startedAtISO)
        try journal.begin(record)
        say("rollback run \(record.runID): bringing what changed in \(new) since the switch back into \(old) through \(plan.pathDescription)")
        return (record, plan)
    }

    /// Drives a rollback run (new or interrupted) to the end and gathers its figures.
    func execute(_ record: RunRecord, _ plan: MigrationPlan, options: RollbackOptions) throws -> RollbackOutcome {
        let migrator = try Migrator(recipe: recipe, cluster: cluster, journal: journal, freezeGuard: options.freezeGuard)
        migrator.say = say
        migrator.progress = progress
        let report: MigrationReport
        if let heldLease {
            report = try migrator.drive(record, plan, lease: heldLease, options: options.run)
        } else {
            report = try migrator.execute(.resume(record, plan), options: options.run)
        }
        var outcome = RollbackOutcome(kind: .reversed)
        outcome.rollbackRunID = record.runID
        outcome.broughtBack = report.passes.reduce(0) { $0 + $1.written }
        outcome.deleted = report.catchUp.deleted
        outcome.dropped = try journal.droppedCount(record.runID)
        outcome.failed = try journal.deadLetterCount(record.runID)
        outcome.freezeMilliseconds = report.freezeMilliseconds
        outcome.seconds = report.seconds
        outcome.lines = [
            "rolled back run \(forward.runID) with rollback run \(record.runID): \(try aliasesBack()); \(new) is kept, write-blocked",
            "  brought back \(outcome.broughtBack) document(s) through \(plan.pathDescription), deleted \(outcome.deleted); the reverse steps dropped \(outcome.dropped) and failed \(outcome.failed) (`ferry deadletters \(recipe.name)`)",
            "  writes to \(new) blocked for \(outcome.freezeMilliseconds.map { "\($0) ms" } ?? "?") at the end; \(String(format: "%.1f", outcome.seconds)) s in all",
        ]
        return outcome
    }
}
