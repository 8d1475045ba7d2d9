import Foundation
import Logging
import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// Runs `ferry run` and `ferry init`: checks everything it can before it changes anything,
/// then creates the target, copies, verifies counts and switches the aliases in one call.
public final class Migrator {
    public let recipe: Recipe
    public let cluster: ClusterConfig
    public var workers = 1
    public var writers = 1
    /// Called with one line per phase, for the operator.
    public var say: (String) -> Void = { _ in }
    /// Called about twice a second during a copy.
    public var progress: (String, CopyCounts) -> Void = { _, _ in }
    private let client: ClusterClient
    private let logger = Logger(label: "ferry.migration")

    public init(recipe: Recipe, cluster: ClusterConfig) throws {
        self.recipe = recipe
        self.cluster = cluster
        self.client = try ClusterClient(config: cluster)
    }

    /// Connects (so an unreachable cluster or wrong credentials fail first) and plans.
    public func plan(from: String?, to: String?) throws -> MigrationPlan {
        _ = try client.info()
        return try MigrationPlanner(client: client, recipe: recipe).plan(from: from, to: to)
    }

    /// Compiles every step script and opens every lookup, so a broken recipe fails before
    /// the cluster is touched.
    public func validate(_ plan: MigrationPlan, run: RunContext) throws {
        let engine = try LuaEngine(requireRoots: recipe.requireRoots, runStartedAt: run.startedAtISO)
        engine.lookupProvider = try SQLiteLookups(recipe.lookups)
        for step in plan.steps {
            _ = try engine.loadStep(script: step.script, from: step.from, to: step.to)
        }
        _ = try recipe.indexBodyWithMeta(for: plan.targetVersion, runID: run.runID)
        if plan.preservedIndex != nil {
            _ = try recipe.indexBodyWithMeta(for: plan.source.version, runID: run.runID)
        }
    }

    public func run(_ plan: MigrationPlan, run: RunContext = RunContext()) throws -> MigrationReport {
        let started = Date()
        try validate(plan, run: run)
        if try client.indexExists(plan.targetIndex) {
            throw FerryError(
                "target index \(plan.targetIndex) already exists but the aliases do not point to it",
                hint: "it is left from an interrupted run; delete it (or inspect it) and run again")
        }
        let source = plan.source.index
        var preservedCreated = false
        var copySeconds = 0.0
        var counts = CopyCounts()
        do {
            if let preserved = plan.preservedIndex {
                // An alias cannot share a name with an index, so the concrete index is removed in
                // the switch; copy it as it is first, to keep a rollback point.
                say("preserving concrete index \(source) as \(preserved) (rollback point)")
                try createTarget(preserved, version: plan.source.version, run: run)
                preservedCreated = true
                _ = try copy(from: source, to: preserved, steps: [], run: run, label: "preserve")
                try finishTarget(preserved, version: plan.source.version, expected: try client.count(source))
            }
            say("creating \(plan.targetIndex) with the \(plan.targetVersion) mapping")
            try createTarget(plan.targetIndex, version: plan.targetVersion, run: run)
            let copyStarted = Date()
            say("copying \(source) → \(plan.targetIndex) through \(plan.pathDescription)")
            counts = try copy(from: source, to: plan.targetIndex, steps: plan.steps, run: run, label: "copy")
            copySeconds = Date().timeIntervalSince(copyStarted)
            let expected = counts.read - counts.dropped
            try finishTarget(plan.targetIndex, version: plan.targetVersion, expected: expected)
            say("verified: \(plan.targetIndex) holds \(expected) documents (\(counts.read) read − \(counts.dropped) dropped)")
            try switchAliases(plan)
            say("switched \(recipe.readAlias) and \(recipe.writeAlias) to \(plan.targetIndex)")
        } catch {
            // Nothing has switched: remove what this run created so the cluster is as it was.
            try? client.deleteIndex(plan.targetIndex)
            if preservedCreated, let preserved = plan.preservedIndex { try? client.deleteIndex(preserved) }
            throw error
        }
        return MigrationReport(
            recipe: recipe.name, sourceIndex: plan.source.index, targetIndex: plan.targetIndex,
            path: plan.pathDescription, counts: counts, targetCount: counts.read - counts.dropped,
            seconds: Date().timeIntervalSince(started), copySeconds: copySeconds, preservedIndex: plan.preservedIndex)
    }

    /// `ferry init`: the first index at `version` (default the latest) and both aliases.
    public func initialize(version: String? = nil, run: RunContext = RunContext()) throws -> String {
        _ = try client.info()
        let version = version ?? recipe.latestVersion
        guard recipe.versions.contains(version) else {
            throw RecipeError("unknown version \(version); recipe \(recipe.name) declares \(recipe.versions.joined(separator: ", "))")
        }
        for name in Set([recipe.readAlias, recipe.writeAlias]) {
            if case let resolved = try client.resolve(name), resolved != .missing {
                throw FerryError(
                    "'\(name)' already exists in the cluster; init is for a fresh install",
                    hint: "use `ferry run \(recipe.name)` to migrate existing data")
            }
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

    // MARK: Phases

    private func copy(from source: String, to target: String, steps: [StepSpec], run: RunContext, label: String) throws -> CopyCounts {
        var job = CopyJob(sourceIndex: source, targetIndex: target, steps: steps, recipe: recipe, run: run, batch: recipe.batch)
        job.workers = workers
        job.writers = writers
        let pipeline = CopyPipeline(job: job, cluster: cluster)
        do {
            try pipeline.run { self.progress(label, $0) }
        } catch {
            throw CopyFailed(cause: error, failures: pipeline.failures, counts: pipeline.counts, target: target)
        }
        let counts = pipeline.counts
        if counts.failed > 0 {
            throw CopyFailed(cause: nil, failures: pipeline.failures, counts: counts, target: target)
        }
        return counts
    }

    /// Creates the index with bulk-load settings: no refresh and no replicas during the copy.
    private func createTarget(_ name: String, version: String, run: RunContext) throws {
        guard case .object(var body) = try recipe.indexBodyWithMeta(for: version, runID: run.runID) else { return }
        var settings = body["settings"]?.objectValue ?? [:]
        var index = settings["index"]?.objectValue ?? [:]
        index["refresh_interval"] = "-1"
        index["number_of_replicas"] = 0
        settings["index"] = .object(index)
        body["settings"] = .object(settings)
        try client.createIndex(name, body: .object(body))
    }

    /// Restores the mapping's own refresh and replica settings, refreshes and checks the count.
    private func finishTarget(_ name: String, version: String, expected: Int) throws {
        let declared = try recipe.indexBody(for: version)["settings"]
        func declaredSetting(_ key: String) -> JSONValue {
            declared?["index"]?[key] ?? declared?["index.\(key)"] ?? declared?[key] ?? .null
        }
        try client.putSettings(name, body: ["index": [
            "refresh_interval": declaredSetting("refresh_interval"),
            "number_of_replicas": declaredSetting("number_of_replicas"),
        ]])
        try client.refresh(name)
        let actual = try client.count(name)
        guard actual == expected else {
            throw FerryError("verification failed: \(name) holds \(actual) documents, expected \(expected); aliases not switched")
        }
    }

    /// One atomic `_aliases` call: read and write aliases move to the target together.
    private func switchAliases(_ plan: MigrationPlan) throws {
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
        try client.updateAliases(actions)
    }

    private func aliasAdds(to index: String) -> [AliasAction] {
        if recipe.writeAlias == recipe.readAlias {
            return [.add(index: index, alias: recipe.readAlias, isWriteIndex: true)]
        }
        return [
            .add(index: index, alias: recipe.readAlias, isWriteIndex: nil),
            .add(index: index, alias: recipe.writeAlias, isWriteIndex: true),
        ]
    }
}

/// A copy that did not finish cleanly: the documents that failed (with ids and reasons) and,
/// when a stage stopped, why.
public struct CopyFailed: UserFacingError {
    public let cause: (any Error)?
    public let failures: [DocumentFailure]
    public let counts: CopyCounts
    public let target: String

    public var description: String {
        var lines: [String] = []
        if let cause { lines.append(String(describing: cause)) }
        if counts.failed > 0 {
            lines.append("\(counts.failed) document(s) failed; aliases not switched, \(target) deleted")
            lines += failures.prefix(10).map { "  \($0)" }
            if counts.failed > 10 { lines.append("  … and \(counts.failed - 10) more") }
        } else {
            lines.append("aliases not switched; \(target) deleted")
        }
        return lines.joined(separator: "\n")
    }

    public var hint: String? {
        failures.contains { $0.stage == .transform }
            ? "fix the step, then check it offline with the recipe's fixtures before running again" : nil
    }
}
