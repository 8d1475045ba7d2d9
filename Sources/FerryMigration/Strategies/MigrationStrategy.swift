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

    // MARK: running

    /// Does the work of `phase` and returns the phase that follows. Idempotent: a run killed
    /// during it does it again when resumed.
    func perform(_ phase: Phase, in scope: RunScope) throws -> Phase
    /// The run failed in `phase`: leave the cluster as the mode needs it (e.g. lift a freeze).
    func recover(from error: any Error, in phase: Phase, scope: RunScope)

    // MARK: undoing and status

    /// Why an unfinished run at `record.phase` cannot be abandoned (nil: it can).
    func refusalToAbandon(_ record: RunRecord, recipe: Recipe) -> FerryError?
    /// The index a rollback after the switch points the aliases back to, or why there is none.
    func rollbackIndex(of run: RunRecord) throws -> String
    /// A line `ferry status` adds for a run of this mode that has not finished.
    func statusNote(_ run: RunRecord, recipe: Recipe) -> String?
}

extension MigrationStrategy {
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

    func recover(from error: any Error, in phase: Phase, scope: RunScope) {}

    func statusNote(_ run: RunRecord, recipe: Recipe) -> String? { nil }
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
