import FerryCluster
import FerryCore
import FerryRecipes

/// Where the recipe's data lives now, as ferry found it.
public struct SourceState: Sendable {
    public enum VersionEvidence: String, Sendable {
        /// The index's `_meta.ferry.version`, written when ferry created it.
        case meta = "_meta.ferry"
        /// The operator said so with `--from`.
        case flag = "--from"
        /// The live mapping equals the recipe's mapping for this version.
        case mappingMatch = "mapping match"
    }

    /// The concrete index the read alias resolves to.
    public let index: String
    public let version: String
    public let evidence: VersionEvidence
    /// True when the read alias name is a concrete index the application uses by name: it
    /// becomes an alias in the switch, after a copy of it is kept as the rollback point.
    public let isConcreteIndex: Bool
    /// Indices the write alias points to now (empty if it does not exist yet).
    public let writeAliasIndices: [String]
    /// Whether ferry created the index (it carries `_meta.ferry` for this recipe).
    public let createdByFerry: Bool
    /// The `_meta.ferry.mapping_hash` of the index, when ferry wrote one.
    public var mappingHash: String? = nil
}

/// What `ferry run` will do, decided before anything changes.
public struct MigrationPlan: Sendable {
    public let recipe: Recipe
    public let source: SourceState
    public let targetVersion: String
    public let steps: [StepSpec]
    public let targetIndex: String
    /// Set when adopting a concrete index: the copy of it kept as the rollback point.
    public let preservedIndex: String?
    public var mode: MigrationMode = .blueGreen
    /// The recipe's mapping hash for the target version.
    public var targetMappingHash: String = ""
    /// A rollback run: the forward run it undoes (see `ReverseStrategy`).
    public var rollbackOf: String? = nil
    /// A family member's unit run: the family run it belongs to. Its source is the member, and
    /// its switch moves only that member inside the family aliases (the write alias too when
    /// `source.writeAliasIndices` holds the member).
    public var familyRun: String? = nil

    /// The type that does this plan's work: the mode's, or the reverse of a switch.
    var strategy: any MigrationStrategy { rollbackOf == nil ? mode.strategy : ReverseStrategy(forwardMode: mode) }

    /// Nothing to do: the index already holds the target version with the target mapping
    /// (a new index named for them, or one migrated in place whose `_meta.ferry` says so).
    public var isUpToDate: Bool { mode.strategy.isUpToDate(self) }

    /// The source is recorded at the target version with the target mapping.
    var isAtTargetMapping: Bool {
        source.version == targetVersion && source.mappingHash == targetMappingHash
    }

    /// What a run in this plan's mode would do, one line each.
    public var actions: [String] { mode.strategy.plannedActions(self) }

    public var pathDescription: String {
        steps.isEmpty ? "\(source.version) (mapping only)" : ([steps[0].from] + steps.map(\.to)).joined(separator: " → ")
    }
}

extension PlanRecord {
    /// The parts of `plan` a resumed run must reuse exactly.
    init(_ plan: MigrationPlan) {
        self.init(
            sourceIndex: plan.source.index, sourceVersion: plan.source.version, evidence: plan.source.evidence.rawValue,
            sourceIsConcrete: plan.source.isConcreteIndex, writeAliasIndices: plan.source.writeAliasIndices,
            targetVersion: plan.targetVersion, targetIndex: plan.targetIndex, preservedIndex: plan.preservedIndex,
            steps: plan.steps.map(\.label), mode: plan.mode.rawValue)
        rollbackOf = plan.rollbackOf
        familyRun = plan.familyRun
    }
}
