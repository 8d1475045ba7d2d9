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
    /// How long the lease on the alias lasts without renewal (renewed every third of it).
    public var leaseTTL: Duration = .seconds(60)
    /// Catch-up passes stop (and writes freeze) once a pass finds at most this many changes.
    public var freezeThreshold = 1_000
    public var maxCatchUpPasses = 10
    public var mode: MigrationMode = .blueGreen
    /// Blue-green: before switching, recompute T(source) for this many random documents and
    /// compare them with the target (under the freeze; 0 turns it off, nil checks all).
    public var verifySample: Int? = 100

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
    /// The lease of the run being executed, for the copy pipelines to check.
    private(set) var currentLease: Lease?
    private let logger = Logger(label: "ferry.migration")

    /// A pipeline for `job` that stops writing as soon as the run's lease is lost.
    func pipeline(_ job: CopyJob) -> CopyPipeline {
        let lease = currentLease
        return CopyPipeline(job: job, cluster: cluster, leaseLost: { lease?.lostReason })
    }

    public init(recipe: Recipe, cluster: ClusterConfig, journal: Journal) throws {
        self.recipe = recipe
        self.cluster = cluster
        self.journal = journal
        self.client = try ClusterClient(config: cluster)
    }

    /// Connects (so an unreachable cluster or wrong credentials fail first) and plans.
    public func plan(from: String?, to: String?) throws -> MigrationPlan {
        _ = try client.info()
        return try MigrationPlanner(client: client, recipe: recipe).plan(from: from, to: to)
    }

    /// Looks at the journal first: an unfinished run is resumed (if the recipe is unchanged),
    /// abandoned (`--restart`), or refused.
    public func prepare(_ options: RunOptions) throws -> RunStart {
        _ = try client.info()
        if let open = try journal.unfinishedRun(recipe: recipe.name) {
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
        plan.mode = MigrationMode(rawValue: p.mode) ?? .blueGreen
        plan.targetMappingHash = try recipe.mappingHash(for: p.targetVersion)
        return plan
    }

    /// Compiles every step script and opens every lookup, so a broken recipe fails before
    /// the cluster is touched.
    public func validate(_ plan: MigrationPlan, run: RunContext) throws {
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
        var copyCPU = 0.0
        var record: RunRecord
        let plan: MigrationPlan
        let lease: Lease
        switch start {
        case .upToDate(let p):
            throw FerryError("\(recipe.name) is already at \(p.targetVersion); nothing to do")
        case .resume(let r, let p):
            record = r
            plan = p
            lease = try Lease.acquire(alias: recipe.readAlias, runID: r.runID, cluster: cluster, ttl: options.leaseTTL)
            say("resuming run \(r.runID) at \(r.phase.rawValue)")
        case .new(let p):
            plan = p
            let run = RunContext()
            try validate(plan, run: run)
            lease = try Lease.acquire(alias: recipe.readAlias, runID: run.runID, cluster: cluster, ttl: options.leaseTTL)
            do {
                try Preflight(client: client, recipe: recipe).check(plan, runID: run.runID)
            } catch {
                lease.release()
                throw error
            }
            record = RunRecord(
                runID: run.runID, recipe: recipe.name, readAlias: recipe.readAlias, fingerprint: try recipe.fingerprint(),
                plan: PlanRecord(plan), phase: .validating, sliceCount: max(1, options.slices), startedAt: run.startedAtISO)
            do {
                try journal.begin(record)
            } catch {
                lease.release()
                throw error
            }
        }
        currentLease = lease
        defer {
            lease.release()
            currentLease = nil
        }
        let run = RunContext(runID: record.runID, startedAtISO: record.startedAt)
        var copySeconds = 0.0
        var lastCounts = CopyCounts()
        var catchUpStats = CatchUpStats()
        var freezeMilliseconds: Int? = nil

        do {
            try drive(&record)
        } catch {
            // Never leave the application blocked because this run failed: if writes are frozen
            // and the aliases have not moved, lift the block and go back to catching up (the
            // next attempt freezes again). A kill -9 cannot get here: the same command lifts it
            // by finishing the run.
            if plan.mode == .blueGreen, record.phase == .frozen || record.phase == .verified {
                liftFreezeAfterFailure(plan, record: record, cause: error)
            }
            throw error
        }

        func drive(_ record: inout RunRecord) throws {
        while !record.phase.isFinal {
            Failpoints.hit("phase:\(record.phase.rawValue)")
            try lease.check()
            let next: Phase
            switch record.phase {
            case .validating:
                try validate(plan, run: run)
                if plan.mode == .inPlace {
                    try InPlace(migrator: self, plan: plan, record: record, run: run, options: options).putMapping()
                } else {
                    try createTargets(plan, run: run)
                }
                next = .targetCreated
            case .targetCreated:
                if plan.mode == .writeNewFirst { try WriteNewFirst(migrator: self, plan: plan, record: record).moveWriteAlias() }
                next = .copying
            case .copying:
                let started = Date()
                let cpu = processCPUSeconds()
                lastCounts = try copyPendingSlices(plan, record: record, run: run, options: options)
                copySeconds = Date().timeIntervalSince(started)
                copyCPU = processCPUSeconds() - cpu
                next = .copied
            case .copied:
                switch plan.mode {
                case .blueGreen:
                    next = .catchingUp
                case .writeNewFirst:
                    try WriteNewFirst(migrator: self, plan: plan, record: record).drainOldIndex(run: run, options: options)
                    try verify(plan, record: record, options: options)
                    next = .verified
                case .inPlace:
                    try InPlace(migrator: self, plan: plan, record: record, run: run, options: options).finish()
                    next = .verified
                }
            case .catchingUp:
                let catchUp = CatchUp(migrator: self, plan: plan, record: record, run: run, options: options)
                try catchUp.passes(&catchUpStats)
                try freezeWrites(plan.source.index, record: record)
                next = .frozen
            case .frozen:
                // Idempotent: after a resume the block may have been lifted by hand.
                try freezeWrites(plan.source.index, record: record)
                let catchUp = CatchUp(migrator: self, plan: plan, record: record, run: run, options: options)
                try catchUp.frozenPass(&catchUpStats)
                if let rollbackCopy = CatchUp.forRollbackCopy(of: plan, migrator: self, record: record, run: run, options: options) {
                    var copyStats = CatchUpStats()
                    try rollbackCopy.frozenPass(&copyStats)
                }
                try verify(plan, record: record, options: options)
                try verifyContent(record: record, options: options)
                next = .verified
            case .verified where plan.mode == .writeNewFirst:
                try WriteNewFirst(migrator: self, plan: plan, record: record).retireOldIndex()
                next = .switched
            case .verified where plan.mode == .inPlace:
                next = .switched
            case .verified:
                // Everything verified assumed writes were blocked; if the block is gone (lifted
                // by hand), catch up and freeze again rather than switch on a moving source.
                guard try isWriteBlocked(plan.source.index) || client.resolve(recipe.readAlias) == .alias(indices: [plan.targetIndex]) else {
                    next = .catchingUp
                    break
                }
                try switchAliases(plan)
                Failpoints.hit("after-switch")
                if let frozenAt = try journal.frozenAt(record.runID) {
                    freezeMilliseconds = Int(Lease.nowMilliseconds() - frozenAt)
                    try journal.setFreezeWindow(record.runID, milliseconds: freezeMilliseconds!)
                }
                next = .switched
            case .switched:
                next = .completed
            case .completed, .abandoned, .rolledBack:
                next = record.phase
            }
            try journal.setPhase(record.runID, next, Self.message(for: next, plan))
            record.phase = next
        }
        }

        let totals = try journal.totals(record.runID)
        var report = MigrationReport(
            runID: record.runID, recipe: recipe.name, sourceIndex: plan.source.index, targetIndex: plan.targetIndex,
            path: plan.pathDescription, totals: totals, counts: lastCounts,
            seconds: Date().timeIntervalSince(began), copySeconds: copySeconds, preservedIndex: plan.preservedIndex)
        report.freezeMilliseconds = freezeMilliseconds
        report.copyCPUSeconds = copyCPU
        report.cpuSeconds = processCPUSeconds() - cpuAtStart
        report.catchUp = catchUpStats
        report.targetCount = try client.count(plan.targetIndex)
        return report
    }

    static func message(for phase: Phase, _ plan: MigrationPlan) -> String {
        switch phase {
        case .targetCreated: return "created \(plan.targetIndex)"
        case .copying: return "copying \(plan.source.index) → \(plan.targetIndex)"
        case .copied: return "copy finished"
        case .verified: return "verified \(plan.targetIndex)"
        case .switched: return "aliases switched to \(plan.targetIndex)"
        case .completed: return "completed"
        default: return phase.rawValue.lowercased()
        }
    }

    // MARK: Phases

    /// Creates the target (and, when adopting a concrete index, the rollback copy of it).
    /// Idempotent: an index this run already created is reused.
    private func createTargets(_ plan: MigrationPlan, run: RunContext) throws {
        if let preserved = plan.preservedIndex {
            // An alias cannot share a name with an index, so the concrete index is removed in
            // the switch; copy it as it is first, to keep a rollback point.
            if try ownedByRun(preserved, run.runID) { try client.deleteIndex(preserved) }
            say("preserving concrete index \(plan.source.index) as \(preserved) (rollback point)")
            try createIndex(preserved, version: plan.source.version, run: run)
            var job = CopyJob(
                sourceIndex: plan.source.index, targetIndex: preserved, steps: [], recipe: recipe, run: run,
                batch: recipe.batch, slices: [0], sliceCount: 1)
            job.versioned = true
            let pipeline = self.pipeline(job)
            let expected = try client.count(plan.source.index)
            try pipeline.run(expected: expected, alreadyDone: 0, progress: { self.progress("preserve", $0) }, sliceCompleted: { _ in })
            try restoreSettingsAndCount(preserved, version: plan.source.version, expected: expected)
        }
        if try ownedByRun(plan.targetIndex, run.runID) {
            say("reusing \(plan.targetIndex), created by this run")
            return
        }
        say("creating \(plan.targetIndex) with the \(plan.targetVersion) mapping")
        try createIndex(plan.targetIndex, version: plan.targetVersion, run: run)
        Failpoints.hit("target-created")
    }

    /// Copies every slice the journal has not recorded as done, in passes: a slice whose
    /// scroll expired is read again in the next pass.
    private func copyPendingSlices(_ plan: MigrationPlan, record: RunRecord, run: RunContext, options: RunOptions) throws -> CopyCounts {
        var pending = try journal.pendingSlices(record.runID)
        let expected = try client.count(plan.source.index)
        var counts = CopyCounts()
        say("copying \(plan.source.index) → \(plan.targetIndex) through \(plan.pathDescription)"
            + (pending.count < record.sliceCount ? " (\(record.sliceCount - pending.count) of \(record.sliceCount) slices already done)" : ""))
        var pass = 0
        while !pending.isEmpty {
            pass += 1
            let before = try journal.totals(record.runID)
            var job = CopyJob(
                sourceIndex: plan.source.index, targetIndex: plan.targetIndex, steps: plan.steps, recipe: recipe, run: run,
                batch: recipe.batch, slices: pending, sliceCount: record.sliceCount)
            job.workers = options.workers
            job.writers = options.writers
            job.pointInTime = try client.info()
            switch plan.mode {
            case .blueGreen: break
            case .writeNewFirst:
                job.writeMode = .createThenDeleteSource
                job.versioned = false
            case .inPlace:
                job.writeMode = .inPlace
                job.versioned = false
                job.query = try InPlace.pendingQuery(recipe: recipe, targetVersion: plan.targetVersion)
            }
            job.maxFailures = max(0, options.maxErrors - before.failed)
            let pipeline = self.pipeline(job)
            do {
                try pipeline.run(
                    expected: expected, alreadyDone: before.read,
                    progress: { self.progress("copy", $0) },
                    sliceCompleted: { slice in
                        try self.journal.completeSlice(record.runID, slice)
                        Failpoints.hit("slice-completed")
                    })
            } catch {
                for (slice, failures) in pipeline.unfinishedFailures {
                    try? journal.recordDeadLetters(record.runID, slice: slice, failures)
                }
                throw CopyFailed(cause: error, failures: pipeline.recentFailures, counts: pipeline.counts, runID: record.runID, recipe: recipe.name)
            }
            counts = pipeline.counts
            let remaining = try journal.pendingSlices(record.runID)
            guard remaining.count < pending.count else {
                throw FerryError("copy pass \(pass) finished no slice (\(remaining.count) pending); stopping")
            }
            pending = remaining
        }
        return counts
    }

    /// Restores settings, refreshes and checks that the target holds read − dropped − failed
    /// documents; refuses to go on with more dead letters than `--max-errors`.
    /// Refuses to go on with more dead letters than `--max-errors`, restores the target's own
    /// settings and refreshes it. (The frozen pass has already proved, id by id and version by
    /// version, that the target holds exactly the source's documents less the dropped ones.)
    private func verify(_ plan: MigrationPlan, record: RunRecord, options: RunOptions) throws {
        let failed = try journal.deadLetterCount(record.runID)
        if failed > options.maxErrors {
            let letters = try journal.deadLetters(record.runID, limit: 10)
            throw DocumentsFailed(runID: record.runID, recipe: recipe.name, failed: failed, maxErrors: options.maxErrors, sample: letters)
        }
        // Blue-green: the target is not written by the application before the switch, so its
        // count must hold still across the refresh. Write-new-first: the application writes
        // to it, so there is no count to hold (the old index draining is the check).
        let expected = plan.mode == .blueGreen ? try client.count(plan.targetIndex) : nil
        try restoreSettingsAndCount(plan.targetIndex, version: plan.targetVersion, expected: expected)
    }

    /// Recomputes T(source) for a sample (or all) of the documents and compares with the
    /// target, with the mapping and the recipe's canaries: the switch waits for it to pass.
    private func verifyContent(record: RunRecord, options: RunOptions) throws {
        if options.verifySample == 0 { return }
        let subject = try VerificationSubject.of(run: record, journal: journal, client: client)
        let report = try Verifier(recipe: recipe, client: client).verify(subject, sample: options.verifySample, seed: 1)
        guard report.passed else {
            throw FerryError(
                (["verification before the switch found differences; aliases not switched"] + report.lines).joined(separator: "\n"),
                hint: "`ferry verify \(recipe.name)` shows them again; the write block is lifted and `ferry run \(recipe.name)` tries again")
        }
        say("verified \(options.verifySample.map { "a sample of \($0)" } ?? "every") document(s), the mapping and \(recipe.canaries.count) canary queries")
    }

    // MARK: Freeze

    /// Blocks writes to the source: the `_block/write` API where the cluster has it (it waits
    /// for in-flight writes), else the `index.blocks.write` setting.
    private func freezeWrites(_ index: String, record: RunRecord) throws {
        if try journal.frozenAt(record.runID) == nil {
            try journal.setFrozenAt(record.runID, milliseconds: Lease.nowMilliseconds())
        }
        do {
            try client.request(.PUT, RequestPath([index, "_block", "write"]))
        } catch let error as ClusterError where error.status == 404 || error.status == 405 || error.status == 400 {
            try client.putSettings(index, body: ["index": ["blocks": ["write": true]]])
        }
        try journal.event(record.runID, .catchingUp, "writes to \(index) blocked")
        say("froze writes to \(index)")
    }

    /// Lifts the block through a client of its own, without the run's circuit breaker: cluster
    /// trouble, the likeliest reason to be here, may have opened it, and this request matters most.
    private func unfreezeWrites(_ index: String, record: RunRecord) throws {
        var config = cluster
        config.circuitBreaker = nil
        config.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(200), maxDelay: .seconds(5))
        try ClusterClient(config: config).putSettings(index, body: ["index": ["blocks": ["write": .null]]])
        try journal.setFrozenAt(record.runID, milliseconds: nil)
        say("lifted the write block on \(index)")
    }

    private func liftFreezeAfterFailure(_ plan: MigrationPlan, record: RunRecord, cause: any Error) {
        if (try? client.resolve(recipe.readAlias)) == .alias(indices: [plan.targetIndex]) { return }
        try? journal.setPhase(record.runID, .catchingUp, "failed under the freeze (\(cause)); lifting the write block")
        do {
            try unfreezeWrites(plan.source.index, record: record)
        } catch {
            say("COULD NOT LIFT THE WRITE BLOCK on \(plan.source.index): \(error); run `ferry rollback \(recipe.name)` or PUT \(plan.source.index)/_settings {\"index.blocks.write\": null}")
        }
    }

    private func isWriteBlocked(_ index: String) throws -> Bool {
        let value = try client.getSettings(index)["index"]?["blocks"]?["write"]
        return value == .bool(true) || value == .string("true")
    }

    /// Creates an index with bulk-load settings: no refresh and no replicas during the copy.
    private func createIndex(_ name: String, version: String, run: RunContext) throws {
        guard case .object(var body) = try recipe.indexBodyWithMeta(for: version, runID: run.runID) else { return }
        var settings = body["settings"]?.objectValue ?? [:]
        var index = settings["index"]?.objectValue ?? [:]
        index["refresh_interval"] = "-1"
        index["number_of_replicas"] = 0
        settings["index"] = .object(index)
        body["settings"] = .object(settings)
        try client.createIndex(name, body: .object(body))
    }

    /// Whether `index` exists and was created by run `runID` (its `_meta.ferry.run_id`).
    func ownedByRun(_ index: String, _ runID: String) throws -> Bool {
        guard try client.indexExists(index) else { return false }
        let owner = try client.getMapping(index)["_meta"]?["ferry"]?["run_id"]?.stringValue
        guard owner == runID else {
            throw FerryError(
                "index \(index) already exists and was not created by this run (\(owner.map { "run \($0)" } ?? "not by ferry"))",
                hint: "inspect it; delete it if it is a leftover, then run again")
        }
        return true
    }

    /// Restores the mapping's own refresh and replica settings, refreshes and checks the count.
    private func restoreSettingsAndCount(_ name: String, version: String, expected: Int?) throws {
        let declared = try recipe.indexBody(for: version)["settings"]
        func declaredSetting(_ key: String) -> JSONValue {
            declared?["index"]?[key] ?? declared?["index.\(key)"] ?? declared?[key] ?? .null
        }
        try client.putSettings(name, body: ["index": [
            "refresh_interval": declaredSetting("refresh_interval"),
            "number_of_replicas": declaredSetting("number_of_replicas"),
        ]])
        try client.refresh(name)
        guard let expected else { return }
        let actual = try client.count(name)
        guard actual == expected else {
            throw FerryError("verification failed: \(name) holds \(actual) documents, expected \(expected); aliases not switched")
        }
    }

    /// One atomic `_aliases` call: read and write aliases move to the target together.
    /// Idempotent: if the read alias already points only at the target, there is nothing to do.
    private func switchAliases(_ plan: MigrationPlan) throws {
        if try client.resolve(recipe.readAlias) == .alias(indices: [plan.targetIndex]) { return }
        var actions: [AliasAction] = []
        if plan.source.isConcreteIndex {
            actions.append(.removeIndex(index: plan.source.index))
        } else {
            actions.append(.remove(index: plan.source.index, alias: recipe.readAlias))
        }
        if recipe.writeAlias != recipe.readAlias {
            for index in plan.source.writeAliasIndices {
                actions.append(.remove(index: index, alias: recipe.writeAlias))
            }
        }
        actions += aliasAdds(to: plan.targetIndex)
        Failpoints.hit("before-switch")
        try client.updateAliases(actions)
        say("switched \(recipe.readAlias) and \(recipe.writeAlias) to \(plan.targetIndex)")
    }

    func aliasAdds(to index: String) -> [AliasAction] {
        if recipe.writeAlias == recipe.readAlias {
            return [.add(index: index, alias: recipe.readAlias, isWriteIndex: true)]
        }
        return [
            .add(index: index, alias: recipe.readAlias, isWriteIndex: nil),
            .add(index: index, alias: recipe.writeAlias, isWriteIndex: true),
        ]
    }

    /// Stops an unfinished run for good: deletes the indices it created (never one an alias
    /// points to) and marks it ABANDONED.
    public func abandon(_ record: RunRecord, reason: String) throws {
        guard record.phase < .switched else {
            throw FerryError("run \(record.runID) already switched the aliases; use `ferry rollback \(recipe.name)`")
        }
        if record.plan.mode == MigrationMode.writeNewFirst.rawValue && record.phase > .targetCreated {
            throw FerryError(
                "run \(record.runID) is write-new-first and has moved the write alias: the application writes to \(record.plan.targetIndex), so abandoning it would lose those writes",
                hint: "finish it with `ferry run \(recipe.name)`")
        }
        if record.plan.mode == MigrationMode.inPlace.rawValue && record.phase > .validating {
            throw FerryError(
                "run \(record.runID) rewrites \(record.plan.sourceIndex) in place; documents already rewritten cannot be un-rewritten",
                hint: "finish it with `ferry run \(recipe.name)`")
        }
        if try journal.frozenAt(record.runID) != nil, try client.indexExists(record.plan.sourceIndex) {
            try unfreezeWrites(record.plan.sourceIndex, record: record)
        }
        for index in [record.plan.targetIndex, record.plan.preservedIndex].compactMap({ $0 }) where index != record.plan.sourceIndex {
            guard try client.indexExists(index),
                  try client.getMapping(index)["_meta"]?["ferry"]?["run_id"]?.stringValue == record.runID
            else { continue }
            guard try client.aliasesOfIndex(index).isEmpty else {
                throw FerryError("index \(index) has aliases; not deleting it")
            }
            try client.deleteIndex(index)
        }
        try journal.setPhase(record.runID, .abandoned, reason)
    }

    // MARK: init

    /// `ferry init`: the first index at `version` (default the latest) and both aliases.
    public func initialize(version: String? = nil, run: RunContext = RunContext()) throws -> String {
        _ = try client.info()
        let version = version ?? recipe.latestVersion
        guard recipe.versions.contains(version) else {
            throw RecipeError("unknown version \(version); recipe \(recipe.name) declares \(recipe.versions.joined(separator: ", "))")
        }
        for name in Set([recipe.readAlias, recipe.writeAlias]) where try client.resolve(name) != .missing {
            throw FerryError(
                "'\(name)' already exists in the cluster; init is for a fresh install",
                hint: "use `ferry run \(recipe.name)` to migrate existing data")
        }
        let index = try recipe.indexName(for: version)
        try client.createIndex(index, body: try recipe.indexBodyWithMeta(for: version, runID: run.runID))
        do {
            try client.updateAliases(aliasAdds(to: index))
        } catch {
            try? client.deleteIndex(index)
            throw error
        }
        return index
    }
}
