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
