/// Write-new-first (seed 002): the write alias moves to the new index before the backfill, the
/// read alias spans both; the backfill creates documents with `op_type=create` (a document the
/// application wrote to the new index first wins) and deletes each copied one from the old
/// index; at the end the old index leaves the read alias and, empty, is deleted.
import FerryCluster
import FerryCore
import FerryRecipes

struct WriteNewFirstStrategy: MigrationStrategy {
    var mode: MigrationMode { .writeNewFirst }

    func verdict(live: JSONValue, target: JSONValue, sameVersion: Bool, recipe: Recipe?) -> ModeAnalysis.Verdict {
        ModeAnalysis.Verdict(mode: mode, allowed: true, reason: "if the application writes new-version documents from the start and deletes through both indices")
    }

    func plannedActions(_ plan: MigrationPlan) -> [String] {
        let (recipe, target) = (plan.recipe, plan.targetIndex)
        return [
            "create \(target); one _aliases call: \(recipe.writeAlias) → \(target), \(recipe.readAlias) → \(plan.source.index) + \(target)",
            "backfill with op_type=create (live writes win), deleting each copied document from \(plan.source.index)",
            "\(plan.source.index) leaves \(recipe.readAlias) and, empty, is deleted",
        ]
    }

    func createTarget(_ scope: RunScope) throws { try scope.createTargets() }
    func beforeCopy(_ scope: RunScope) throws { try moveWriteAlias(scope) }
    var copyWrite: any WritePolicy { CreateThenDeleteSourceWrite() }

    func afterCopy(_ scope: RunScope) throws -> Phase {
        try drainOldIndex(scope)
        // The application writes to the target: there is no count to hold (the old index
        // draining is the check).
        try scope.verify(stableCount: false)
        return .verified
    }

    func switchOver(_ scope: RunScope) throws -> Phase {
        try retireOldIndex(scope)
        return .switched
    }

    func reasonNotToAbandon(_ record: RunRecord) -> String? {
        guard record.phase > .targetCreated else { return nil }
        return "run \(record.runID) is write-new-first and has moved the write alias: the application writes to \(record.plan.targetIndex), so abandoning it would lose those writes"
    }

    var noRollbackPoint: String? { "the old index was drained into the new one" }

    func statusNote(_ run: RunRecord, recipe: Recipe) -> String? {
        guard run.phase > .targetCreated, run.phase < .switched else { return nil }
        return "write-new-first: the application writes to \(run.plan.targetIndex); \(recipe.readAlias) spans \(run.plan.sourceIndex) and \(run.plan.targetIndex) until the backfill ends"
    }

    /// One atomic `_aliases` call: writes go to the new index, reads see both. Idempotent.
    private func moveWriteAlias(_ scope: RunScope) throws {
        let (client, recipe, plan) = (scope.client, scope.recipe, scope.plan)
        guard !plan.source.isConcreteIndex else {
            throw FerryError(
                "write-new-first needs '\(recipe.readAlias)' to be an alias, but it is a concrete index",
                hint: "adopt it with the default blue-green mode first")
        }
        let writeTargets = try client.aliasEntries(name: recipe.writeAlias).filter { $0.isWriteIndex == true || recipe.writeAlias != recipe.readAlias }
        if writeTargets.map(\.index) == [plan.targetIndex] { return }
        try client.updateAliases(scope.aliases.moveWrites(from: plan.source, to: plan.targetIndex))
        scope.say("moved \(recipe.writeAlias) to \(plan.targetIndex); \(recipe.readAlias) spans \(plan.source.index) and \(plan.targetIndex)")
    }

    /// After the backfill the old index must hold only dead letters. Documents the sliced
    /// pass missed (slices of different points in time, a write in flight at the alias move)
    /// are taken by further passes over whatever is left, until nothing but dead letters remains.
    private func drainOldIndex(_ scope: RunScope) throws {
        let (client, plan, options) = (scope.client, scope.plan, scope.options)
        var previous = Int.max
        for pass in 0...max(1, options.maxCatchUpPasses) {
            let letterIDs = try scope.journal.deadLetters(scope.runID).map { JSONValue.string($0.id) }
            let left: JSONValue = ["bool": ["must_not": [["ids": ["values": .array(letterIDs)]]]]]
            try client.refresh(plan.source.index)
            let remaining = try client.count(plan.source.index, query: left)
            if remaining == 0 {
                scope.say("backfill done: \(plan.source.index) holds only its \(letterIDs.count) dead letter(s)")
                return
            }
            guard pass < options.maxCatchUpPasses, remaining < previous else {
                throw FerryError(
                    "\(remaining) documents are still in \(plan.source.index) after \(pass) extra backfill pass(es); something keeps writing to the old index",
                    hint: "check what writes to \(plan.source.index) by name; `ferry run \(scope.recipe.name)` passes again")
            }
            previous = remaining
            scope.say("backfill pass \(pass + 1): \(remaining) document(s) left in \(plan.source.index)")
            try scope.copy(scope.pass("backfill", write: CreateThenDeleteSourceWrite(), query: left, expected: remaining))
        }
    }

    /// The old index leaves the read alias; deleted when empty, kept (with its dead letters) otherwise.
    private func retireOldIndex(_ scope: RunScope) throws {
        let (client, plan, recipe) = (scope.client, scope.plan, scope.recipe)
        let aliases = try client.aliasesOfIndex(plan.source.index)
        if !aliases.isEmpty {
            try client.updateAliases(scope.aliases.remove(plan.source.index, from: aliases))
        }
        let remaining = try client.count(plan.source.index)
        if remaining == 0 {
            try client.deleteIndex(plan.source.index)
            scope.say("\(plan.source.index) left \(recipe.readAlias) and, empty, was deleted")
        } else {
            scope.say("\(plan.source.index) left \(recipe.readAlias); kept with its \(remaining) dead-letter document(s)")
        }
    }
}
