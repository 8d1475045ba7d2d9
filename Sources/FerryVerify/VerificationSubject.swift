import FerryCluster
import FerryCore
import FerryJournal
import FerryPipeline
import FerryRecipes

/// What to verify: which index T was applied to, which index should hold the result, and
/// everything needed to recompute T exactly as the run did (its `run_started_at`, the
/// `ctx.index` its steps saw, the documents it dead-lettered).
public struct VerificationSubject: Sendable {
    /// The index the source documents are read from.
    public var sourceIndex: String
    /// `ctx.index` as the run's steps saw it: the run's source index, also when the documents
    /// are read from the preserved copy of an adopted concrete index.
    public var contextIndex: String
    public var sourceVersion: String
    public var targetIndex: String
    public var targetVersion: String
    /// `ctx.run_started_at` of the run.
    public var runStartedAt: String
    public var runID: String?
    /// Documents the run recorded as dead letters: expected absent from the target.
    public var deadLetterIDs: Set<String> = []
    /// Documents the run's steps dropped, from the journal. A sample cannot count them itself.
    public var droppedByRun: Int?
    /// The recipe fingerprint the run started with, to warn when the recipe changed since.
    public var runFingerprint: String?
    /// Said in the report, e.g. "the copy is not finished".
    public var notes: [String] = []

    public init(
        sourceIndex: String, contextIndex: String? = nil, sourceVersion: String, targetIndex: String,
        targetVersion: String, runStartedAt: String, runID: String? = nil
    ) {
        self.sourceIndex = sourceIndex
        self.contextIndex = contextIndex ?? sourceIndex
        self.sourceVersion = sourceVersion
        self.targetIndex = targetIndex
        self.targetVersion = targetVersion
        self.runStartedAt = runStartedAt
        self.runID = runID
    }
}

extension VerificationSubject {
    /// What run `run` migrated. The source is the run's source index, or, once the switch
    /// has turned an adopted concrete index into an alias of its name, the preserved copy.
    public static func of(run: RunRecord, journal: Journal, client: ClusterClient) throws -> VerificationSubject {
        let plan = run.plan
        if run.phase == .abandoned {
            throw FerryError(
                "run \(run.runID) was abandoned and its index \(plan.targetIndex) deleted; there is nothing to verify",
                hint: "run `ferry run \(run.recipe)`, or verify two indices with --source and --target")
        }
        var source = plan.sourceIndex
        if let preserved = plan.preservedIndex, try client.resolve(plan.sourceIndex) != .index {
            source = preserved
        }
        var subject = VerificationSubject(
            sourceIndex: source, contextIndex: plan.sourceIndex, sourceVersion: plan.sourceVersion,
            targetIndex: plan.targetIndex, targetVersion: plan.targetVersion, runStartedAt: run.startedAt,
            runID: run.runID)
        try subject.adopt(run, journal: journal)
        return subject
    }

    /// Two indices named by the operator (`--source`, `--target`). Versions default to the
    /// indices' `_meta.ferry.version`; `run_started_at` to the journaled run whose id the
    /// target's `_meta.ferry.run_id` names.
    public static func between(
        source: String, target: String, from: String?, to: String?, runStartedAt: String?,
        recipe: Recipe, journal: Journal?, client: ClusterClient
    ) throws -> VerificationSubject {
        func meta(_ index: String) throws -> FerryMeta? {
            guard try client.indexExists(index) else {
                throw FerryError("cannot verify: index \(index) does not exist")
            }
            let ferry = FerryMeta(mapping: try client.getMapping(index))
            return ferry?.recipe == recipe.name ? ferry : nil
        }
        let sourceMeta = try meta(source)
        let targetMeta = try meta(target)
        func version(_ given: String?, _ meta: FerryMeta?, _ index: String, _ flag: String) throws -> String {
            guard let version = given ?? meta?.version else {
                throw FerryError(
                    "cannot tell the version of \(index): ferry did not create it for recipe \(recipe.name)",
                    hint: "pass \(flag) VERSION (one of \(recipe.versions.joined(separator: ", ")))")
            }
            try recipe.checkDeclared(version, flag: given == nil ? nil : flag)
            return version
        }
        let fromVersion = try version(from, sourceMeta, source, "--from")
        let toVersion = try version(to, targetMeta, target, "--to")

        let runID = targetMeta?.runID
        let run = try runID.flatMap { id in try journal?.runs(recipe: recipe.name, limit: 1000).first { $0.runID == id } }
        // A mapping-only migration has no steps, so nothing can read ctx.run_started_at.
        let hasSteps = try !recipe.graph.path(from: fromVersion, to: toVersion).isEmpty
        guard let startedAt = runStartedAt ?? run?.startedAt ?? (hasSteps ? nil : "") else {
            throw FerryError(
                "cannot recompute T without the run's run_started_at: \(target) "
                    + (runID.map { "was made by run \($0), which is not in the journal" } ?? "was not made by a ferry run"),
                hint: "pass --run-started-at 2026-01-01T00:00:00Z (what the steps saw as ctx.run_started_at), or --state with the run's journal")
        }
        // The run's steps saw its own source index as ctx.index, also when the operator points
        // --source at the preserved copy of it.
        var context = source
        if let plan = run?.plan, source == plan.sourceIndex || source == plan.preservedIndex {
            context = plan.sourceIndex
        }
        var subject = VerificationSubject(
            sourceIndex: source, contextIndex: context, sourceVersion: fromVersion, targetIndex: target,
            targetVersion: toVersion, runStartedAt: startedAt, runID: run?.runID ?? runID)
        if let run, let journal, runStartedAt == nil || runStartedAt == run.startedAt {
            try subject.adopt(run, journal: journal)
        }
        return subject
    }

    /// Takes the run's dead letters, dropped count and fingerprint from the journal.
    private mutating func adopt(_ run: RunRecord, journal: Journal) throws {
        deadLetterIDs = Set(try journal.deadLetters(run.runID).map(\.id))
        let totals = try journal.totals(run.runID)
        // Catch-up passes drop documents too; the journal's skipped table has them all.
        droppedByRun = try journal.droppedCount(run.runID)
        runFingerprint = run.fingerprint
        if totals.done < totals.slices {
            notes.append("run \(run.runID) is at \(run.phase.rawValue): \(totals.slices - totals.done) of \(totals.slices) slices are not copied yet")
        }
    }
}
