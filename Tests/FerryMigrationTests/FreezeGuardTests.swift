import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// The freeze guard: SIGINT and SIGTERM under the write block lift it before ferry exits, a
/// stalled request under the block ends at --max-freeze, and `ferry status` says WRITES ARE
/// BLOCKED whenever the index is, whatever the journal's phase.
@Suite("freeze guard", .serialized)
struct FreezeGuardTests {
    struct Setup {
        let clone: OsmemClone
        let client: ClusterClient
        let recipe: Recipe
        let source: String
        let ferry: FerryProcess
        let statePath: String

        func journal() throws -> Journal { try Journal(path: statePath) }
        func status() throws -> StatusReport {
            try Operations(recipe: recipe, cluster: try clone.config(), journal: try journal()).status()
        }
    }

    func setUp(documents: Int = 300) throws -> Setup {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let recipe = try realRecipe()
        let state = NSTemporaryDirectory() + "ferry-freeze-\(UUID().uuidString)/state.db"
        let source = try makeMigrator(recipe, clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: documents)
        return Setup(clone: clone, client: client, recipe: recipe, source: source,
                     ferry: FerryProcess(url: clone.url, state: state), statePath: state)
    }

    func isBlocked(_ client: ClusterClient, _ index: String) throws -> Bool {
        let value = try client.getSettings(index)["index"]?["blocks"]?["write"]
        return value == .bool(true) || value == .string("true")
    }

    static let command = ["run", "blog_posts", "--yes", "--slices", "4"]

    /// Every mode that freezes writes (its phases in the conformance suite's contract include
    /// FROZEN), at each phase that runs under the block.
    static let frozenPoints: [(mode: String, failpoint: String)] = ModeContract.all.flatMap { contract -> [(mode: String, failpoint: String)] in
        guard let frozen = contract.phases.firstIndex(of: .frozen) else { return [] }
        return contract.phases[frozen...].prefix { $0 < .switched }.map { (contract.mode.rawValue, "phase:\($0.rawValue)") }
    }
    static let signals: [(name: String, number: Int32, exit: Int32)] = [("SIGINT", SIGINT, 130), ("SIGTERM", SIGTERM, 143)]

    /// Run by the conformance suite for every mode that freezes (`ConformanceTests`).
    func signalUnderTheFreeze(_ signalName: String, _ point: String) throws {
        let sig = Self.signals.first { $0.name == signalName }!
        let (mode, failpoint) = (String(point.split(separator: " ")[0]), String(point.split(separator: " ")[1]))
        let s = try setUp()
        defer { s.clone.close() }
        let command = Self.command + ["--mode", mode]

        let running = try s.ferry.start(command, environment: ["FERRY_FAILPOINT": failpoint, "FERRY_FAILPOINT_ACTION": "pause"])
        #expect(running.waitForStderr("paused at failpoint \(failpoint)"), "ferry never reached \(failpoint): \(running.stderr)")
        #expect(try isBlocked(s.client, s.source), "writes are blocked at \(failpoint), before the signal")
        running.send(sig.number)
        let outcome = running.wait(killAfter: .seconds(60))

        #expect(outcome.status == sig.exit, "exit status after \(signalName): \(outcome.status); stderr: \(outcome.stderr)")
        #expect(try !isBlocked(s.client, s.source), "the block on \(s.source) is lifted")
        #expect(outcome.stderr.contains("lifted the write block on \(s.source)"), "says what happened: \(outcome.stderr)")
        #expect(outcome.stderr.contains("next: `ferry run blog_posts --yes`"), "names the next command: \(outcome.stderr)")
        let journal = try s.journal()
        let run = try #require(try journal.latestRun(recipe: s.recipe.name))
        #expect(try journal.frozenAt(run.runID) == nil, "the journal no longer records a block")
        let lifted = try journal.lastEvent(run.runID, startingWith: ["block set", "block lifted"])
        #expect(lifted == "block lifted on \(s.source): interrupted by \(signalName)", "the journal's last block event: \(lifted ?? "none")")
        #expect(run.phase == .catchingUp)
        let status = try s.status()
        #expect(status.writesBlocked.isEmpty, "status: \(status.explanation)")

        let resumed = try s.ferry.run(command)
        #expect(resumed.status == 0, "the same command finishes: \(resumed.stderr)")
        try expectExactResult(s.client, recipe: s.recipe, journal: try s.journal(), sourceIndex: s.source)
    }

    @Test("a second SIGINT while the block is being lifted says it is still lifting; the lift finishes and ferry exits 130")
    func secondSignalWhileLifting() throws {
        let s = try setUp()
        defer { s.clone.close() }
        let proxy = try FaultProxy(upstream: s.clone.url)
        defer { proxy.stop() }
        let ferry = FerryProcess(url: proxy.url, state: s.statePath)
        let running = try ferry.start(Self.command, environment: ["FERRY_FAILPOINT": "phase:FROZEN", "FERRY_FAILPOINT_ACTION": "pause"])
        #expect(running.waitForStderr("paused at failpoint phase:FROZEN"), "ferry never reached the freeze: \(running.stderr)")
        // The lift's answer is held for a while, so the second signal lands during it.
        _ = proxy.addRule(FaultRule(.stall(.seconds(3)), method: "PUT", path: .suffix("/_settings"), trigger: .times(1)))
        running.send(SIGINT)
        let end = ContinuousClock.now + .seconds(30)
        while proxy.faultCount(.stalled) == 0, ContinuousClock.now < end { usleep(10_000) }
        #expect(proxy.faultCount(.stalled) == 1, "the lift request reached the proxy")
        running.send(SIGINT)
        let outcome = running.wait(killAfter: .seconds(60))

        #expect(outcome.status == 130, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains("SIGINT again: still lifting the write block on \(s.source)"), "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains("lifted the write block on \(s.source)"), "stderr: \(outcome.stderr)")
        #expect(try !isBlocked(s.client, s.source))
    }

    @Test("SIGINT before any block exits 130 without touching the index; the same command then finishes exactly")
    func signalBeforeTheFreeze() throws {
        let s = try setUp()
        defer { s.clone.close() }
        let running = try s.ferry.start(Self.command, environment: ["FERRY_FAILPOINT": "phase:COPYING", "FERRY_FAILPOINT_ACTION": "pause"])
        #expect(running.waitForStderr("paused at failpoint phase:COPYING"), "ferry never reached the copy: \(running.stderr)")
        running.send(SIGINT)
        let outcome = running.wait(killAfter: .seconds(60))
        #expect(outcome.status == 130, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains("writes are not blocked"), "stderr: \(outcome.stderr)")
        #expect(try !isBlocked(s.client, s.source))
        let resumed = try s.ferry.run(Self.command)
        #expect(resumed.status == 0, "the same command finishes: \(resumed.stderr)")
        try expectExactResult(s.client, recipe: s.recipe, journal: try s.journal(), sourceIndex: s.source)
    }

    @Test("killed right after the block was set (journal phase still CATCHING_UP): status says WRITES ARE BLOCKED and how to lift them")
    func statusAfterKillUnderTheBlock() throws {
        let s = try setUp()
        defer { s.clone.close() }
        let crashed = try s.ferry.run(Self.command, environment: ["FERRY_FAILPOINT": "block-set"])
        #expect(crashed.killed, "ferry should have died at block-set: \(crashed.stderr)")
        #expect(try s.journal().latestRun(recipe: s.recipe.name)?.phase == .catchingUp, "the phase does not say FROZEN yet")
        #expect(try isBlocked(s.client, s.source))

        let status = try s.status()
        #expect(status.writesBlocked == [s.source])
        #expect(status.explanation.contains("WRITES TO \(s.source) ARE BLOCKED"), "explanation: \(status.explanation)")
        #expect(status.nextCommand.contains("ferry run blog_posts") && status.nextCommand.contains("ferry rollback blog_posts"), "next: \(status.nextCommand)")

        let resumed = try s.ferry.run(Self.command)
        #expect(resumed.status == 0, "the same command finishes: \(resumed.stderr)")
        try expectExactResult(s.client, recipe: s.recipe, journal: try s.journal(), sourceIndex: s.source)
    }

    @Test("a write block no run set: status still says WRITES ARE BLOCKED, from the index setting")
    func statusReadsTheIndexSetting() throws {
        let s = try setUp(documents: 10)
        defer { s.clone.close() }
        #expect(try s.status().writesBlocked.isEmpty)
        try s.client.putSettings(s.source, body: ["index": ["blocks": ["write": true]]])
        let status = try s.status()
        #expect(status.writesBlocked == [s.source])
        #expect(status.explanation.contains("WRITES TO \(s.source) ARE BLOCKED"), "explanation: \(status.explanation)")
        #expect(status.nextCommand.contains("index.blocks.write"), "next: \(status.nextCommand)")
    }

    @Test("a request stalled under the freeze ends at --max-freeze, not the request timeout: the block is lifted, catch-up runs again, the run finishes exactly")
    func stallEndsAtTheDeadline() throws {
        let i = try installBlogPosts(count: 300)
        defer { i.clone.close() }
        let proxy = try FaultProxy(upstream: i.clone.url)
        defer { proxy.stop() }
        // The default 120 s request timeout: only the freeze's deadline can end the stall early.
        let migrator = try Migrator(recipe: i.recipe, cluster: try ClusterConfig(url: proxy.url), journal: i.journal)
        let stalled = Locked(false)
        migrator.say = { line in
            // The first request after the first freeze stalls (a refresh, a search: whatever comes).
            if line.hasPrefix("froze writes to"), !stalled.value {
                stalled.value = true
                _ = proxy.addRule(FaultRule(.stall(.seconds(100)), trigger: .times(1)))
            }
        }
        var o = options()
        o.maxFreeze = .seconds(2)
        try migrator.runToEnd(o)
        try expectExactResult(i.client, recipe: i.recipe, journal: i.journal, sourceIndex: i.source)

        let run = try #require(try i.journal.latestRun(recipe: i.recipe.name))
        let events = try i.journal.events(run.runID)
        let set = try #require(events.first { $0.message.hasPrefix("block set") })
        let lifted = try #require(events.first { $0.message.hasPrefix("block lifted") }, "the first freeze was lifted")
        #expect(lifted.message.contains("--max-freeze"), "lifted because of the deadline: \(lifted.message)")
        let seconds = try #require(Self.seconds(lifted.at)) - (try #require(Self.seconds(set.at)))
        #expect(seconds < 2 + 1.5, "the block stayed \(seconds) s, past --max-freeze 2 s")
        #expect(events.filter { $0.message.hasPrefix("block set") }.count == 2, "frozen again after catching up")
    }

    @Test("every freeze reaching --max-freeze, the last allowed one too, lifts the block once: said once, journaled once; the run stops at CATCHING_UP and then finishes exactly")
    func lastFreezeAtTheDeadlineLiftsOnce() throws {
        let i = try installBlogPosts(count: 300)
        defer { i.clone.close() }
        let proxy = try FaultProxy(upstream: i.clone.url)
        defer { proxy.stop() }
        let migrator = try Migrator(recipe: i.recipe, cluster: try ClusterConfig(url: proxy.url), journal: i.journal)
        let said = Locked<[String]>([])
        migrator.say = { line in
            said.value.append(line)
            // After every freeze, the first request stalls past the deadline.
            if line.hasPrefix("froze writes to") { _ = proxy.addRule(FaultRule(.stall(.seconds(100)), trigger: .times(1))) }
        }
        var o = options()
        o.maxFreeze = .seconds(2)
        o.maxFreezeAttempts = 2
        let stopped = #expect(throws: FreezeDeadlineReached.self) { try migrator.runToEnd(o) }
        let source = i.source
        #expect(try !isBlocked(i.client, source), "the block on \(source) is lifted")
        #expect(stopped?.description.hasPrefix("2 freezes reached --max-freeze (2 s), so the run stops; writes to \(source) are not blocked") == true,
                "the error ferry prints: \(String(describing: stopped))")
        let lifts = said.value.filter { $0.contains("lifted the write block") }
        #expect(lifts.count == 2, "one line per lift: \(said.value)")
        #expect(lifts.allSatisfy { $0.hasPrefix("the freeze reached --max-freeze (2 s)") && $0.contains("lifted the write block on \(source)") }, "\(lifts)")

        let run = try #require(try i.journal.latestRun(recipe: i.recipe.name))
        let blockEvents = try i.journal.events(run.runID).map(\.message).filter { $0.hasPrefix("block set") || $0.hasPrefix("block lifted") }
        #expect(blockEvents.count == 4, "set and lifted once per freeze: \(blockEvents)")
        for (n, event) in blockEvents.enumerated() {
            #expect(event.hasPrefix(n.isMultiple(of: 2) ? "block set on \(source)" : "block lifted on \(source): the freeze reached --max-freeze"), "event \(n): \(event)")
        }
        #expect(try i.journal.frozenAt(run.runID) == nil, "the journal no longer records a block")
        #expect(run.phase == .catchingUp, "the next run catches up before it freezes: \(run.phase)")

        // As the hint says, the same command continues, and nothing stalls now.
        migrator.say = { _ in }
        try migrator.runToEnd(o)
        try expectExactResult(i.client, recipe: i.recipe, journal: i.journal, sourceIndex: source)
    }

    @Test("a block request that outlasts --max-freeze is a freeze like any other: lifted once at the deadline, catch-up and freeze again, the run stops after the last allowed one (exit 1) and the same command then finishes exactly")
    func stalledBlockRequestEndsAtTheDeadline() throws {
        let s = try setUp()
        defer { s.clone.close() }
        let proxy = try FaultProxy(upstream: s.clone.url)
        defer { proxy.stop() }
        // Setting the block (applied, its answer held) outlasts every freeze; lifting it
        // (`"write":null`) is answered at once.
        let stall = proxy.addRule(FaultRule(.stall(.seconds(60)), method: "PUT", path: .suffix("/_settings"), bodyContaining: #""write":true"#))
        let ferry = FerryProcess(url: proxy.url, state: s.statePath)
        let command = Self.command + ["--max-freeze", "1"]
        let outcome = try ferry.run(command)

        let attempts = RunOptions().maxFreezeAttempts
        #expect(proxy.faultCount(.stalled) == attempts, "one block request per freeze")
        #expect(outcome.status == 1, "stderr: \(outcome.stderr)")
        #expect(try !isBlocked(s.client, s.source), "the block on \(s.source) is lifted")
        let lifts = outcome.stdout.split(separator: "\n").filter { $0.contains("lifted the write block") }
        #expect(lifts.count == attempts && lifts.allSatisfy { $0.hasPrefix("the freeze reached --max-freeze (1 s)") }, "one line per lift: \(lifts)")
        #expect(outcome.stderr.contains("error: \(attempts) freezes reached --max-freeze (1 s), so the run stops; writes to \(s.source) are not blocked"),
                "stderr: \(outcome.stderr)")
        let journal = try s.journal()
        let run = try #require(try journal.latestRun(recipe: s.recipe.name))
        let blockEvents = try journal.events(run.runID).map(\.message).filter { $0.hasPrefix("block set") || $0.hasPrefix("block lifted") }
        #expect(blockEvents.count == 2 * attempts, "set and lifted once per freeze: \(blockEvents)")
        #expect(run.phase == .catchingUp)
        #expect(try journal.frozenAt(run.runID) == nil)
        #expect(try s.status().writesBlocked.isEmpty)

        proxy.removeRule(stall)
        let resumed = try ferry.run(command)
        #expect(resumed.status == 0, "the same command finishes: \(resumed.stderr)")
        try expectExactResult(s.client, recipe: s.recipe, journal: try s.journal(), sourceIndex: s.source)
    }

    static func seconds(_ iso: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: iso)?.timeIntervalSince1970
    }
}

/// A value shared with a closure that may run on another thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
