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

    /// After the backfill the old index holds only documents that failed (dead letters).
    func verifyOldIndexDrained(options: RunOptions) throws {
        try client.refresh(plan.source.index)
        let remaining = try client.count(plan.source.index)
        let letters = try migrator.journal.deadLetterCount(record.runID)
        guard remaining <= letters else {
            throw FerryError(
                "\(remaining) documents are still in \(plan.source.index) after the backfill (\(letters) dead letters); something wrote to the old index",
                hint: "`ferry run \(recipe.name)` copies them on a new pass only with --restart; check what writes to \(plan.source.index) directly")
        }
        migrator.say("backfill done: \(plan.source.index) holds \(remaining) document(s) (dead letters)")
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
