import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// The real binary: `ferry rollback` killed with SIGKILL at a point of its run, then the same
/// command finishes it exactly; `--discard-writes-since-switch` names and writes its NDJSON.
@Suite("rollback with the real binary", .serialized)
struct RollbackCrashTests {
    struct Setup {
        let clone: OsmemClone
        let client: ClusterClient
        let recipe: Recipe
        let ferry: FerryProcess
        let statePath: String
        let old: String
        let new: String
        let atSwitch: [String: [UInt8]]
    }

    /// blog_posts migrated 1.0 → 3.0 with the binary, then application writes to the new index.
    func setUp(recipes: ScratchRecipes? = nil) throws -> (Setup, [(id: String, body: JSONValue?)]) {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let recipe = try recipes?.load() ?? realRecipe()
        let state = NSTemporaryDirectory() + "ferry-rollback-\(UUID().uuidString)/state.db"
        let old = try makeMigrator(recipe, clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 300)
        var ferry = FerryProcess(url: clone.url, state: state)
        if let recipes { ferry.recipes = recipes.recipes }
        let migrated = try ferry.run(["run", "blog_posts", "--yes", "--slices", "2"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let new = try #require(try Journal(path: state).latestRun(recipe: "blog_posts")).plan.targetIndex
        let atSwitch = try sourceBytes(client, old)
        let writes = try writeSinceSwitch(client, alias: recipe.writeAlias, updated: 40, created: 15, deleted: 10)
        return (Setup(clone: clone, client: client, recipe: recipe, ferry: ferry, statePath: state, old: old, new: new, atSwitch: atSwitch), writes)
    }

    @Test("kill -9 during the rollback, then the same command finishes it exactly",
          arguments: ["phase:COPYING", "phase:CATCHING_UP", "phase:FROZEN", "before-switch", "after-switch"])
    func killDuringRollback(_ failpoint: String) throws {
        let (s, writes) = try setUp()
        defer { s.clone.close() }
        let command = ["rollback", "blog_posts", "--yes"]
        let crashed = try s.ferry.run(command, environment: ["FERRY_FAILPOINT": failpoint])
        #expect(crashed.killed, "ferry should have died at \(failpoint); status \(crashed.status), stderr: \(crashed.stderr)")
        let status = try Operations(recipe: s.recipe, cluster: try s.clone.config(), journal: try Journal(path: s.statePath)).status()
        #expect(status.nextCommand.hasPrefix("ferry rollback blog_posts"), "after a kill at \(failpoint): \(status.explanation) / \(status.nextCommand)")
        #expect(status.explanation.contains("rollback run"), "\(status.explanation)")

        let resumed = try s.ferry.run(command)
        #expect(resumed.status == 0, "resume after \(failpoint) failed: \(resumed.stdout) \(resumed.stderr)")
        #expect(resumed.stdout.contains("continuing rollback run"), "\(resumed.stdout)")

        var oracle = RollbackOracle(atSwitch: s.atSwitch)
        for write in writes { oracle.wroteToNew(write.id, write.body) }
        let journal = try Journal(path: s.statePath)
        let rollbackRun = try #require(try journal.latestRun(recipe: "blog_posts"))
        let chain = try StepChain(recipe: s.recipe, steps: try s.recipe.graph.path(from: "3.0", to: "1.0"), runStartedAt: rollbackRun.startedAt)
        let problems = try oracle.check(actual: try sourceBytes(s.client, s.old), atSwitch: s.atSwitch, reverse: chain, index: s.new)
        #expect(problems.isEmpty, "after a kill at \(failpoint), \(problems.count) problems: \(problems.prefix(10))")
        #expect(rollbackRun.phase == .completed)
        #expect(try s.client.resolve("blog_posts") == .alias(indices: [s.old]))
        #expect(try s.client.resolve("blog_posts-write") == .alias(indices: [s.old]))
        #expect(try isWriteBlocked(s.client, s.new) && !isWriteBlocked(s.client, s.old))
    }

    /// Finishes the rollback with the same command and checks the exact result.
    func expectFinishedExactly(_ s: Setup, _ writes: [(id: String, body: JSONValue?)], after what: String) throws {
        let resumed = try s.ferry.run(["rollback", "blog_posts", "--yes"])
        #expect(resumed.status == 0, "the same command after \(what): \(resumed.stdout) \(resumed.stderr)")
        var oracle = RollbackOracle(atSwitch: s.atSwitch)
        for write in writes { oracle.wroteToNew(write.id, write.body) }
        let rollbackRun = try #require(try Journal(path: s.statePath).latestRun(recipe: "blog_posts"))
        let chain = try StepChain(recipe: s.recipe, steps: try s.recipe.graph.path(from: "3.0", to: "1.0"), runStartedAt: rollbackRun.startedAt)
        let problems = try oracle.check(actual: try sourceBytes(s.client, s.old), atSwitch: s.atSwitch, reverse: chain, index: s.new)
        #expect(problems.isEmpty, "after \(what), \(problems.count) problems: \(problems.prefix(10))")
        #expect(rollbackRun.phase == .completed)
        #expect(try s.client.resolve("blog_posts-write") == .alias(indices: [s.old]))
        #expect(try isWriteBlocked(s.client, s.new) && !isWriteBlocked(s.client, s.old))
    }

    @Test("SIGINT and SIGTERM while the rollback blocks writes to the new index: the block is lifted (index setting), journaled, the next command named, exit 130/143; the same command then finishes exactly",
          arguments: ["SIGINT", "SIGTERM"])
    func signalUnderTheRollbackFreeze(_ signalName: String) throws {
        let (sig, exit): (Int32, Int32) = signalName == "SIGINT" ? (SIGINT, 130) : (SIGTERM, 143)
        let (s, writes) = try setUp()
        defer { s.clone.close() }
        let running = try s.ferry.start(["rollback", "blog_posts", "--yes"], environment: ["FERRY_FAILPOINT": "phase:FROZEN", "FERRY_FAILPOINT_ACTION": "pause"])
        #expect(running.waitForStderr("paused at failpoint phase:FROZEN"), "the rollback never reached its freeze: \(running.stderr)")
        #expect(try isWriteBlocked(s.client, s.new), "writes to the new index are blocked before the signal")
        running.send(sig)
        let outcome = running.wait(killAfter: .seconds(60))

        #expect(outcome.status == exit, "exit status after \(signalName): \(outcome.status); stderr: \(outcome.stderr)")
        #expect(try !isWriteBlocked(s.client, s.new), "the block on \(s.new) is lifted")
        #expect(try isWriteBlocked(s.client, s.old), "the old index stays blocked: no switch back happened")
        #expect(try s.client.resolve("blog_posts-write") == .alias(indices: [s.new]), "the application still writes to the new index")
        #expect(outcome.stderr.contains("lifted the write block on \(s.new)"), "says what happened: \(outcome.stderr)")
        #expect(outcome.stderr.contains("next: `ferry rollback blog_posts --yes`"), "names the next command: \(outcome.stderr)")
        let journal = try Journal(path: s.statePath)
        let run = try #require(try journal.latestRun(recipe: "blog_posts"))
        #expect(run.plan.rollbackOf != nil && run.phase == .catchingUp, "the rollback run goes back to catching up: \(run.phase)")
        #expect(try journal.frozenAt(run.runID) == nil, "the journal no longer records a block")
        let lifted = try journal.lastEvent(run.runID, startingWith: ["block set on \(s.new)", "block lifted on \(s.new)"])
        #expect(lifted == "block lifted on \(s.new): interrupted by \(signalName)", "the journal's last block event: \(lifted ?? "none")")
        try expectFinishedExactly(s, writes, after: signalName)
    }

    @Test("the old index stays write-blocked through the rollback run until the switch back (index settings at each failpoint); killed there, the same command finishes exactly",
          arguments: ["phase:COPYING", "phase:CATCHING_UP", "catch-up-pass", "phase:FROZEN", "phase:VERIFIED", "before-switch"])
    func oldIndexBlockedUntilTheSwitchBack(_ failpoint: String) throws {
        let (s, writes) = try setUp()
        defer { s.clone.close() }
        let running = try s.ferry.start(["rollback", "blog_posts", "--yes"], environment: ["FERRY_FAILPOINT": failpoint, "FERRY_FAILPOINT_ACTION": "pause"])
        #expect(running.waitForStderr("paused at failpoint \(failpoint)"), "the rollback never reached \(failpoint): \(running.stderr)")
        let blockedAt = try isWriteBlocked(s.client, s.old)
        let alias = try s.client.resolve("blog_posts-write")
        // SIGKILL: at before-switch the paused run holds the switch's guard, which a handled
        // signal would wait for; and a kill anywhere must leave what the same command finishes.
        running.send(SIGKILL)
        _ = running.wait(killAfter: .seconds(60))
        if failpoint == "before-switch" {
            // The block is lifted right before the one _aliases call that moves the application there.
            #expect(!blockedAt && alias == .alias(indices: [s.new]), "at \(failpoint): blocked \(blockedAt), write alias \(alias)")
        } else {
            #expect(blockedAt, "\(s.old) is write-blocked at \(failpoint)")
        }
        try expectFinishedExactly(s, writes, after: "SIGKILL at \(failpoint)")
    }

    @Test("without reverse steps the binary refuses (exit 1, nothing changed); --discard-writes-since-switch writes the NDJSON of the ids it leaves behind")
    func discardWritesSinceSwitch() throws {
        let scratch = try recipeWithoutReverseSteps()
        defer { scratch.remove() }
        let (s, writes) = try setUp(recipes: scratch)
        defer { s.clone.close() }
        let refused = try s.ferry.run(["rollback", "blog_posts", "--yes"])
        #expect(refused.status == 1, "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("65 document(s) changed in \(s.new) since the switch (55 written or updated, 10 deleted)"), "\(refused.stderr)")
        #expect(try s.client.resolve("blog_posts") == .alias(indices: [s.new]))
        #expect(try sourceBytes(s.client, s.old) == s.atSwitch)

        let file = NSTemporaryDirectory() + "ferry-discarded-\(UUID().uuidString).ndjson"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let discarded = try s.ferry.run(["rollback", "blog_posts", "--yes", "--discard-writes-since-switch", "--discarded-ids", file])
        #expect(discarded.status == 0, "\(discarded.stdout) \(discarded.stderr)")
        #expect(discarded.stdout.contains(file), "\(discarded.stdout)")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let listed = Set(lines.compactMap { $0["id"]?.stringValue })
        #expect(listed == Set(writes.map(\.id)), "listed \(listed.count), wrote \(Set(writes.map(\.id)).count)")
        #expect(lines.filter { $0["change"] == "deleted" }.count == 10)
        #expect(lines.allSatisfy { $0["index"]?.stringValue == s.new })
        #expect(try s.client.resolve("blog_posts") == .alias(indices: [s.old]))
        #expect(try sourceBytes(s.client, s.old) == s.atSwitch, "the old index is as it was at the switch")
        #expect(try isWriteBlocked(s.client, s.new), "the new index keeps the discarded writes, write-blocked")
    }
}
