/// A migration mode as one type: its plan text and mode analysis, the work of each phase,
/// what may be undone, and what `status` adds. `MigrationMode.strategy` is the one place that
/// picks it; nothing else asks which mode a run is in. docs/architecture.md: adding a mode.
import FerryCluster
import FerryCore
import FerryRecipes

protocol MigrationStrategy: Sendable {
    var mode: MigrationMode { get }

    // MARK: planning

    /// The index the run writes into: a new index by default.
    func targetIndex(source: SourceState, version: String, recipe: Recipe) throws -> String
    /// The copy of an adopted concrete index kept as the rollback point, if the mode keeps one.
    func preservedIndex(source: SourceState, recipe: Recipe) throws -> String?
    /// Whether the live index is already what the plan would make.
    func isUpToDate(_ plan: MigrationPlan) -> Bool
    /// Whether a mapping change allows this mode, and why. `recipe` is nil when only the
    /// mappings are known.
    func verdict(live: JSONValue, target: JSONValue, sameVersion: Bool, recipe: Recipe?) -> ModeAnalysis.Verdict
    /// What a run in this mode would do, one line each, for `ferry plan`.
    func plannedActions(_ plan: MigrationPlan) -> [String]
    /// For modes that freeze writes: how the delta under the block will be selected on this
    /// cluster and why (it probes; read-only), for `ferry plan`.
    func plannedFreezeDelta(_ plan: MigrationPlan, client: ClusterClient) -> String?

    // MARK: running (the run loop calls `perform`, which calls these by phase)

    /// VALIDATING, after the recipe is validated: create the index the run writes into.
    func createTarget(_ scope: RunScope) throws
    /// TARGET_CREATED: anything before the copy (write-new-first moves the write alias).
    func beforeCopy(_ scope: RunScope) throws
    /// COPYING: how the first copy writes, and which documents it selects (nil: all).
    var copyWrite: any WritePolicy { get }
    func copySelection(_ scope: RunScope) throws -> JSONValue?
    /// COPYING: the first copy (by default every pending slice, with `copyWrite` and
    /// `copySelection`; a rollback copies what changed since the switch instead).
    func firstCopy(_ scope: RunScope) throws
    /// COPIED: what follows the first copy; returns the next phase.
    func afterCopy(_ scope: RunScope) throws -> Phase
    /// CATCHING_UP and FROZEN, for modes that have them; returns the next phase.
    func catchUp(_ phase: Phase, _ scope: RunScope) throws -> Phase
    /// VERIFIED: the switch, as the mode has it; returns the next phase.
    func switchOver(_ scope: RunScope) throws -> Phase
    /// The run failed in `phase`: leave the cluster as the mode needs it (e.g. lift a freeze).
    func recover(from error: any Error, in phase: Phase, scope: RunScope)

    // MARK: undoing and status

    /// Why an unfinished run at `record.phase` cannot be abandoned (nil: it can).
    func reasonNotToAbandon(_ record: RunRecord) -> String?
    /// Why there is no previous index to switch back to after the switch (nil: the previous
    /// index is the rollback point).
    var noRollbackPoint: String? { get }
    /// What `ferry rollback` means after this plan's switch, and whether it needs reverse
    /// steps, for `ferry plan` (Strategies/Strategy+Rollback.swift).
    func rollbackMeaning(_ plan: MigrationPlan) -> String
    /// A line `ferry status` adds for a run of this mode that has not finished.
    func statusNote(_ run: RunRecord, recipe: Recipe) -> String?
    /// Whether an index family's members can be migrated in this mode, each a unit swapped
    /// inside the family aliases (Family/).
    var migratesFamilyMembers: Bool { get }
}

extension MigrationStrategy {
    var migratesFamilyMembers: Bool { false }

    func targetIndex(source: SourceState, version: String, recipe: Recipe) throws -> String {
        try recipe.indexName(for: version)
    }

    func preservedIndex(source: SourceState, recipe: Recipe) throws -> String? {
        // An alias cannot share a name with an index: an adopted concrete index gives way to
        // the alias in the switch, so a copy of it is kept.
        source.isConcreteIndex ? try recipe.indexName(for: source.version) : nil
    }

    func isUpToDate(_ plan: MigrationPlan) -> Bool {
        plan.source.index == plan.targetIndex || plan.isAtTargetMapping
    }

    func beforeCopy(_ scope: RunScope) throws {}
    func plannedFreezeDelta(_ plan: MigrationPlan, client: ClusterClient) -> String? { nil }
    func copySelection(_ scope: RunScope) throws -> JSONValue? { nil }

    func firstCopy(_ scope: RunScope) throws {
        let selection = try copySelection(scope)
        try scope.timedCopy { try scope.copyPendingSlices(write: copyWrite, query: selection) }
    }

    func catchUp(_ phase: Phase, _ scope: RunScope) throws -> Phase {
        throw FerryError("run \(scope.runID) is \(mode.rawValue), which has no \(phase.rawValue) phase; the journal is not one this ferry wrote")
    }

    func recover(from error: any Error, in phase: Phase, scope: RunScope) {}

    /// Does the work of `phase` and returns the phase that follows. Every phase's work is
    /// idempotent: a run killed during it does it again when resumed.
    func perform(_ phase: Phase, in scope: RunScope) throws -> Phase {
        switch phase {
        case .validating:
            try scope.validate()
            try createTarget(scope)
            return .targetCreated
        case .targetCreated:
            try beforeCopy(scope)
            return .copying
        case .copying:
            try firstCopy(scope)
            return .copied
        case .copied:
            return try afterCopy(scope)
        case .catchingUp, .frozen:
            return try catchUp(phase, scope)
        case .verified:
            return try switchOver(scope)
        case .switched:
            return .completed
        case .completed, .abandoned, .rolledBack:
            return phase
        }
    }

    func statusNote(_ run: RunRecord, recipe: Recipe) -> String? { nil }

    func reasonNotToAbandon(_ record: RunRecord) -> String? { nil }
    var noRollbackPoint: String? { nil }

    func refusalToAbandon(_ record: RunRecord, recipe: Recipe) -> FerryError? {
        reasonNotToAbandon(record).map { FerryError($0, hint: "finish it with `ferry run \(recipe.name)`") }
    }

    /// The index a rollback after the switch points the aliases back to: the source, or the
    /// preserved copy of an adopted concrete index.
    func rollbackIndex(of run: RunRecord) throws -> String {
        if let why = noRollbackPoint {
            throw FerryError(
                "run \(run.runID) was \(mode.rawValue): there is no previous index holding the data to switch back to (\(why))",
                hint: "migrate back with a recipe step from \(run.plan.targetVersion) to \(run.plan.sourceVersion)")
        }
        return run.plan.sourceIsConcrete ? run.plan.preservedIndex! : run.plan.sourceIndex
    }
}

extension MigrationMode {
    /// The one place that maps a mode to its behaviour.
    var strategy: any MigrationStrategy {
        switch self {
        case .blueGreen: return BlueGreenStrategy()
        case .writeNewFirst: return WriteNewFirstStrategy()
        case .inPlace: return InPlaceStrategy()
        }
    }
}
