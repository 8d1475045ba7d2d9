import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("recovery edges", .serialized)
struct RecoveryEdgeTests {
    @Test("an expired point in time mid-slice: the slice is copied again in another pass, no gap, no duplicate")
    func expiredSearchContext() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, seed: 3)
        defer { proxy.stop() }
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let direct = try clone.client()
        let source = try makeMigrator(recipe, clone, journal: journal).initialize(version: "1.0")
        try seedBlogPosts(direct, into: recipe.writeAlias, count: 900)
        // The 3rd point-in-time page answers as a cluster does once the context is gone: the
        // first two pass (a zero stall forwards them), then the 404 fires once.
        _ = proxy.addRule(FaultRule(.stall(.zero), method: "POST", path: .exact("/_search"), trigger: .times(2)))
        let expired = proxy.addRule(FaultRule(
            .respond(status: 404, body: FaultAction.errorBody(404, "search_context_missing_exception", "No search context found for id [42]")),
            method: "POST", path: .exact("/_search"), trigger: .times(1)))
        let config = try ClusterConfig(url: proxy.url, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(2)))
        var opts = options(slices: 3)
        opts.verifySample = nil
        try Migrator(recipe: recipe, cluster: config, journal: journal).runToEnd(opts)
        #expect(proxy.injections(of: expired) == 1)
        try expectExactResult(direct, recipe: recipe, journal: journal, sourceIndex: source)
    }

    @Test("preflight: a red cluster changes nothing")
    func redCluster() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, seed: 3)
        defer { proxy.stop() }
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let direct = try clone.client()
        let source = try makeMigrator(recipe, clone, journal: journal).initialize(version: "1.0")
        try seedBlogPosts(direct, into: recipe.writeAlias, count: 10)
        _ = proxy.addRule(FaultRule(.rewriteResponse { response in
            guard case .object(var health)? = response.json else { return }
            health["status"] = "red"
            response.body = JSONValue.object(health).serializedBytes()
        }, path: .prefix("/_cluster/health")))
        let config = try ClusterConfig(url: proxy.url)
        #expect {
            try Migrator(recipe: recipe, cluster: config, journal: journal).runToEnd()
        } throws: { error in
            String(describing: error).contains("cluster health is red")
        }
        #expect(try journal.latestRun(recipe: recipe.name) == nil)
        #expect(try indices(direct, prefix: recipe.readAlias) == [source])
        #expect(try direct.getDocument(index: Lease.index, id: recipe.readAlias) == nil, "the lease is released")
    }

    @Test("status --save-evidence writes the incident files; deadletters --export writes the original documents")
    func evidenceAndExport() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.write("blog_posts/steps/v2_to_v3.lua", "return function(doc, ctx) if ctx.id == 'post-4' then error('no') end doc.schema_version = '3.0' return doc end\n")
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let state = NSTemporaryDirectory() + "ferry-evidence-\(UUID().uuidString)/state.db"
        var ferry = FerryProcess(url: clone.url, state: state)
        ferry.recipes = scratch.recipes
        #expect(try ferry.run(["init", "blog_posts", "--version", "1.0"]).status == 0)
        try seedBlogPosts(try clone.client(), into: "blog_posts-write", count: 10)
        let failed = try ferry.run(["run", "blog_posts", "--yes"])
        #expect(failed.status == 3, "documents failed: exit 3; \(failed.stderr)")
        #expect(failed.stderr.contains("post-4"))

        let folder = NSTemporaryDirectory() + "ferry-evidence-\(UUID().uuidString)"
        let status = try ferry.run(["status", "blog_posts", "--save-evidence", folder])
        #expect(status.status == 0)
        #expect(status.stdout.contains("Mid-Reindex"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["aliases.json", "health.json", "indices.json", "journal.json", "mappings.json", "settings.json", "status.json"])
        let journal = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/journal.json"))))
        #expect(journal[0]?["dead_letters"]?[0]?["id"] == "post-4")

        let export = try ferry.run(["deadletters", "blog_posts", "--export", "-"])
        #expect(export.status == 0)
        let line = try JSONValue.parse(export.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(line["_id"] == "post-4")
        #expect(line["_source"]?["author"] != nil)
        let json = try ferry.run(["status", "blog_posts", "--json"])
        #expect(try JSONValue.parse(json.stdout)["state"] == "Mid-Reindex")
    }
}
