import Foundation
import Logging
import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// Options of `ferry run`.
public struct RunOptions: Sendable {
    public var from: String?
    public var to: String?
    /// Abandon an unfinished run of this recipe (its new index is deleted) and start over.
    public var restart = false
    /// Failed documents (dead letters) a run may have and still switch.
    public var maxErrors = 0
    public var workers = 1
    public var writers = 1
    /// Slices the copy is cut into (by `_id` hash); a resumed run redoes unfinished slices only.
    public var slices = 8
    /// How copy passes read the source (`--reader`).
    public var reader: ReaderChoice = .auto
    /// How long the lease on the alias lasts without renewal (renewed every third of it).
    public var leaseTTL: Duration = .seconds(60)
    /// Catch-up passes stop (and writes freeze) once a pass finds at most this many changes.
    public var freezeThreshold = 1_000
    /// The longest writes may stay blocked: past it the block is lifted and catch-up retried.
    public var maxFreeze: Duration = .seconds(30)
    /// Freezes that may reach `maxFreeze` before the run stops.
    public var maxFreezeAttempts = 3
    public var maxCatchUpPasses = 10
    public var mode: MigrationMode = .blueGreen
    /// Blue-green: before switching, recompute T(source) for this many random documents and
    /// compare them with the target (under the freeze; 0 turns it off, nil checks all).
    public var verifySample: Int? = 100
    /// `--max-docs-per-second`: the pace of every copy pass but the frozen one (nil: as fast as
    /// the cluster takes them). See `DocumentThrottle`.
    public var maxDocsPerSecond: Double? = nil
    /// A family recipe: which members this run takes (`--members`, `--max-members`).
    public var members = MemberSelection()
    /// A family recipe: put the target version's template although documents of the members'
    /// versions do not fit its mapping (the application already writes the target version).
    public var appWritesTargetVersion = false
    /// Copy through ferry even when every edge of the path is mapping-only (the cluster's
    /// `_reindex` would copy otherwise).
    public var clientCopy = false
    /// How long one `_reindex` request (a slice the cluster copies) may take before the run
    /// stops; the cluster may still be copying then, and the same command resumes.
    public var reindexTimeout: Duration = .seconds(3600)

    public init() {}
}

/// What `ferry run` will do once it has looked at the journal and the cluster.
public enum RunStart: Sendable {
    /// The aliases already point to the target version's index: nothing to do.
    case upToDate(MigrationPlan)
    /// An interrupted run of this recipe, to be continued from its phase.
    case resume(RunRecord, MigrationPlan)
    case new(MigrationPlan)
}

/// Runs `ferry run` and `ferry init`: a journaled phase machine (VALIDATING → TARGET_CREATED →
/// COPYING → COPIED → VERIFIED → SWITCHED → COMPLETED). Each phase's work is idempotent, so a
/// run killed at any instant continues where it was when the same command runs again.
public final class Migrator {
    public let recipe: Recipe
    public let cluster: ClusterConfig
    public let journal: Journal
    /// Called with one line per phase, for the operator.
    public var say: (String) -> Void = { _ in }
    /// Called about twice a second during a copy.
    public var progress: (String, CopyCounts) -> Void = { _, _ in }
    let client: ClusterClient
    /// Shared with the signal handler: see `FreezeGuard`.
    public let freezeGuard: FreezeGuard

    /// What the SIGINT/SIGTERM handler calls, from its own thread.
    public var interrupter: RunInterrupter {
        RunInterrupter(recipe: recipe.name, readAlias: recipe.readAlias, cluster: cluster, journalPath: journal.path, guard: freezeGuard)
    }

    private var knownInfo: ClusterInfo?

    /// The cluster's distribution and version (`GET /`), asked once.
    func clusterInfo() throws -> ClusterInfo {
        if let knownInfo { return knownInfo }
        let info = try client.info()
        knownInfo = info
        return info
    }

    /// `freezeGuard`: the one a signal handler was given (a rollback shares its own).
    public init(recipe: Recipe, cluster: ClusterConfig, journal: Journal, freezeGuard: FreezeGuard = FreezeGuard()) throws {
        self.freezeGuard = freezeGuard
        self.recipe = recipe
        self.cluster = cluster
        self.journal = journal
        self.client = try ClusterClient(config: cluster)
    }

    /// Connects (so an unreachable cluster or wrong credentials fail first) and plans.
    public func plan(from: String?, to: String?) throws -> MigrationPlan {
        _ = try clusterInfo()
        return try MigrationPlanner(client: client, recipe: recipe).plan(from: from, to: to)
    }

    /// Looks at the journal first: an unfinished run is resumed (if the recipe is unchanged),
    /// abandoned (`--restart`), or refused.
    public func prepare(_ options: RunOptions) throws -> RunStart {
        _ = try clusterInfo()
        if let open = try journal.unfinishedRun(recipe: recipe.name) {
            if let forward = open.plan.rollbackOf {
                throw FerryError(
                    "run \(open.runID) is an unfinished rollback of run \(forward) (\(open.phase.rawValue)); a new run waits for it",
                    hint: "finish it with `ferry rollback \(recipe.name)`")
            }
            if options.restart {
                // Hold the lease while abandoning, so a live runner of that run is not undercut.
                let lease = try Lease.acquire(alias: recipe.readAlias, runID: open.runID, cluster: cluster, ttl: options.leaseTTL)
                defer { lease.release() }
                try abandon(open, reason: "abandoned by --restart")
                say("abandoned run \(open.runID) (\(open.phase.rawValue)); starting over")
            } else {
                let fingerprint = try recipe.fingerprint()
                guard open.fingerprint == fingerprint else {
                    throw FerryError(
                        "recipe \(recipe.name) changed since run \(open.runID) started (\(open.phase.rawValue)); it cannot be resumed with different scripts, mappings or lookup data",
                        hint: "restore the recipe to resume, or `ferry run \(recipe.name) --restart` to start over (the unfinished \(open.plan.targetIndex) is deleted)")
                }
                if let to = options.to, to != open.plan.targetVersion {
                    throw FerryError(
                        "run \(open.runID) to \(open.plan.targetVersion) is unfinished; --to \(to) would start another",
                        hint: "finish it with `ferry run \(recipe.name)`, or --restart")
                }
                return .resume(open, try plan(from: open))
            }
        }
        let plan = try MigrationPlanner(client: client, recipe: recipe).plan(from: options.from, to: options.to, mode: options.mode)
        return plan.isUpToDate ? .upToDate(plan) : .new(plan)
    }

    /// The plan a journaled run was started with, rebuilt from the recipe.
    func plan(from record: RunRecord) throws -> MigrationPlan {
        let p = record.plan
        let steps = try recipe.graph.path(from: p.sourceVersion, to: p.targetVersion)
        guard steps.map(\.label) == p.steps else {
            throw FerryError("run \(record.runID): the recipe's steps from \(p.sourceVersion) to \(p.targetVersion) are not the ones the run started with")
        }
        let source = SourceState(
            index: p.sourceIndex, version: p.sourceVersion,
            evidence: SourceState.VersionEvidence(rawValue: p.evidence) ?? .flag,
            isConcreteIndex: p.sourceIsConcrete, writeAliasIndices: p.writeAliasIndices, createdByFerry: false)
        var plan = MigrationPlan(
            recipe: recipe, source: source, targetVersion: p.targetVersion, steps: steps,
            targetIndex: p.targetIndex, preservedIndex: p.preservedIndex)
        plan.mode = MigrationMode(record: p)
        plan.rollbackOf = p.rollbackOf
        plan.familyRun = p.familyRun
        plan.targetMappingHash = try recipe.mappingHash(for: p.targetVersion)
        return plan
    }

    /// Compiles every step script and opens every lookup, so a broken recipe fails before
    /// the cluster is touched.
    public func validate(_ plan: MigrationPlan, run: RunContext) throws {
        try Self.validate(plan, recipe: recipe, run: run)
    }

    static func validate(_ plan: MigrationPlan, recipe: Recipe, run: RunContext) throws {
        _ = try StepChain(recipe: recipe, steps: plan.steps, runStartedAt: run.startedAtISO)
        _ = try recipe.indexBodyWithMeta(for: plan.targetVersion, runID: run.runID)
        if plan.preservedIndex != nil {
            _ = try recipe.indexBodyWithMeta(for: plan.source.version, runID: run.runID)
        }
    }

    /// Starts or resumes a run and drives it to COMPLETED.
    public func execute(_ start: RunStart, options: RunOptions) throws -> MigrationReport {
        let began = Date()
        let cpuAtStart = processCPUSeconds()
        let (record, plan, lease) = try begin(start, options: options)
        defer { lease.release() }
        return try drive(record, plan, lease: lease, options: options, began: began, cpuAtStart: cpuAtStart)
    }

    /// Drives a journaled run to COMPLETED under a lease already held (the run's own, or a
    /// family run's for one member's unit) and reports it.
    func drive(
        _ record: RunRecord, _ plan: MigrationPlan, lease: Lease, options: RunOptions, began: Date = Date(),
        cpuAtStart: Double = processCPUSeconds()
    ) throws -> MigrationReport {
        let scope = RunScope(
            recipe: recipe, cluster: cluster, client: client, journal: journal, plan: plan, record: record,
            run: RunContext(runID: record.runID, startedAtISO: record.startedAt), options: options, lease: lease,
            clusterInfo: try clusterInfo(), figures: RunFigures(), freezeGuard: freezeGuard, say: say, progress: progress)
        let execution = RunExecution(scope: scope)
        try execution.drive()
        return try execution.report(began: began, cpuAtStart: cpuAtStart)
    }

    /// The run to drive: the resumed one, or a new one validated, preflighted and journaled,
    /// with the lease on the alias held.
    private func begin(_ start: RunStart, options: RunOptions) throws -> (RunRecord, MigrationPlan, Lease) {
        switch start {
        case .upToDate(let plan):
            throw FerryError("\(recipe.name) is already at \(plan.targetVersion); nothing to do")
        case .resume(let record, let plan):
            let lease = try Lease.acquire(alias: recipe.readAlias, runID: record.runID, cluster: cluster, ttl: options.leaseTTL)
            // A rollback run's caller says itself whether it starts or continues one.
            if record.plan.rollbackOf == nil { say("resuming run \(record.runID) at \(record.phase.rawValue)") }
            return (record, plan, lease)
        case .new(let plan):
            let run = RunContext()
            try validate(plan, run: run)
            let lease = try Lease.acquire(alias: recipe.readAlias, runID: run.runID, cluster: cluster, ttl: options.leaseTTL)
            do {
                return (try journalNewRun(plan, run: run, options: options), plan, lease)
            } catch {
                lease.release()
                throw error
            }
        }
    }

    /// Preflights a validated plan and journals it as a new run at VALIDATING.
    func journalNewRun(_ plan: MigrationPlan, run: RunContext, options: RunOptions) throws -> RunRecord {
        try Preflight(client: client, recipe: recipe).check(plan, runID: run.runID)
        let record = RunRecord(
            runID: run.runID, recipe: recipe.name, readAlias: recipe.readAlias, fingerprint: try recipe.fingerprint(),
            plan: PlanRecord(plan), phase: .validating, sliceCount: max(1, options.slices), startedAt: run.startedAtISO)
        try journal.begin(record)
        return record
    }

    /// Stops an unfinished run for good: deletes the indices it created (never one an alias
    /// points to) and marks it ABANDONED. Returns the indices whose delete the cluster
    /// acknowledged (none when they were already gone).
    @discardableResult
    public func abandon(_ record: RunRecord, reason: String) throws -> [String] {
        guard record.phase < .switched else {
            throw FerryError("run \(record.runID) already switched the aliases; use `ferry rollback \(recipe.name)`")
        }
        if let refusal = MigrationMode(record: record.plan).strategy.refusalToAbandon(record, recipe: recipe) {
            throw refusal
        }
        if try journal.frozenAt(record.runID) != nil, try client.indexExists(record.plan.sourceIndex) {
            try WriteBlock(client: client, cluster: cluster, journal: journal, freezeGuard: freezeGuard, say: say)
                .unfreezeWrites(record.plan.sourceIndex, record: record, reason: "the run was abandoned")
        }
        var deleted: [String] = []
        for index in [record.plan.targetIndex, record.plan.preservedIndex].compactMap({ $0 }) where index != record.plan.sourceIndex {
            guard try client.indexExists(index),
                  FerryMeta.runID(inMapping: try client.getMapping(index)) == record.runID
            else { continue }
            guard try client.aliasesOfIndex(index).isEmpty else {
                throw FerryError("index \(index) has aliases; not deleting it")
            }
            if try client.deleteIndex(index) { deleted.append(index) }
        }
        try journal.setPhase(record.runID, .abandoned, reason + (deleted.isEmpty ? "; no index of it was there to delete" : "; deleted \(deleted.joined(separator: ", "))"))
        return deleted
    }

    // MARK: init

    /// `ferry init`: the first index at `version` (default the latest) and both aliases.
    public func initialize(version: String? = nil, run: RunContext = RunContext()) throws -> String {
        _ = try clusterInfo()
        let version = version ?? recipe.latestVersion
        try recipe.checkDeclared(version)
        for name in Set([recipe.readAlias, recipe.writeAlias]) where try client.resolve(name) != .missing {
            throw FerryError(
                "'\(name)' already exists in the cluster; init is for a fresh install",
                hint: "use `ferry run \(recipe.name)` to migrate existing data")
        }
        let index = try recipe.indexName(for: version)
        try client.createIndex(index, body: try recipe.indexBodyWithMeta(for: version, runID: run.runID))
        do {
            try client.updateAliases(AliasActions(recipe: recipe).add(to: index))
        } catch {
            try? client.deleteIndex(index)
            throw error
        }
        return index
    }
}
