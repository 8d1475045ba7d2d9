import Foundation
import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// The work of the phases: targets, the copy, verification and the switch.
extension Migrator {
    /// Creates the target (and, when adopting a concrete index, the rollback copy of it).
    /// Idempotent: an index this run already created is reused.
    func createTargets(_ plan: MigrationPlan, run: RunContext) throws {
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
    func copyPendingSlices(_ plan: MigrationPlan, record: RunRecord, run: RunContext, options: RunOptions) throws -> CopyCounts {
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
            job.pointInTime = try clusterInfo()
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
    func verify(_ plan: MigrationPlan, record: RunRecord, options: RunOptions) throws {
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
    func verifyContent(record: RunRecord, options: RunOptions) throws {
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
    func switchAliases(_ plan: MigrationPlan) throws {
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

}
