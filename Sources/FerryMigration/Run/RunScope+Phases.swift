import Foundation
import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// Work more than one mode's phases do: validating, creating targets, checking the target
/// before it takes over, and the index ownership checks.
extension RunScope {
    var writeBlock: WriteBlock {
        WriteBlock(client: client, cluster: cluster, journal: journal, freezeGuard: freezeGuard, say: say, clusterInfo: clusterInfo)
    }

    /// Compiles every step script and opens every lookup, so a broken recipe fails before
    /// the cluster is touched.
    func validate() throws {
        try Migrator.validate(plan, recipe: recipe, run: run)
    }

    /// Creates the target (and, when adopting a concrete index, the rollback copy of it).
    /// Idempotent: an index this run already created is reused.
    func createTargets() throws {
        if let preserved = plan.preservedIndex {
            // An alias cannot share a name with an index, so the concrete index is removed in
            // the switch; copy it as it is first, to keep a rollback point.
            if try ownedByRun(preserved, run.runID) { try client.deleteIndex(preserved) }
            say("preserving concrete index \(plan.source.index) as \(preserved) (rollback point)")
            try createIndex(preserved, version: plan.source.version)
            let expected = try client.count(plan.source.index)
            var pass = CopyPass(
                label: "preserve", source: plan.source.index, target: preserved, steps: [], write: VersionedIndexWrite(),
                expected: expected)
            pass.journaling = .strict("copying the concrete index \(plan.source.index) into \(preserved)")
            try copy(pass)
            try restoreSettingsAndCount(preserved, version: plan.source.version, expected: expected)
        }
        if try ownedByRun(plan.targetIndex, run.runID) {
            say("reusing \(plan.targetIndex), created by this run")
        } else {
            say("creating \(plan.targetIndex) with the \(plan.targetVersion) mapping")
            try createIndex(plan.targetIndex, version: plan.targetVersion)
            Failpoints.hit("target-created")
        }
        try removeTemplateAliases()
    }

    /// An index template matching the new index's name (a family's always does) gives it
    /// aliases, the family's read alias among them: while the index is empty, take them off,
    /// so no read sees a partial copy. The switch adds the ones the index should have.
    func removeTemplateAliases() throws {
        try Self.removeAliases(of: plan.targetIndex, client: client, say: say)
    }

    /// `index` (a run's new index, not yet switched to) leaves every alias it holds.
    static func removeAliases(of index: String, client: ClusterClient, say: (String) -> Void) throws {
        let given = try client.aliasesOfIndex(index)
        guard !given.isEmpty else { return }
        try client.updateAliases(given.map { .remove(index: index, alias: $0) })
        say("removed the alias(es) \(given.joined(separator: ", ")) an index template gave \(index), before copying into it")
    }

    /// Refuses to go on with more dead letters than `--max-errors`, restores the target's own
    /// settings and refreshes it. (The frozen pass has already proved, id by id and version by
    /// version, that the target holds exactly the source's documents less the dropped ones.)
    /// `stableCount`: the application does not write to the target yet, so its count must
    /// hold still across the refresh.
    func verify(stableCount: Bool) throws {
        try checkDeadLetters()
        let expected = stableCount ? try client.count(plan.targetIndex) : nil
        try restoreSettingsAndCount(plan.targetIndex, version: plan.targetVersion, expected: expected)
    }

    /// Recomputes T(source) for a sample (or all) of the documents and compares with the
    /// target, with the mapping and the recipe's canaries: the switch waits for it to pass.
    func verifyContent() throws {
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
    private func createIndex(_ name: String, version: String) throws {
        let body0 = try recipe.indexBodyWithMeta(for: version, runID: run.runID, source: plan.source.index, journalID: try journal.journalID())
        guard case .object(var body) = body0 else { return }
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
        let owner = FerryMeta.runID(inMapping: try client.getMapping(index))
        guard owner == runID else {
            throw FerryError(
                "index \(index) already exists and was not created by this run (\(owner.map { "run \($0)" } ?? "not by ferry"))",
                hint: "inspect it; delete it if it is a leftover, then run again")
        }
        return true
    }

    /// Restores the mapping's own refresh and replica settings, refreshes and checks the count.
    func restoreSettingsAndCount(_ name: String, version: String, expected: Int?) throws {
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
    /// Idempotent: if both aliases already point only at the target, there is nothing to do.
    func switchAliases() throws {
        if plan.familyRun != nil { return try switchMember() }
        let target = plan.targetIndex
        let read = try client.resolve(recipe.readAlias)
        let write = recipe.writeAlias == recipe.readAlias ? read : try client.resolve(recipe.writeAlias)
        if read == .alias(indices: [target]) && write == .alias(indices: [target]) { return }
        var actions = aliases.switchOver(from: plan.source, to: target)
        if case .alias(let readIndices) = read, readIndices.contains(target) {
            // Split by hand (ferry's own switch is one call): finish it from where the aliases
            // are, so the write alias does not stay on the write-blocked source.
            let writeIndices: [String]
            if case .alias(let indices) = write { writeIndices = indices } else { writeIndices = [] }
            actions = readIndices.filter { $0 != target }.flatMap { aliases.remove($0, from: [recipe.readAlias]) }
                + (recipe.writeAlias == recipe.readAlias ? [] : writeIndices.filter { $0 != target }.flatMap { aliases.remove($0, from: [recipe.writeAlias]) })
                + aliases.add(to: target)
        }
        Failpoints.hit("before-switch")
        try client.updateAliases(actions)
        say("switched \(recipe.readAlias) and \(recipe.writeAlias) to \(plan.targetIndex)")
    }

    /// A family member's switch: one `_aliases` call that moves the read alias (and the write
    /// alias, when the member holds it) from the member to its new index; the other members
    /// keep theirs. Idempotent, like the single-index switch.
    private func switchMember() throws {
        let (member, target) = (plan.source.index, plan.targetIndex)
        let movesWrites = !plan.source.writeAliasIndices.isEmpty
        let isWriteIndex = try movesWrites && FamilyDiscovery.writeIndices(client: client, recipe: recipe).contains(member)
        let actions = aliases.swapMember(
            member, to: target, movesWrites: movesWrites, isWriteIndex: isWriteIndex,
            memberAliases: try client.aliasesOfIndex(member), targetAliases: try client.aliasesOfIndex(target))
        guard !actions.isEmpty else { return }
        Failpoints.hit("before-switch")
        try client.updateAliases(actions)
        // What the call moved, not what the member held when its unit started (a rollover since
        // keeps the write alias where the application put it).
        let writes: String
        if recipe.writeAlias == recipe.readAlias {
            writes = actions.contains(.add(index: target, alias: recipe.readAlias, isWriteIndex: true)) ? " (as its write index)" : ""
        } else {
            writes = actions.contains { if case .add(_, recipe.writeAlias, _) = $0 { true } else { false } } ? " and \(recipe.writeAlias)" : ""
        }
        say("switched \(member) → \(target) in \(recipe.readAlias)" + writes)
    }
}
