import FerryCluster
import FerryCore
import FerryRecipes

/// In-place (seed 004's rolling migration), for additive mapping changes: the new fields are
/// put on the same index, then every document not yet at the target version is rewritten where
/// it is, conditionally on its `_seq_no` (a document the application changed meanwhile is taken
/// again by the next pass). Which documents are done is read from the documents themselves:
/// the recipe's `version_field` (e.g. `schema_version`), which the steps set, so a resumed run
/// never transforms a document twice.
struct InPlace {
    let migrator: Migrator
    let plan: MigrationPlan
    let record: RunRecord
    let run: RunContext
    let options: RunOptions

    var client: ClusterClient { migrator.client }
    var recipe: Recipe { migrator.recipe }

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
    func putMapping() throws {
        _ = try Self.pendingQuery(recipe: recipe, targetVersion: plan.targetVersion)
        let live = try client.getMapping(plan.source.index)
        let target = try recipe.indexBody(for: plan.targetVersion)
        let analysis = ModeAnalysis(live: live, target: target, sameVersion: plan.source.version == plan.targetVersion)
        let verdict = analysis.verdict(.inPlace)
        guard verdict.allowed else {
            throw FerryError("in-place is not possible for \(plan.source.version) → \(plan.targetVersion): \(verdict.reason)", hint: "use blue-green (the default)")
        }
        var mapping = target["mappings"]?.objectValue ?? [:]
        mapping["_meta"] = nil
        try client.request(.PUT, RequestPath([plan.source.index, "_mapping"]), body: JSONValue.object(mapping).serializedBytes())
        migrator.say("put the \(plan.targetVersion) fields on \(plan.source.index)")
    }

    /// Passes over the documents still lacking the target version until none is left but the
    /// dead letters; then records the new version in the index's `_meta.ferry`.
    func finish() throws {
        let query = try Self.pendingQuery(recipe: recipe, targetVersion: plan.targetVersion)
        var previous = Int.max
        for pass in 1...max(1, options.maxCatchUpPasses) {
            try client.refresh(plan.source.index)
            let pending = try client.count(plan.source.index, query: query)
            let letters = try migrator.journal.deadLetterCount(record.runID)
            if pending <= letters { break }
            guard pending < previous else {
                throw FerryError("in-place pass \(pass): \(pending) documents still lack \(recipe.versionField!) = \(plan.targetVersion) and the number is not going down; does every step chain set it?")
            }
            previous = pending
            migrator.say("in-place pass \(pass): \(pending) documents still to rewrite (changed during the previous pass)")
            var job = CopyJob(
                sourceIndex: plan.source.index, targetIndex: plan.source.index, steps: plan.steps, recipe: recipe,
                run: run, batch: recipe.batch, slices: [0], sliceCount: 1)
            job.query = query
            job.writeMode = .inPlace
            job.versioned = false
            job.maxFailures = max(0, options.maxErrors - letters)
            job.pointInTime = try migrator.clusterInfo()
            let pipeline = migrator.pipeline(job)
            let runID = record.runID
            let journal = migrator.journal
            try pipeline.run(
                expected: pending, alreadyDone: 0, progress: { migrator.progress("in-place", $0) },
                sliceCompleted: { try journal.recordDeadLetters(runID, slice: -1, $0.failures, replacingSlice: false) })
        }
        let letters = try migrator.journal.deadLetterCount(record.runID)
        if letters > options.maxErrors {
            throw DocumentsFailed(runID: record.runID, recipe: recipe.name, failed: letters, maxErrors: options.maxErrors,
                                  sample: try migrator.journal.deadLetters(record.runID, limit: 10))
        }
        // Only the dead letters may still lack the version, counted by id, not by number.
        let letterIDs = try migrator.journal.deadLetters(record.runID).map { JSONValue.string($0.id) }
        let stillPending: JSONValue = ["bool": ["must": [query], "must_not": [["ids": ["values": .array(letterIDs)]]]]]
        try client.refresh(plan.source.index)
        let remaining = try client.count(plan.source.index, query: stillPending)
        guard remaining == 0 else {
            throw FerryError(
                "in-place: \(remaining) documents of \(plan.source.index) still lack \(recipe.versionField!) = \(plan.targetVersion) after \(options.maxCatchUpPasses) passes; not recording the new version",
                hint: "the application may still be writing old-version documents; `ferry run \(recipe.name)` passes again")
        }
        var meta = try client.getMapping(plan.source.index)["_meta"]?.objectValue ?? [:]
        meta["ferry"] = [
            "recipe": .string(recipe.name), "version": .string(plan.targetVersion),
            "mapping_hash": .string(plan.targetMappingHash), "run_id": .string(record.runID), "in_place": true,
        ]
        try client.request(.PUT, RequestPath([plan.source.index, "_mapping"]), body: JSONValue.object(["_meta": .object(meta)]).serializedBytes())
        migrator.say("\(plan.source.index) is at \(plan.targetVersion) (recorded in its _meta.ferry)")
    }
}
