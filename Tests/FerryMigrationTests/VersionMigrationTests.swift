import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport
import Foundation
import Testing

/// Whole migrations as ferry runs them on versions without point-in-time paging: the proxy
/// presents the version's `GET /` answer, osmem does the rest for real, so the copy goes
/// through sliced scroll and the freeze through the version's write-block choice.
@Suite("migrations on older versions")
struct VersionMigrationTests {
    @Test("the copy reads by sliced scroll where the version has no point-in-time paging", arguments: [
        ("Elasticsearch 7.10.2", RecordedAnswers.elasticsearchRoot("7.10.2", lucene: "8.7.0", wire: "6.8.0")),
        ("OpenSearch 2.17.1", RecordedAnswers.openSearchRoot("2.17.1")),
    ])
    func slicedScrollMigration(_ product: String, _ root: String) throws {
        let cluster = try SeededCluster()
        defer { cluster.close() }
        let (client, recipe, source, proxy) = (cluster.client, cluster.recipe, cluster.source, cluster.proxy)
        proxy.addRule(FaultRule(.respond(status: 200, body: root), method: "GET", path: .exact("/")))
        let state = NSTemporaryDirectory() + "ferry-version-\(UUID().uuidString)/state.db"

        let run = try FerryProcess(url: proxy.url, state: state).run(["run", "blog_posts", "--yes", "--slices", "3"])
        #expect(run.status == 0, "\(product): \(run.stderr)")
        try expectExactResult(client, recipe: recipe, journal: try Journal(path: state), sourceIndex: source)

        let captured = proxy.captured
        #expect(!captured.contains { $0.target.contains("_pit") || $0.target.contains("point_in_time") }, "\(product)")
        let opened = captured.filter { $0.target.contains("/_search?") && $0.target.contains("scroll=") }
        let slices = Set(opened.compactMap { request -> Int? in
            guard let body = try? JSONValue.parse(request.body) else { return nil }
            return body["slice"]?["id"]?.intValue.map(Int.init)
        })
        #expect(slices == [0, 1, 2], "\(product): one sliced scroll per slice")
        #expect(captured.contains { $0.path == "/_search/scroll" })
    }

    @Test("--reader scroll scrolls where the cluster has point-in-time paging, and the report says so")
    func readerScrollOnPointInTimeCluster() throws {
        let cluster = try SeededCluster()
        defer { cluster.close() }
        let (client, recipe, source, proxy) = (cluster.client, cluster.recipe, cluster.source, cluster.proxy)
        let state = NSTemporaryDirectory() + "ferry-reader-\(UUID().uuidString)/state.db"

        let run = try FerryProcess(url: proxy.url, state: state).run(["run", "blog_posts", "--yes", "--slices", "2", "--reader", "scroll"])
        #expect(run.status == 0, "\(run.stderr)")
        try expectExactResult(client, recipe: recipe, journal: try Journal(path: state), sourceIndex: source)
        let captured = proxy.captured
        #expect(!captured.contains { $0.target.contains("point_in_time") }, "osmem (3.8) pages by point in time, but --reader scroll was given")
        #expect(captured.contains { $0.path == "/_search/scroll" })
        #expect(run.stdout.contains("2 slice(s), scroll reads"), "\(run.stdout)")

        let wrong = try FerryProcess(url: proxy.url, state: state).run(["run", "blog_posts", "--yes", "--reader", "pit"])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("--reader"), "\(wrong.stderr)")
    }
}

/// 300 v1 blog posts in a fresh clone of the shared osmem, behind a proxy that records every
/// request ferry makes.
private struct SeededCluster {
    let clone: OsmemClone
    let client: ClusterClient
    let recipe: Recipe
    let source: String
    let proxy: FaultProxy

    init() throws {
        clone = try OsmemServer.shared().clone()
        client = try clone.client()
        recipe = try realRecipe()
        source = try makeMigrator(recipe, clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 300)
        proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
    }

    func close() {
        proxy.stop()
        clone.close()
    }
}
