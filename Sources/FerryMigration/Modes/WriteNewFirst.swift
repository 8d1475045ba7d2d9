import FerryCluster
import FerryCore
import FerryRecipes

/// Write-new-first (seed 002): the write alias moves to the new index before the backfill, the
/// read alias spans both; the backfill creates documents with `op_type=create` (a document the
/// application wrote to the new index first wins) and deletes each copied one from the old
/// index; at the end the old index leaves the read alias and, empty, is deleted.
struct WriteNewFirst {
    let migrator: Migrator
    let plan: MigrationPlan
    let record: RunRecord

    var client: ClusterClient { migrator.client }
    var recipe: Recipe { migrator.recipe }

    /// One atomic `_aliases` call: writes go to the new index, reads see both. Idempotent.
    func moveWriteAlias() throws {
        guard !plan.source.isConcreteIndex else {
            throw FerryError(
                "write-new-first needs '\(recipe.readAlias)' to be an alias, but it is a concrete index",
                hint: "adopt it with the default blue-green mode first")
        }
        let writeTargets = try client.aliasEntries(name: recipe.writeAlias).filter { $0.isWriteIndex == true || recipe.writeAlias != recipe.readAlias }
        if writeTargets.map(\.index) == [plan.targetIndex] { return }
        var actions: [AliasAction] = []
        if recipe.writeAlias == recipe.readAlias {
            actions.append(.add(index: plan.source.index, alias: recipe.readAlias, isWriteIndex: false))
            actions.append(.add(index: plan.targetIndex, alias: recipe.readAlias, isWriteIndex: true))
        } else {
            for index in plan.source.writeAliasIndices {
                actions.append(.remove(index: index, alias: recipe.writeAlias))
            }
            actions.append(.add(index: plan.targetIndex, alias: recipe.writeAlias, isWriteIndex: true))
            actions.append(.add(index: plan.targetIndex, alias: recipe.readAlias, isWriteIndex: nil))
        }
        try client.updateAliases(actions)
        migrator.say("moved \(recipe.writeAlias) to \(plan.targetIndex); \(recipe.readAlias) spans \(plan.source.index) and \(plan.targetIndex)")
    }

    /// After the backfill the old index must hold only dead letters. Documents the sliced
    /// pass missed (slices of different points in time, a write in flight at the alias move)
    /// are taken by further passes over whatever is left, until nothing but dead letters remains.
    func drainOldIndex(run: RunContext, options: RunOptions) throws {
        var previous = Int.max
        for pass in 0...max(1, options.maxCatchUpPasses) {
            let letterIDs = try migrator.journal.deadLetters(record.runID).map { JSONValue.string($0.id) }
            let left: JSONValue = ["bool": ["must_not": [["ids": ["values": .array(letterIDs)]]]]]
            try client.refresh(plan.source.index)
            let remaining = try client.count(plan.source.index, query: left)
            if remaining == 0 {
                migrator.say("backfill done: \(plan.source.index) holds only its \(letterIDs.count) dead letter(s)")
                return
            }
            guard pass < options.maxCatchUpPasses, remaining < previous else {
                throw FerryError(
                    "\(remaining) documents are still in \(plan.source.index) after \(pass) extra backfill pass(es); something keeps writing to the old index",
                    hint: "check what writes to \(plan.source.index) by name; `ferry run \(recipe.name)` passes again")
            }
            previous = remaining
            migrator.say("backfill pass \(pass + 1): \(remaining) document(s) left in \(plan.source.index)")
            var job = CopyJob(
                sourceIndex: plan.source.index, targetIndex: plan.targetIndex, steps: plan.steps, recipe: recipe, run: run,
                batch: recipe.batch, slices: [0], sliceCount: 1)
            job.query = left
            job.writeMode = .createThenDeleteSource
            job.versioned = false
            job.maxFailures = max(0, options.maxErrors - letterIDs.count)
            let pipeline = migrator.pipeline(job)
            let journal = migrator.journal
            let runID = record.runID
            try pipeline.run(
                expected: remaining, alreadyDone: 0, progress: { migrator.progress("backfill", $0) },
                sliceCompleted: { try journal.recordDeadLetters(runID, slice: -1, $0.failures, replacingSlice: false) })
        }
    }

    /// The old index leaves the read alias; deleted when empty, kept (with its dead letters) otherwise.
    func retireOldIndex() throws {
        let aliases = try client.aliasesOfIndex(plan.source.index)
        if !aliases.isEmpty {
            try client.updateAliases(aliases.map { .remove(index: plan.source.index, alias: $0) })
        }
        let remaining = try client.count(plan.source.index)
        if remaining == 0 {
            try client.deleteIndex(plan.source.index)
            migrator.say("\(plan.source.index) left \(recipe.readAlias) and, empty, was deleted")
        } else {
            migrator.say("\(plan.source.index) left \(recipe.readAlias); kept with its \(remaining) dead-letter document(s)")
        }
    }
}
