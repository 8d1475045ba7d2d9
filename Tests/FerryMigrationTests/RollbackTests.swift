import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// Rollback after the switch loses nothing (issue 14): what the application wrote, updated or
/// deleted in the new index since the switch goes back into the old index through the reverse
/// steps; untouched documents stay byte-identical; without reverse steps it refuses, or with
/// --discard-writes-since-switch lists what it leaves behind.
@Suite("rollback after the switch", .serialized)
struct RollbackTests {
    @Test("a live writer across the switch and the rollback: the old index = T⁻¹(new) for every document touched since the switch, the rest byte-identical")
    func liveWriterAcrossSwitchAndRollback() throws {
        let s = try installBlogPosts(count: 1_000)
        defer { s.clone.close() }
        let migrator = try makeMigrator(s.recipe, s.clone, journal: s.journal)
        let writer = LiveWriter(alias: s.recipe.writeAlias, readAlias: s.recipe.readAlias, sourceIndex: s.source, config: try s.clone.config())
        migrator.say = { line in if line.hasPrefix("switched ") { writer.switchToNewShape() } }
        writer.start(existing: 1_000, seed: 7, interval: .milliseconds(2))
        writer.waitForWrites(30)
        var forward = options(slices: 4)
        forward.freezeThreshold = 20
        try migrator.runToEnd(forward)
        let run = try #require(try s.journal.latestRun(recipe: s.recipe.name))
        let new = run.plan.targetIndex
        writer.watchBlockOn(new)
        // The old index is write-blocked from the freeze on: this is what it held at the switch.
        let atSwitch = try sourceBytes(s.client, s.source)
        writer.waitForWrites(300)
        let beforeRollback = writer.acknowledged.count

        var rollback = RollbackOptions()
        rollback.run.freezeThreshold = 20
        let operations = try Operations(recipe: s.recipe, cluster: try s.clone.config(), journal: s.journal)
        let outcome = try operations.rollback(cluster: try s.clone.config(), options: rollback, say: { line in
            if line.hasPrefix("switched ") { writer.switchToOldShape() }
        })
        writer.waitForWrites(30)
        writer.stop()
        #expect(writer.failure == nil, "writer: \(writer.failure ?? "")")
        outcome.lines.forEach { print($0) }

        let writes = writer.acknowledged
        let sinceSwitch = writes.filter { $0.index == new }.count
        print("rollback under live writes: \(sinceSwitch) writes to \(new) since the switch (\(writes.count - beforeRollback) during the rollback), \(writer.refused) refused")
        #expect(outcome.kind == .reversed)
        #expect(sinceSwitch > 100, "the application wrote to the new index since the switch")
        #expect(outcome.broughtBack > 0 && outcome.freezeMilliseconds != nil)

        // Writes before the switch are in `atSwitch`; then those to the new index (reversed),
        // then those to the old index after the switch back (as written).
        var oracle = RollbackOracle(atSwitch: atSwitch)
        var switchedBack = false
        for write in writes.drop(while: { $0.index != new }) {
            if write.index == new {
                #expect(!switchedBack, "a write reached \(new) after the switch back")
                oracle.wroteToNew(write.id, write.body)
            } else {
                switchedBack = true
                oracle.wroteToOld(write.id, write.body)
            }
        }
        let rollbackRun = try #require(try s.journal.latestRun(recipe: s.recipe.name))
        let chain = try StepChain(recipe: s.recipe, steps: try s.recipe.graph.path(from: "3.0", to: "1.0"), runStartedAt: rollbackRun.startedAt)
        let problems = try oracle.check(actual: try sourceBytes(s.client, s.source), atSwitch: atSwitch, reverse: chain, index: new)
        #expect(problems.isEmpty, "\(problems.count) problems: \(problems.prefix(10))")

        #expect(try s.client.resolve(s.recipe.readAlias) == .alias(indices: [s.source]))
        #expect(try s.client.resolve(s.recipe.writeAlias) == .alias(indices: [s.source]))
        #expect(try !isWriteBlocked(s.client, s.source), "the old index takes writes again")
        #expect(try isWriteBlocked(s.client, new), "the new index stays write-blocked")
        #expect(rollbackRun.phase == .completed && rollbackRun.plan.rollbackOf == run.runID)
        #expect(try s.journal.runs(recipe: s.recipe.name).first { $0.runID == run.runID }?.phase == .rolledBack)
    }

    @Test("no writes since the switch: the alias flip, nothing copied")
    func noWritesIsAFlip() throws {
        let s = try installBlogPosts(count: 200)
        defer { s.clone.close() }
        try makeMigrator(s.recipe, s.clone, journal: s.journal).runToEnd(options())
        let new = try #require(try s.journal.latestRun(recipe: s.recipe.name)).plan.targetIndex
        let atSwitch = try sourceBytes(s.client, s.source)
        let outcome = try Operations(recipe: s.recipe, cluster: try s.clone.config(), journal: s.journal)
            .rollback(cluster: try s.clone.config(), options: RollbackOptions())
        #expect(outcome.kind == .flipped)
        #expect(outcome.writtenSinceSwitch == 0 && outcome.deletedSinceSwitch == 0)
        #expect(try s.client.resolve(s.recipe.readAlias) == .alias(indices: [s.source]))
        #expect(try sourceBytes(s.client, s.source) == atSwitch)
        #expect(try isWriteBlocked(s.client, new))
        #expect(try s.journal.latestRun(recipe: s.recipe.name)?.phase == .rolledBack)
    }

    @Test("without reverse steps, writes since the switch: refuses, says how many, names both ways on, changes nothing")
    func refusesWithoutReverseSteps() throws {
        let scratch = try recipeWithoutReverseSteps()
        defer { scratch.remove() }
        let s = try installBlogPosts(try scratch.load(), count: 200)
        defer { s.clone.close() }
        try makeMigrator(s.recipe, s.clone, journal: s.journal).runToEnd(options())
        let new = try #require(try s.journal.latestRun(recipe: s.recipe.name)).plan.targetIndex
        try writeSinceSwitch(s.client, alias: s.recipe.writeAlias, updated: 4, created: 3, deleted: 2)
        let before = (try sourceBytes(s.client, s.source), try sourceBytes(s.client, new))

        let error = #expect(throws: FerryError.self) {
            try Operations(recipe: s.recipe, cluster: try s.clone.config(), journal: s.journal).rollback(cluster: try s.clone.config(), options: RollbackOptions())
        }
        let text = "\(error?.description ?? "") \(error?.hint ?? "")"
        #expect(text.contains("9 document(s) changed in \(new) since the switch (7 written or updated, 2 deleted)"), "\(text)")
        #expect(text.contains("add reverse steps") && text.contains("--discard-writes-since-switch"), "\(text)")
        #expect(try sourceBytes(s.client, s.source) == before.0)
        #expect(try sourceBytes(s.client, new) == before.1)
        #expect(try s.client.resolve(s.recipe.readAlias) == .alias(indices: [new]))
        #expect(try s.client.resolve(s.recipe.writeAlias) == .alias(indices: [new]))
        #expect(try isWriteBlocked(s.client, s.source) && !isWriteBlocked(s.client, new))
        #expect(try s.journal.latestRun(recipe: s.recipe.name)?.phase == .completed)
    }
}

extension RollbackTests {
    @Test("a reverse step that fails documents: the rollback stops with dead letters and no switch back; the recipe fixed, --restart finishes with nothing lost")
    func failingReverseStepThenRestart() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        let s = try installBlogPosts(try scratch.load(), count: 200)
        defer { s.clone.close() }
        try makeMigrator(s.recipe, s.clone, journal: s.journal).runToEnd(options())
        let run = try #require(try s.journal.latestRun(recipe: s.recipe.name))
        let new = run.plan.targetIndex
        let atSwitch = try sourceBytes(s.client, s.source)
        let writes = try writeSinceSwitch(s.client, alias: s.recipe.writeAlias, updated: 12, created: 6, deleted: 4)

        // The reverse step breaks on the posts created after the switch.
        try scratch.wrapStep("v3_to_v2", "if string.find(doc.title, 'after%-') then error('cannot go back') end\nreturn real(doc, ctx)")
        let broken = try scratch.load()
        let operations = try Operations(recipe: broken, cluster: try s.clone.config(), journal: s.journal)
        // Over --max-errors 0: the pass stops (exit 3 from the command line).
        #expect(throws: CopyFailed.self) { try operations.rollback(cluster: try s.clone.config(), options: RollbackOptions()) }
        #expect(try s.client.resolve(s.recipe.readAlias) == .alias(indices: [new]), "no switch back with dead letters")
        #expect(try !isWriteBlocked(s.client, new), "the freeze of the new index is lifted after the failure")
        let stopped = try #require(try s.journal.latestRun(recipe: s.recipe.name))
        #expect(stopped.plan.rollbackOf == run.runID && !stopped.phase.isFinal)
        #expect(try s.journal.deadLetterCount(stopped.runID) >= 1)
        #expect(try operations.status().nextCommand.hasPrefix("ferry rollback blog_posts"))

        // Fixed: the changed recipe is refused for the unfinished run, then --restart starts over.
        let fixed = try ScratchRecipes()
        defer { fixed.remove() }
        let fixedOperations = try Operations(recipe: try fixed.load(), cluster: try s.clone.config(), journal: s.journal)
        #expect {
            try fixedOperations.rollback(cluster: try s.clone.config(), options: RollbackOptions())
        } throws: { error in
            (error as? FerryError)?.hint?.contains("--restart") == true
        }
        var restart = RollbackOptions()
        restart.restart = true
        let outcome = try fixedOperations.rollback(cluster: try s.clone.config(), options: restart)
        #expect(outcome.kind == .reversed && outcome.failed == 0)
        #expect(try s.journal.runs(recipe: s.recipe.name).first { $0.runID == stopped.runID }?.phase == .abandoned)

        var oracle = RollbackOracle(atSwitch: atSwitch)
        for write in writes { oracle.wroteToNew(write.id, write.body) }
        let latest = try #require(try s.journal.latestRun(recipe: s.recipe.name))
        let fixedRecipe = try fixed.load()
        let chain = try StepChain(recipe: fixedRecipe, steps: try fixedRecipe.graph.path(from: "3.0", to: "1.0"), runStartedAt: latest.startedAt)
        let problems = try oracle.check(actual: try sourceBytes(s.client, s.source), atSwitch: atSwitch, reverse: chain, index: new)
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        #expect(try s.client.resolve(s.recipe.readAlias) == .alias(indices: [s.source]))
    }
}
