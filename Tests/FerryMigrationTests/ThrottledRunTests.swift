/// `--max-docs-per-second` on a whole run against osmem (through a proxy that counts the bulk
/// requests): the pace holds, bulk requests shrink to keep it even, 429s slow it down, and the
/// result is exact.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("throttled runs", .serialized)
struct ThrottledRunTests {
    static let documents = 600

    func throttled(_ limit: Double) -> RunOptions {
        var o = options(slices: 2)
        o.maxDocsPerSecond = limit
        o.writers = 2
        return o
    }

    @Test("a throttled run never copies faster than the limit, in bulk requests of a fifth of a second, and comes out exact")
    func paceAndExactness() throws {
        let installed = try installBlogPosts(count: Self.documents)
        defer { installed.clone.close() }
        let proxy = try FaultProxy(upstream: installed.clone.url)
        defer { proxy.stop() }
        let migrator = try Migrator(recipe: installed.recipe, cluster: try ClusterConfig(url: proxy.url), journal: installed.journal)

        let report = try migrator.runToEnd(throttled(1_000))
        report.lines.forEach { print("  " + $0) }

        try expectExactResult(installed.client, recipe: installed.recipe, journal: installed.journal, sourceIndex: installed.source)
        let bulks = proxy.requests(matching: .bulk).compactMap(\.bulkItems)
        #expect(bulks.reduce(0, +) >= Self.documents)
        #expect(bulks.allSatisfy { $0 <= 200 }, "1,000 docs/s: bulk requests of at most 200 documents, not the recipe's 500: \(bulks)")
        // The schedule's guarantee: the last request starts no earlier than (documents before it) / rate.
        #expect(report.copySeconds >= Double(Self.documents - 200) / 1_000, "copied \(Self.documents) in \(report.copySeconds) s")
        let throttle = try #require(report.throttle)
        #expect(throttle.limit == 1_000 && throttle.backOffs == 0)
        #expect(throttle.requests >= Self.documents / 200)
        #expect(report.lines.contains { $0.hasPrefix("throttle    at most 1000 docs/s") })
    }

    @Test("HTTP 429 on bulk requests (whole and per item) slows the pace; the client resends and the result is exact")
    func backsOffOn429() throws {
        let installed = try installBlogPosts(count: Self.documents)
        defer { installed.clone.close() }
        let proxy = try FaultProxy(upstream: installed.clone.url, seed: 11)
        defer { proxy.stop() }
        let whole = proxy.addRule(FaultRule(.tooManyRequests(), path: .bulk, trigger: .times(2)))
        let items = proxy.addRule(FaultRule(.rejectBulkItems(.positions([0, 5, 9])), path: .bulk, trigger: .times(2)))
        let config = try ClusterConfig(
            url: proxy.url, retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(2), maxDelay: .milliseconds(20)))
        let migrator = try Migrator(recipe: installed.recipe, cluster: config, journal: installed.journal)

        let report = try migrator.runToEnd(throttled(2_000))
        report.lines.forEach { print("  " + $0) }

        #expect(proxy.injections(of: whole) == 2 && proxy.injections(of: items) == 2)
        let throttle = try #require(report.throttle)
        #expect(throttle.backOffs >= 1, "the 429s slowed the pace")
        #expect(throttle.lowestRate <= 1_000, "halved at least once: \(throttle.lowestRate)")
        #expect(report.lines.contains { $0.contains("on HTTP 429, down to") })
        try expectExactResult(installed.client, recipe: installed.recipe, journal: installed.journal, sourceIndex: installed.source)
    }

    @Test("ferry run --max-docs-per-second: below 1 is bad usage (64) with nothing touched; a valid one reaches the run report")
    func commandLine() throws {
        let installed = try installBlogPosts(count: 50)
        defer { installed.clone.close() }
        let ferry = FerryProcess(url: installed.clone.url, state: installed.journal.path)
        let refused = try ferry.run(["run", "blog_posts", "--yes", "--max-docs-per-second", "0"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--max-docs-per-second must be 1 or more"))
        #expect(try installed.journal.latestRun(recipe: installed.recipe.name) == nil, "nothing journaled")

        let run = try ferry.run(["run", "blog_posts", "--yes", "--max-docs-per-second", "500"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("throttle    at most 500 docs/s (--max-docs-per-second)"), "\(run.stdout)")
        try expectExactResult(installed.client, recipe: installed.recipe, journal: installed.journal, sourceIndex: installed.source)
    }

    @Test("a family run with --max-docs-per-second paces every member's unit and every member comes out exact")
    func familyMembers() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 150)
        defer { f.clone.close() }
        let report = try f.run { $0.maxDocsPerSecond = 500 }
        #expect(report.completed)
        #expect(report.migrated.count == 2)
        for member in report.migrated {
            let throttle = try #require(member.report.throttle, "\(member.member.member) was throttled")
            #expect(throttle.limit == 500 && throttle.requests >= 150 / 100)
            // The schedule's guarantee: the last of 150 documents in requests of 100 starts after 100 / 500 s.
            #expect(member.report.copySeconds >= 0.2, "\(member.member.member): \(member.report.copySeconds) s")
            try f.expectExactMember(member.member.member)
        }
        #expect(report.lines.allSatisfy { !$0.contains(" → ") || $0.contains("throttled to 500 docs/s") }, "\(report.lines)")
    }
}
