/// In-place (seed 004's rolling migration), for additive mapping changes: the new fields are
/// put on the same index, then every document not yet at the target version is rewritten where
/// it is, conditionally on its `_seq_no` (a document the application changed meanwhile is taken
/// again by the next pass). Which documents are done is read from the documents themselves:
/// the recipe's `version_field` (e.g. `schema_version`), which the steps set, so a resumed run
/// never transforms a document twice.
import FerryCluster
import FerryCore
import FerryRecipes

struct InPlaceStrategy: MigrationStrategy {
    var mode: MigrationMode { .inPlace }

    // MARK: planning

    /// In place, the target is the source index itself (no alias moves, nothing to preserve).
    func targetIndex(source: SourceState, version: String, recipe: Recipe) throws -> String { source.index }
    func preservedIndex(source: SourceState, recipe: Recipe) throws -> String? { nil }
    func isUpToDate(_ plan: MigrationPlan) -> Bool { plan.isAtTargetMapping }

    func verdict(live: JSONValue, target: JSONValue, sameVersion: Bool, recipe: Recipe?) -> ModeAnalysis.Verdict {
        func verdict(_ allowed: Bool, _ reason: String) -> ModeAnalysis.Verdict { .init(mode: mode, allowed: allowed, reason: reason) }
        if sameVersion { return verdict(false, "nothing to change in place") }
        let changes = ModeAnalysis.nonAdditiveChanges(live["properties"] ?? [:], target["mappings"]?["properties"] ?? [:], path: "")
        if !changes.isEmpty {
            let shown = changes.prefix(3).joined(separator: "; ")
            return verdict(false, "not additive: \(shown)\(changes.count > 3 ? "; …" : "")")
        }
        if let analysis = target["settings"]?["index"]?["analysis"] ?? target["settings"]?["analysis"] {
            return verdict(false, "the target declares analysis settings (\(analysis.objectValue?.keys.sorted().joined(separator: ", ") ?? "")), which an open index cannot change")
        }
        if let recipe, recipe.versionField == nil { return verdict(false, "the recipe declares no version_field") }
        return verdict(true, "the change is additive: every existing field keeps its definition")
    }

    func plannedActions(_ plan: MigrationPlan) -> [String] {
        [
            "put the \(plan.targetVersion) fields on \(plan.source.index) (no new index, no alias change)",
            "rewrite each document lacking \(plan.recipe.versionField ?? "?") = \(plan.targetVersion), if unchanged since read (if_seq_no)",
            "record version \(plan.targetVersion) in \(plan.source.index)'s _meta.ferry",
        ]
    }

    // MARK: running

    func createTarget(_ scope: RunScope) throws { try putMapping(scope) }
    var copyWrite: any WritePolicy { ConditionalUpdateWrite() }

    func copySelection(_ scope: RunScope) throws -> JSONValue? {
        try Self.pendingQuery(recipe: scope.recipe, targetVersion: scope.plan.targetVersion)
    }

    func afterCopy(_ scope: RunScope) throws -> Phase {
        try finish(scope)
        return .verified
    }

    /// Nothing moves: the index is the one the aliases already name.
    func switchOver(_ scope: RunScope) throws -> Phase { .switched }

    // MARK: undoing and status

    func reasonNotToAbandon(_ record: RunRecord) -> String? {
        guard record.phase > .validating else { return nil }
        return "run \(record.runID) rewrites \(record.plan.sourceIndex) in place; documents already rewritten cannot be un-rewritten"
    }

    var noRollbackPoint: String? { "the documents were rewritten where they are" }

    func statusNote(_ run: RunRecord, recipe: Recipe) -> String? {
        guard run.phase > .validating, run.phase < .switched else { return nil }
        return "in place: documents of \(run.plan.sourceIndex) are rewritten where they are; the aliases do not move"
    }

    // MARK: the work

    /// Documents not yet at `targetVersion`.
    static func pendingQuery(recipe: Recipe, targetVersion: String) throws -> JSONValue {
        guard let field = recipe.versionField else {
            throw FerryError(
                "in-place needs the recipe to declare version_field (a field the steps set to the document's version)",
                hint: "add e.g. version_field = \"schema_version\" to \(recipe.folder)/recipe.lua, or use blue-green")
        }
        return ["bool": ["must_not": [["term": [field: .string(targetVersion)]]]]]
    }

    /// Checks the change is additive and puts the target version's fields on the index. Idempotent.
    private func putMapping(_ scope: RunScope) throws {
        let (client, recipe, plan) = (scope.client, scope.recipe, scope.plan)
        _ = try Self.pendingQuery(recipe: recipe, targetVersion: plan.targetVersion)
        let live = try client.getMapping(plan.source.index)
        let target = try recipe.indexBody(for: plan.targetVersion)
        let verdict = self.verdict(live: live, target: target, sameVersion: plan.source.version == plan.targetVersion, recipe: recipe)
        guard verdict.allowed else {
            throw FerryError("in-place is not possible for \(plan.source.version) → \(plan.targetVersion): \(verdict.reason)", hint: "use blue-green (the default)")
        }
        var mapping = target["mappings"]?.objectValue ?? [:]
        mapping["_meta"] = nil
        try client.request(.PUT, RequestPath([plan.source.index, "_mapping"]), body: JSONValue.object(mapping).serializedBytes())
        scope.say("put the \(plan.targetVersion) fields on \(plan.source.index)")
    }

    /// Passes over the documents still lacking the target version until none is left but the
    /// dead letters; then records the new version in the index's `_meta.ferry`.
    private func finish(_ scope: RunScope) throws {
        let (client, recipe, plan, options, journal) = (scope.client, scope.recipe, scope.plan, scope.options, scope.journal)
        let query = try Self.pendingQuery(recipe: recipe, targetVersion: plan.targetVersion)
        var previous = Int.max
        for pass in 1...max(1, options.maxCatchUpPasses) {
            try client.refresh(plan.source.index)
            let pending = try client.count(plan.source.index, query: query)
            let letters = try journal.deadLetterCount(scope.runID)
            if pending <= letters { break }
            guard pending < previous else {
                throw FerryError("in-place pass \(pass): \(pending) documents still lack \(recipe.versionField!) = \(plan.targetVersion) and the number is not going down; does every step chain set it?")
            }
            previous = pending
            scope.say("in-place pass \(pass): \(pending) documents still to rewrite (changed during the previous pass)")
            try scope.copy(scope.pass("in-place \(pass)", write: ConditionalUpdateWrite(), query: query, expected: pending))
        }
        let letters = try journal.deadLetterCount(scope.runID)
        if letters > options.maxErrors {
            throw DocumentsFailed(runID: scope.runID, recipe: recipe.name, failed: letters, maxErrors: options.maxErrors,
                                  sample: try journal.deadLetters(scope.runID, limit: 10))
        }
        // Only the dead letters may still lack the version, counted by id, not by number.
        let letterIDs = try journal.deadLetters(scope.runID).map { JSONValue.string($0.id) }
        let stillPending: JSONValue = ["bool": ["must": [query], "must_not": [["ids": ["values": .array(letterIDs)]]]]]
        try client.refresh(plan.source.index)
        let remaining = try client.count(plan.source.index, query: stillPending)
        guard remaining == 0 else {
            throw FerryError(
                "in-place: \(remaining) documents of \(plan.source.index) still lack \(recipe.versionField!) = \(plan.targetVersion) after \(options.maxCatchUpPasses) passes; not recording the new version",
                hint: "the application may still be writing old-version documents; `ferry run \(recipe.name)` passes again")
        }
        let meta = FerryMeta(recipe: recipe.name, version: plan.targetVersion, mappingHash: plan.targetMappingHash, runID: scope.runID, inPlace: true)
        let mapping = meta.written(into: ["_meta": try client.getMapping(plan.source.index)["_meta"] ?? [:]])
        try client.request(.PUT, RequestPath([plan.source.index, "_mapping"]), body: mapping.serializedBytes())
        scope.say("\(plan.source.index) is at \(plan.targetVersion) (recorded in its _meta.ferry)")
    }
}
