/// What the phases of one run work with, as a value: the cluster, the journal, the recipe and
/// plan, the run's identity, its options and lease, and where to say things.
import Foundation
import FerryCluster
import FerryCore
import FerryPipeline
import FerryRecipes

struct RunScope {
    let recipe: Recipe
    let cluster: ClusterConfig
    let client: ClusterClient
    let journal: Journal
    let plan: MigrationPlan
    let record: RunRecord
    let run: RunContext
    let options: RunOptions
    /// The run's lease on the alias: every bulk request checks it.
    let lease: Lease?
    /// The cluster's distribution and version, asked once per run.
    let clusterInfo: ClusterInfo
    /// Figures for the run report, filled by the phases.
    let figures: RunFigures
    /// Shared with the signal handler; holds the freeze's deadline.
    let freezeGuard: FreezeGuard
    let say: (String) -> Void
    let progress: (String, CopyCounts) -> Void

    var runID: String { record.runID }
    var strategy: any MigrationStrategy { plan.strategy }
    var aliases: AliasActions { AliasActions(recipe: recipe) }

    /// The same run on another plan (the rollback copy of an adopted concrete index).
    func with(plan other: MigrationPlan) -> RunScope {
        RunScope(
            recipe: recipe, cluster: cluster, client: client, journal: journal, plan: other, record: record, run: run,
            options: options, lease: lease, clusterInfo: clusterInfo, figures: figures, freezeGuard: freezeGuard, say: say, progress: progress)
    }
}

/// The figures a run report needs, gathered as the phases go.
final class RunFigures {
    var copySeconds = 0.0
    var copyCPU = 0.0
    var lastCounts = CopyCounts()
    var catchUp = CatchUpStats()
    var freezeMilliseconds: Int? = nil
    var passes: [PassSummary] = []
    /// `--max-docs-per-second`'s pace, one for the whole run (made by the first throttled pass).
    var throttle: DocumentThrottle? = nil
    /// Who made the first copy and why, when the path is mapping-only (`CopyChoice.line`).
    var copyNote: String? = nil
}

/// What one copy pass used and did, for the report: `--workers`, `--writers` and `--slices`
/// mean the same in every pass of every mode, and this shows it.
public struct PassSummary: Sendable, Equatable {
    public let label: String
    public let workers: Int
    public let writers: Int
    public let slices: Int
    /// "point in time" or "scroll".
    public let reader: String
    public let write: String
    public let read: Int
    public let written: Int
    public let failed: Int
}
