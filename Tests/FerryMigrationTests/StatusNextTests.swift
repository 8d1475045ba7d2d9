/// Every `next:` line `ferry status` prints, run as printed by the real binary, succeeds: the
/// cluster is driven into each state status can report (kills at failpoints, a rollback, a
/// cleanup, split aliases, a live lease, dead letters, a lost journal), then the next lines
/// are followed until the migration is done or the next step is to wait.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryJournal
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("status: every next line runs", .serialized)
struct StatusNextTests {
    struct Setup {
        let clone: OsmemClone
        let client: ClusterClient
        let ferry: FerryProcess
        let statePath: String
        let source: String?
    }

    func setUp(installed: Bool = true, documents: Int = 60, recipes: String? = nil) throws -> Setup {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let state = NSTemporaryDirectory() + "ferry-next-\(UUID().uuidString)/state.db"
        var ferry = FerryProcess(url: clone.url, state: state)
        if let recipes { ferry.recipes = recipes }
        var source: String? = nil
        if installed {
            let recipe = try realRecipe()
            source = try makeMigrator(recipe, clone).initialize(version: "1.0")
            try seedBlogPosts(client, into: recipe.writeAlias, count: documents)
        }
        return Setup(clone: clone, client: client, ferry: ferry, statePath: state, source: source)
    }

    /// The `next:` line of `ferry status blog_posts`, as printed.
    func next(_ s: Setup) throws -> (state: String, next: String) {
        let status = try s.ferry.run(["status", "blog_posts"])
        #expect(status.status == 0, "status failed: \(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        let state = lines.first?.components(separatedBy: ": ").dropFirst().joined(separator: ": ") ?? ""
        let next = lines.first { $0.hasPrefix("next: ") }.map { String($0.dropFirst(6)) } ?? ""
        return (state, next)
    }

    /// The ferry commands a next line names: its alternatives ("  or  "), each up to the
    /// explanation that follows two spaces.
    static func commands(_ next: String) -> [[String]] {
        next.components(separatedBy: "  or  ").compactMap { alternative in
            let command = alternative.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ")[0]
            guard command.hasPrefix("ferry ") else { return nil }
            return command.split(separator: " ").dropFirst().map(String.init)
        }
    }

    /// Follows status's next lines (the first alternative each time) until there is nothing
    /// left to do; every command must exit 0. Returns the states seen.
    @discardableResult
    func follow(_ s: Setup, from first: String, steps: Int = 5) throws -> [String] {
        var seen: [String] = []
        for _ in 0..<steps {
            let (state, next) = try self.next(s)
            seen.append("\(state) → \(next)")
            if next == "nothing to do" { return seen }
            let commands = Self.commands(next)
            try #require(!commands.isEmpty, "after \(first): status's next line names no ferry command: \(seen)")
            let command = commands[0]
            let outcome = try s.ferry.run(command)
            #expect(outcome.status == 0, "after \(first), in \(state): `ferry \(command.joined(separator: " "))` exited \(outcome.status): \(outcome.stderr)\nstates: \(seen)")
            if outcome.status != 0 { return seen }
            // Post-Switch's cleanup keeps the rollback point for 7 days: done for now.
            if command.first == "cleanup" && command.contains("7d") { return seen }
        }
        Issue.record("after \(first): still not done after \(steps) next commands: \(seen)")
        return seen
    }

    @Test("a cluster ferry never touched: next is init, then nothing to do")
    func emptyCluster() throws {
        let s = try setUp(installed: false)
        defer { s.clone.close() }
        let seen = try follow(s, from: "an empty cluster")
        #expect(seen.first?.contains("ferry init blog_posts") == true, "\(seen)")
    }

    @Test("right after init (no lease index yet): status, cleanup and rollback answer")
    func afterInit() throws {
        let s = try setUp()
        defer { s.clone.close() }
        #expect(try !s.client.indexExists(Lease.index), "the point: no run ever took a lease here")
        let cleanup = try s.ferry.run(["cleanup", "blog_posts", "--dry-run"])
        #expect(cleanup.status == 0, "\(cleanup.stderr)")
        let rollback = try s.ferry.run(["rollback", "blog_posts", "--yes"])
        #expect(rollback.stderr.contains("nothing to roll back"), "\(rollback.stderr)")
        #expect(!rollback.stderr.contains("index_not_found"), "\(rollback.stderr)")
        try follow(s, from: "init")
    }

    static let killPoints = ["phase:VALIDATING", "target-created", "slice-completed#1", "phase:COPIED", "phase:FROZEN", "after-switch"]

    @Test("killed at a failpoint: the next lines lead to the end", arguments: killPoints)
    func afterKill(_ failpoint: String) throws {
        let s = try setUp()
        defer { s.clone.close() }
        let crashed = try s.ferry.run(["run", "blog_posts", "--yes", "--slices", "4"], environment: ["FERRY_FAILPOINT": failpoint])
        #expect(crashed.killed, "\(failpoint): \(crashed.stderr)")
        let seen = try follow(s, from: "a kill at \(failpoint)")
        #expect(!(seen.first ?? "").contains("wait:"), "a killed runner on this host holds nothing: \(seen)")
    }

    @Test("after a completed run: cleanup now, or rollback, then the next lines again")
    func afterCompletedRun() throws {
        let s = try setUp()
        defer { s.clone.close() }
        #expect(try s.ferry.run(["run", "blog_posts", "--yes"]).status == 0)
        let (state, next) = try self.next(s)
        #expect(state == MigrationState.postSwitch.rawValue)
        let alternatives = Self.commands(next)
        #expect(alternatives.count == 2, "cleanup or rollback: \(next)")
        // The second alternative: rollback. Then status must lead to a new run that succeeds.
        let rollback = try s.ferry.run(try #require(alternatives.last))
        #expect(rollback.status == 0, "\(rollback.stderr)")
        let seen = try follow(s, from: "a rollback after the switch", steps: 6)
        #expect(seen.contains { $0.contains("ferry cleanup blog_posts --index") }, "\(seen)")
    }

    @Test("after the previous index is cleaned up: nothing to do")
    func afterCleanup() throws {
        let s = try setUp()
        defer { s.clone.close() }
        #expect(try s.ferry.run(["run", "blog_posts", "--yes"]).status == 0)
        let cleanup = try s.ferry.run(["cleanup", "blog_posts", "--older-than", "0s", "--yes"])
        #expect(cleanup.status == 0, "\(cleanup.stderr)")
        let (state, next) = try self.next(s)
        #expect(state == MigrationState.cleanup.rawValue)
        #expect(next == "nothing to do")
        #expect(try s.ferry.run(["run", "blog_posts", "--yes"]).stdout.contains("nothing to do"))
    }

    @Test("split aliases (moved by hand under a frozen run): the next lines complete it")
    func midSwitch() throws {
        let s = try setUp()
        defer { s.clone.close() }
        let crashed = try s.ferry.run(["run", "blog_posts", "--yes"], environment: ["FERRY_FAILPOINT": "phase:VERIFIED"])
        #expect(crashed.killed)
        let run = try #require(try Journal(path: s.statePath).latestRun(recipe: "blog_posts"))
        try s.client.updateAliases([
            .remove(index: try #require(s.source), alias: "blog_posts"),
            .add(index: run.plan.targetIndex, alias: "blog_posts"),
        ])
        #expect(try next(s).state == MigrationState.midSwitch.rawValue)
        try follow(s, from: "split aliases")
    }

    @Test("a live runner holds the lease: status says wait, and a run is refused")
    func liveRunner() throws {
        let s = try setUp()
        defer { s.clone.close() }
        let crashed = try s.ferry.run(["run", "blog_posts", "--yes"], environment: ["FERRY_FAILPOINT": "slice-completed#1"])
        #expect(crashed.killed)
        // This test process is a live runner on this host.
        let lease = try Lease.acquire(alias: "blog_posts", runID: "live", cluster: try s.clone.config())
        defer { lease.release() }
        let (state, next) = try self.next(s)
        #expect(state == MigrationState.midReindex.rawValue)
        #expect(next.hasPrefix("wait: ") && next.contains("pid \(getpid())"), "\(next)")
        let refused = try s.ferry.run(["run", "blog_posts", "--yes"])
        #expect(refused.status == 5, "the same rule: the holder is live, so the run waits too: \(refused.stderr)")
    }

    @Test("a run stopped on dead letters: the next line switches with them")
    func stoppedOnFailures() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v2_to_v3", """
              if ctx.id == "post-3" or ctx.id == "post-9" then error("bad post " .. ctx.id) end
              return real(doc, ctx)
            """)
        let s = try setUp(recipes: scratch.recipes)
        defer { s.clone.close() }
        let stopped = try s.ferry.run(["run", "blog_posts", "--yes", "--slices", "1"])
        #expect(stopped.status == 3, "\(stopped.stderr)")
        let status = try s.ferry.run(["status", "blog_posts"])
        #expect(status.stdout.contains("dead letters 2"), "counts agree with the dead letters: \(status.stdout)")
        #expect(!status.stdout.contains("failed 0"), "\(status.stdout)")
        let seen = try follow(s, from: "a run stopped on failures")
        #expect(seen.first?.contains("--max-errors 2") == true, "\(seen)")
    }
}
