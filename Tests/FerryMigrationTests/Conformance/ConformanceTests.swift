/// One suite every mode passes (after golang-migrate's shared driver tests): the same tests,
/// parametrised by mode, so a new strategy proves the same guarantees by adding one row to
/// `ModeContract.all`.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("conformance: every mode", .serialized)
struct ConformanceTests {
    static let modes = ModeContract.all

    func runOptions(_ mode: MigrationMode, maxErrors: Int = 0, workers: Int = 1, writers: Int = 1) -> RunOptions {
        var o = options(maxErrors: maxErrors, slices: 4)
        o.mode = mode
        o.workers = workers
        o.writers = writers
        return o
    }

    @Test("live writes through the switch: 0 lost, 0 resurrected, 0 stale; every pass with the run's workers and writers", arguments: modes)
    func liveWrites(_ contract: ModeContract) throws {
        let report = try LiveWriteTests().runUnderLiveWrites(
            contract.mode, deleteEverywhere: contract.deletesEverywhere, documents: 300, workers: 2, writers: 3
        ) { writer, line in
            if line.hasPrefix(contract.applicationFollows) { writer.switchToNewShape(deleteEverywhere: contract.deletesEverywhere) }
        }
        // Under live writes the later passes run too (catch-up, backfill, in-place passes).
        for pass in report.passes {
            #expect(pass.workers == 2 && pass.writers == 3, "\(pass.label): \(pass.workers) workers, \(pass.writers) writers")
        }
    }

    @Test("SIGKILL at each of the mode's phases, then the same command finishes exactly", arguments: ModeContract.killPoints)
    func killAtPhase(_ point: KillPoint) throws {
        let cluster = try ConformanceCluster()
        defer { cluster.clone.close() }
        let state = temporaryStatePath()
        let ferry = cluster.ferry(state: state)
        let command = ["run", "blog_posts", "--yes", "--slices", "4", "--mode", point.contract.mode.rawValue]
        let crashed = try ferry.run(command, environment: ["FERRY_FAILPOINT": "phase:\(point.phase.rawValue)"])
        #expect(crashed.killed, "ferry should have died at \(point.phase.rawValue); status \(crashed.status), stderr: \(crashed.stderr)")
        let resumed = try ferry.run(command)
        #expect(resumed.status == 0, "resume after \(point.phase.rawValue) failed: \(resumed.stderr)")
        try cluster.expectExact(journal: try Journal(path: state))
    }

    @Test("per-item 429, 413, connection resets and stalls cost time, never documents", arguments: modes)
    func faults(_ contract: ModeContract) throws {
        let cluster = try ConformanceCluster(documents: 300)
        defer { cluster.clone.close() }
        let proxy = try FaultProxy(upstream: cluster.clone.url, seed: 11)
        defer { proxy.stop() }
        let config = try ClusterConfig(
            url: proxy.url, connectTimeout: .seconds(5), requestTimeout: .seconds(2),
            retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(2), maxDelay: .milliseconds(20)))
        let bulk = PathMatch.suffix("_bulk")
        let rules = [
            proxy.addRule(FaultRule(.tooManyRequests(), path: bulk, trigger: .times(2))),
            proxy.addRule(FaultRule(.resetAfterForwarding, path: bulk, trigger: .times(2))),
            proxy.addRule(FaultRule(.resetBeforeForwarding, path: .suffix("_search"), trigger: .times(2))),
            proxy.addRule(FaultRule(.payloadTooLarge, path: bulk, bodyLargerThan: 20_000)),
            // Counted, not random: every mode makes few enough requests that a random trigger
            // could miss one.
            proxy.addRule(FaultRule(.rejectBulkItems(.random(probability: 0.3)), path: bulk, trigger: .times(3))),
            proxy.addRule(FaultRule(.stall(.milliseconds(30)), path: .regex("_search|_count|_refresh"), trigger: .times(3))),
        ]
        let journal = try temporaryJournal()
        try Migrator(recipe: cluster.recipe, cluster: config, journal: journal).runToEnd(runOptions(contract.mode, workers: 2, writers: 2))
        let fired = rules.map { proxy.injections(of: $0) }
        print("\(contract.mode.rawValue): faults fired per rule: \(fired)")
        #expect(fired.allSatisfy { $0 > 0 }, "every kind of fault was injected: \(fired)")
        try cluster.expectExact(journal: journal)
    }

    @Test("more failed documents than --max-errors: exit 3, nothing switched; within it the run finishes", arguments: modes)
    func maxErrors(_ contract: ModeContract) throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v2_to_v3", """
              if ctx.id == "post-3" or ctx.id == "post-9" then error("bad post " .. ctx.id) end
              return real(doc, ctx)
            """)
        let recipe = try scratch.load()
        let cluster = try ConformanceCluster(recipe: recipe, documents: 40)
        defer { cluster.clone.close() }
        let state = temporaryStatePath()
        let ferry = cluster.ferry(state: state, recipes: scratch.recipes)
        let command = ["run", "blog_posts", "--yes", "--slices", "4", "--mode", contract.mode.rawValue]
        let failed = try ferry.run(command + ["--max-errors", "1"])
        #expect(failed.status == ExitStatus.documentsFailed, "exit 3; got \(failed.status): \(failed.stderr)")
        #expect(failed.stderr.contains("post-3") || failed.stderr.contains("post-9"), "names a failed document: \(failed.stderr)")
        let finished = try ferry.run(command + ["--max-errors", "2"])
        #expect(finished.status == 0, "\(finished.stderr)")
        let journal = try Journal(path: state)
        #expect(try journal.deadLetters(try #require(try journal.latestRun(recipe: recipe.name)).runID).map(\.id).sorted() == ["post-3", "post-9"])
        try cluster.expectExact(journal: journal, allowFailed: ["post-3", "post-9"])
    }

    @Test("the cluster unavailable during a pass: exit 4 with the state saved; the same run then finishes", arguments: modes)
    func clusterUnavailable(_ contract: ModeContract) throws {
        let cluster = try ConformanceCluster()
        defer { cluster.clone.close() }
        let proxy = try FaultProxy(upstream: cluster.clone.url, seed: 3)
        defer { proxy.stop() }
        let failing = try ClusterConfig(
            url: proxy.url, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(2), maxDelay: .milliseconds(5)),
            circuitBreaker: CircuitBreaker(threshold: 3, coolDown: nil))
        let journal = try temporaryJournal()
        let outage = proxy.addRule(FaultRule(.serviceUnavailable, path: .suffix("_bulk")))
        #expect {
            try Migrator(recipe: cluster.recipe, cluster: failing, journal: journal).runToEnd(runOptions(contract.mode))
        } throws: { error in
            ExitStatus.code(for: error) == ExitStatus.clusterUnavailable
        }
        #expect(try journal.unfinishedRun(recipe: cluster.recipe.name)?.phase == .copying, "state saved at the copy")
        proxy.removeRule(outage)
        try Migrator(recipe: cluster.recipe, cluster: try cluster.clone.config(), journal: journal).runToEnd(runOptions(contract.mode))
        try cluster.expectExact(journal: journal)
    }

    @Test("--workers and --writers are honoured by every pass, as the run report shows", arguments: modes)
    func workersAndWriters(_ contract: ModeContract) throws {
        let cluster = try ConformanceCluster()
        defer { cluster.clone.close() }
        let journal = try temporaryJournal()
        let report = try makeMigrator(cluster.recipe, cluster.clone, journal: journal).runToEnd(runOptions(contract.mode, workers: 3, writers: 2))
        #expect(!report.passes.isEmpty)
        for pass in report.passes {
            #expect(pass.workers == 3 && pass.writers == 2, "\(pass.label): \(pass.workers) workers, \(pass.writers) writers")
            #expect(pass.reader == "point in time", "\(pass.label) read with \(pass.reader)")
        }
        #expect(report.lines.contains { $0.contains("3 worker(s), 2 writer(s)") }, "\(report.lines)")
        try cluster.expectExact(journal: journal)
    }

    @Test("the passes after the first copy use the same workers and writers, and stop with exit 4 when the cluster is unavailable", arguments: modes)
    func laterPasses(_ contract: ModeContract) throws {
        let cluster = try ConformanceCluster()
        defer { cluster.clone.close() }
        let proxy = try FaultProxy(upstream: cluster.clone.url, seed: 5)
        defer { proxy.stop() }
        let state = temporaryStatePath()
        let command = ["run", "blog_posts", "--yes", "--slices", "4", "--workers", "2", "--writers", "3", "--mode", contract.mode.rawValue]
        let direct = cluster.ferry(state: state)
        #expect(try direct.run(command, environment: ["FERRY_FAILPOINT": "phase:COPIED"]).killed)
        // Documents written to the old index after the copy read it (the same content again:
        // the exact result does not change): the mode's later pass must take them.
        try seedBlogPosts(cluster.client, into: cluster.source, count: 20)

        let outage = proxy.addRule(FaultRule(.serviceUnavailable, path: .suffix("_bulk")))
        let failed = try FerryProcess(url: proxy.url, state: state).run(command)
        #expect(failed.status == ExitStatus.clusterUnavailable, "exit 4 from the \(contract.laterPass) pass; got \(failed.status): \(failed.stderr)")
        #expect(failed.stderr.contains("stopped during the \(contract.laterPass)"), "\(failed.stderr)")
        proxy.removeRule(outage)

        let finished = try direct.run(command)
        #expect(finished.status == 0, "\(finished.stderr)")
        let line = finished.stdout.split(separator: "\n").first { $0.contains("pass        \(contract.laterPass)") }
        #expect(line?.contains("2 worker(s), 3 writer(s)") == true, "\(finished.stdout)")
        try cluster.expectExact(journal: try Journal(path: state))
    }

    @Test("rollback: before the switch and after it, as the mode allows", arguments: modes)
    func rollbackRules(_ contract: ModeContract) throws {
        let cluster = try ConformanceCluster()
        defer { cluster.clone.close() }
        let state = temporaryStatePath()
        let ferry = cluster.ferry(state: state)
        let command = ["run", "blog_posts", "--yes", "--slices", "4", "--mode", contract.mode.rawValue]
        #expect(try ferry.run(command, environment: ["FERRY_FAILPOINT": "phase:COPIED"]).killed)
        let operations = try Operations(recipe: cluster.recipe, cluster: try cluster.clone.config(), journal: try Journal(path: state))
        if contract.canAbandonAfterCopyStarted {
            #expect(try operations.rollback(cluster: try cluster.clone.config()).contains("abandoned"))
            #expect(try cluster.client.resolve(cluster.recipe.readAlias) == .alias(indices: [cluster.source]))
        } else {
            #expect(throws: FerryError.self, "\(contract.mode.rawValue) refuses to abandon a run past its copy") {
                try operations.rollback(cluster: try cluster.clone.config())
            }
        }
        #expect(try ferry.run(command).status == 0)
        try cluster.expectExact(journal: try Journal(path: state))
        if contract.canRollBackAfterSwitch {
            #expect(try operations.rollback(cluster: try cluster.clone.config()).contains("rolled back"))
            #expect(try cluster.client.resolve(cluster.recipe.readAlias) == .alias(indices: [cluster.source]))
        } else {
            #expect(throws: FerryError.self, "\(contract.mode.rawValue) has no previous index to switch back to") {
                try operations.rollback(cluster: try cluster.clone.config())
            }
        }
    }

    // SIGINT and SIGTERM under the freeze (modes that freeze: the block is lifted, checked on
    // the index settings, and the same command then finishes exactly) are added here by the
    // freeze guard's work (issue 8 item 6), as `@Test(arguments: modes.filter(\.freezes))`.
}
