import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// The cluster's copy when it goes wrong: ferry killed while the cluster copies, a document
/// the new mapping refuses, a slice past `--reindex-timeout`.
extension ClusterCopyTests {
    @Test("kill -9 while the cluster copies a slice, then the same command finishes exactly")
    func killDuringClusterCopy() throws {
        let s = try Setup(documents: 1_200)
        defer { s.close() }
        let (recipe, client, proxy, source, ferry) = (s.recipe, s.client, s.proxy, s.source, s.ferry)
        let command = ["run", "blog_posts", "--to", "1.1", "--yes", "--slices", "4"]

        // Every _reindex (the probe too) is forwarded, the cluster copies, and its answer is
        // held: ferry is waiting on the first slice's copy when it is killed.
        let stall = proxy.addRule(FaultRule(.stall(.seconds(5)), method: "POST", path: .exact("/_reindex")))
        let running = try ferry.start(command)
        let deadline = ContinuousClock.now + .seconds(60)
        while Self.sliceCopies(proxy).isEmpty && running.process.isRunning && ContinuousClock.now < deadline {
            usleep(20_000)
        }
        #expect(Self.sliceCopies(proxy).count == 1, "ferry sent the first slice's _reindex")
        running.send(SIGKILL)
        let killed = running.wait()
        #expect(killed.killed, "status \(killed.status): \(killed.stderr)")
        proxy.removeRule(stall)

        let status = try Operations(recipe: recipe, cluster: try s.clone.config(), journal: try s.journal()).status()
        #expect(status.state == .midReindex, "\(status.explanation)")
        let resumed = try ferry.run(command)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("the cluster copies"), "\(resumed.stdout)")
        try expectExactResult(client, recipe: recipe, journal: try s.journal(), sourceIndex: source)
    }

    @Test("a document the new mapping refuses stops the cluster's slice; ferry copies that slice, the document is a dead letter, exit 3 naming it")
    func refusedDocument() throws {
        let scratch = try Self.mappingOnlyRecipes()
        // 1.1 also accepts only ISO dates: an epoch-millis date that 1.0 took is refused.
        try scratch.write("blog_posts/mappings/1.1.json", try scratch.read("blog_posts/mappings/1.1.json").replacingOccurrences(
            of: "\"created_date\": { \"type\": \"date\" }",
            with: "\"created_date\": { \"type\": \"date\", \"format\": \"strict_date_optional_time\" }"))
        let s = try Setup(documents: 400, scratch: scratch)
        defer { s.close() }
        let (recipe, client, proxy, source) = (s.recipe, s.client, s.proxy, s.source)
        let journal = try s.journal()
        let migrator = try s.migrator()
        _ = try client.indexDocument(
            index: source, id: "epoch-date", body: ["title": "t", "content": "c", "author": "a", "created_date": 1_700_000_000_000], refresh: true)
        var lines: [String] = []
        migrator.say = { lines.append($0) }

        #expect {
            try migrator.runToEnd(options(to: "1.1", slices: 2))
        } throws: { error in
            let text = String(describing: error)
            let named = text.contains("epoch-date") && text.contains("HTTP 400") && text.contains("mapper_parsing_exception")
            #expect(named, "\(text)")
            return ExitStatus.code(for: error) == ExitStatus.documentsFailed
        }
        #expect(Self.sliceCopies(proxy).count == 2, "the cluster was asked for both slices")
        let stopped = try #require(lines.first { $0.contains("the cluster's _reindex stopped on document epoch-date") }, "\(lines)")
        #expect(stopped.contains("HTTP 400 mapper_parsing_exception"), "\(stopped)")
        let run = try #require(try journal.latestRun(recipe: recipe.name))
        #expect(try journal.deadLetterCount(run.runID) == 1)
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [source]), "the aliases were not switched")
    }

    @Test("a slice's _reindex past --reindex-timeout stops the run with exit 4 naming the request; the same command then finishes exactly")
    func reindexTimeout() throws {
        let s = try Setup(documents: 300)
        defer { s.close() }
        let (recipe, client, proxy, source, ferry) = (s.recipe, s.client, s.proxy, s.source, s.ferry)
        let command = ["run", "blog_posts", "--to", "1.1", "--yes", "--slices", "2"]

        // The probe waits the answer out (the usual request timeout); a slice may take 1 s.
        let stall = proxy.addRule(FaultRule(.stall(.seconds(3)), method: "POST", path: .exact("/_reindex")))
        let stopped = try ferry.run(command + ["--reindex-timeout", "1"])
        proxy.removeRule(stall)
        #expect(stopped.status == ExitStatus.clusterUnavailable, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("POST /_reindex"), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("the cluster's _reindex of \(source) → "), "\(stopped.stderr)")
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [source]))

        let resumed = try ferry.run(command)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try expectExactResult(client, recipe: recipe, journal: try s.journal(), sourceIndex: source)
    }
}
