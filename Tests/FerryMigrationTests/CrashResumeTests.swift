import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// Kill -9 at every named point of a run (and at random instants), then run the same command
/// again: the result must be exactly that of an uninterrupted run, and `ferry status` must
/// name the right state in between.
@Suite("crash and resume", .serialized)
struct CrashResumeTests {
    static let documents = 240

    struct Setup {
        let clone: OsmemClone
        let client: ClusterClient
        let recipe: Recipe
        let source: String
        let ferry: FerryProcess
        let statePath: String
    }

    func setUp(documents: Int = documents) throws -> Setup {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let recipe = try realRecipe()
        let state = NSTemporaryDirectory() + "ferry-crash-\(UUID().uuidString)/state.db"
        let source = try makeMigrator(recipe, clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: documents)
        return Setup(clone: clone, client: client, recipe: recipe, source: source,
                     ferry: FerryProcess(url: clone.url, state: state), statePath: state)
    }

    static let crashPoints: [(failpoint: String, state: MigrationState)] = [
        ("phase:VALIDATING", .preMigration),
        ("target-created", .partialSchemaChange),
        ("phase:TARGET_CREATED", .partialSchemaChange),
        ("phase:COPYING", .midReindex),
        ("slice-completed#1", .midReindex),
        ("slice-completed#3", .midReindex),
        ("phase:COPIED", .postReindexPreSwitch),
        ("phase:CATCHING_UP", .postReindexPreSwitch),
        ("catch-up-pass", .postReindexPreSwitch),
        ("phase:FROZEN", .postReindexPreSwitch),
        ("phase:VERIFIED", .postReindexPreSwitch),
        ("before-switch", .postReindexPreSwitch),
        ("after-switch", .postSwitch),
        ("phase:SWITCHED", .postSwitch),
    ]

    @Test("kill -9 at a named point, then the same command finishes with the exact result", arguments: crashPoints.map(\.failpoint))
    func killAtPoint(_ failpoint: String) throws {
        let expectedState = Self.crashPoints.first { $0.failpoint == failpoint }!.state
        let s = try setUp()
        defer { s.clone.close() }
        let command = ["run", "blog_posts", "--yes", "--slices", "4"]

        let crashed = try s.ferry.run(command, environment: ["FERRY_FAILPOINT": failpoint])
        #expect(crashed.killed, "ferry should have died at \(failpoint); status \(crashed.status), stderr: \(crashed.stderr)")

        let journal = try Journal(path: s.statePath)
        let status = try Operations(recipe: s.recipe, cluster: try s.clone.config(), journal: journal).status()
        #expect(status.state == expectedState, "after a kill at \(failpoint): \(status.explanation)")
        // Its lease document stays until it expires, but a runner on this host whose process is
        // gone holds nothing: status says so, by the rule `ferry run` takes over with.
        #expect(try s.client.getDocument(index: Lease.index, id: s.recipe.readAlias) != nil, "the killed runner's lease document is left")
        #expect(status.leaseHolder == nil, "a killed runner on this host holds no lease: \(status.nextCommand)")
        #expect(!status.nextCommand.hasPrefix("wait"), "\(status.nextCommand)")

        let resumed = try s.ferry.run(command)
        #expect(resumed.status == 0, "resume after \(failpoint) failed: \(resumed.stderr)")
        try expectExactResult(s.client, recipe: s.recipe, journal: try Journal(path: s.statePath), sourceIndex: s.source)
        let after = try Operations(recipe: s.recipe, cluster: try s.clone.config(), journal: try Journal(path: s.statePath)).status()
        #expect(after.leaseHolder == nil, "the lease is released at the end")
        #expect(after.state == .postSwitch)
    }

    @Test("killed at random instants until it finishes, the result is still exact")
    func killAtRandom() throws {
        let s = try setUp(documents: 3000)
        defer { s.clone.close() }
        var rng = SplitMix64(seed: 20261121)
        var kills = 0
        for attempt in 1...12 {
            // Early attempts die young; later ones get time to finish, so the loop ends.
            let delay = Duration.milliseconds(20 + Int(rng.next() % UInt64(150 * attempt * attempt)))
            let outcome = try s.ferry.run(["run", "blog_posts", "--yes", "--slices", "6"], killAfter: delay)
            if outcome.killed {
                kills += 1
                continue
            }
            #expect(outcome.status == 0, "run failed after \(kills) kills: \(outcome.stderr)")
            break
        }
        #expect(kills > 0, "the harness should have killed at least one run")
        try expectExactResult(s.client, recipe: s.recipe, journal: try Journal(path: s.statePath), sourceIndex: s.source)
    }

    @Test("a changed recipe is not resumed; --restart starts over cleanly")
    func changedRecipeRefused() throws {
        let s = try setUp()
        defer { s.clone.close() }
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        var ferry = s.ferry
        ferry.recipes = scratch.recipes
        let crashed = try ferry.run(["run", "blog_posts", "--yes"], environment: ["FERRY_FAILPOINT": "slice-completed#2"])
        #expect(crashed.killed)
        try scratch.write("blog_posts/steps/v1_to_v2.lua", try scratch.read("blog_posts/steps/v1_to_v2.lua") + "\n-- edited\n")

        let refused = try ferry.run(["run", "blog_posts", "--yes"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("changed since run"))
        #expect(refused.stderr.contains("--restart"))

        let restarted = try ferry.run(["run", "blog_posts", "--yes", "--restart"])
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(restarted.stdout.contains("abandoned run"))
        let journal = try Journal(path: s.statePath)
        #expect(try journal.runs(recipe: "blog_posts").map(\.phase) == [.completed, .abandoned])
        let recipe = try scratch.load()
        try expectExactResult(s.client, recipe: recipe, journal: journal, sourceIndex: s.source)
    }
}

/// A small seeded generator, so "random" kills are the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
