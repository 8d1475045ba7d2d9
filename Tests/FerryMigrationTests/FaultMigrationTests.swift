import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// A whole migration through a fault-injecting proxy in front of osmem: faults cost time,
/// never documents.
@Suite("migrations through faults", .serialized)
struct FaultMigrationTests {
    struct Proxied {
        let clone: OsmemClone
        let proxy: FaultProxy
        let direct: ClusterClient
        let config: ClusterConfig
    }

    func proxied(seed: UInt64 = 7, breaker: CircuitBreaker? = CircuitBreaker()) throws -> Proxied {
        let clone = try OsmemServer.shared().clone()
        let proxy = try FaultProxy(upstream: clone.url, seed: seed)
        let config = try ClusterConfig(
            url: proxy.url, connectTimeout: .seconds(5), requestTimeout: .seconds(2),
            retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(2), maxDelay: .milliseconds(20)),
            circuitBreaker: breaker)
        return Proxied(clone: clone, proxy: proxy, direct: try clone.client(), config: config)
    }

    @Test("429s whole and per item, 413, 503, resets before and after forwarding and stalls: the result is exact")
    func everyFaultAtOnce() throws {
        let p = try proxied()
        defer { p.proxy.stop(); p.clone.close() }
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let source = try Migrator(recipe: recipe, cluster: try p.clone.config(), journal: journal).initialize(version: "1.0")
        try seedBlogPosts(p.direct, into: recipe.writeAlias, count: 1_500)

        let bulk = PathMatch.suffix("_bulk")
        // Counted faults first (the first matching rule acts), then the random ones.
        let rules = [
            p.proxy.addRule(FaultRule(.serviceUnavailable, trigger: .times(3))),
            p.proxy.addRule(FaultRule(.tooManyRequests(), path: bulk, trigger: .times(2))),
            p.proxy.addRule(FaultRule(.resetAfterForwarding, path: bulk, trigger: .times(2))),
            p.proxy.addRule(FaultRule(.resetBeforeForwarding, path: .suffix("_search"), trigger: .times(3))),
            p.proxy.addRule(FaultRule(.payloadTooLarge, path: bulk, bodyLargerThan: 150_000)),
            p.proxy.addRule(FaultRule(.rejectBulkItems(.random(probability: 0.2)), path: bulk, trigger: .probability(0.5))),
            p.proxy.addRule(FaultRule(.stall(.milliseconds(50)), path: .regex("_search|_count|_refresh"), trigger: .probability(0.4))),
        ]
        let migrator = try Migrator(recipe: recipe, cluster: p.config, journal: journal)
        let report = try migrator.runToEnd(options(slices: 4))
        let fired = rules.map { p.proxy.injections(of: $0) }
        print("faults fired per rule: \(fired); report:")
        report.lines.forEach { print("  " + $0) }
        #expect(fired.allSatisfy { $0 > 0 }, "every kind of fault was injected: \(fired)")
        try expectExactResult(p.direct, recipe: recipe, journal: journal, sourceIndex: source)
    }

    @Test("a cluster that keeps failing opens the circuit breaker: the run stops with its state saved, and finishes once the cluster is back")
    func breakerStopsAndResumes() throws {
        let p = try proxied(breaker: CircuitBreaker(threshold: 3, coolDown: nil))
        defer { p.proxy.stop(); p.clone.close() }
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let source = try Migrator(recipe: recipe, cluster: try p.clone.config(), journal: journal).initialize(version: "1.0")
        try seedBlogPosts(p.direct, into: recipe.writeAlias, count: 600)

        let outage = p.proxy.addRule(FaultRule(.serviceUnavailable, path: .suffix("_bulk")))
        #expect {
            try Migrator(recipe: recipe, cluster: p.config, journal: journal).runToEnd(options(slices: 4))
        } throws: { error in
            (error as? CopyFailed)?.isClusterUnavailable == true
        }
        #expect(try journal.unfinishedRun(recipe: recipe.name)?.phase == .copying, "state saved")
        #expect(try p.direct.resolve(recipe.readAlias) == .alias(indices: [source]), "nothing switched")

        p.proxy.removeRule(outage)
        let healthy = try ClusterConfig(url: p.proxy.url, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(2)))
        try Migrator(recipe: recipe, cluster: healthy, journal: journal).runToEnd(options(slices: 4))
        try expectExactResult(p.direct, recipe: recipe, journal: journal, sourceIndex: source)
    }

    @Test("wrong credentials: one clear error with the status and type, no credential in it, nothing changed")
    func wrongCredentials() throws {
        let p = try proxied()
        defer { p.proxy.stop(); p.clone.close() }
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let source = try Migrator(recipe: recipe, cluster: try p.clone.config(), journal: journal).initialize(version: "1.0")
        try seedBlogPosts(p.direct, into: recipe.writeAlias, count: 20)
        let good = "Basic " + Data("ferry:right-password".utf8).base64EncodedString()
        _ = p.proxy.addRule(FaultRule(.requireAuthorization(good)))

        var wrong = p.config
        wrong.auth = .basic(user: "ferry", password: "s3cret-wrong")
        #expect {
            try Migrator(recipe: recipe, cluster: wrong, journal: journal).runToEnd()
        } throws: { error in
            let text = String(describing: error)
            return text.contains("401") && text.contains("security_exception") && !text.contains("s3cret-wrong")
                && ((error as? any UserFacingError)?.hint ?? "").contains("--user")
        }
        #expect(try journal.latestRun(recipe: recipe.name) == nil)
        #expect(try p.direct.resolve(recipe.readAlias) == .alias(indices: [source]))

        var right = p.config
        right.auth = .basic(user: "ferry", password: "right-password")
        try Migrator(recipe: recipe, cluster: right, journal: journal).runToEnd()
        try expectExactResult(p.direct, recipe: recipe, journal: journal, sourceIndex: source)
    }
}
