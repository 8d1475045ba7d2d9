import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// A mapping-only path (an edge with a new mapping and no script): the first copy is the
/// cluster's own `_reindex`, checked through a capturing proxy, and the result is as exact as
/// ferry's copy: under live writes, when the cluster lacks `_reindex`, and after a kill -9
/// while the cluster copies.
@Suite("cluster copy (_reindex) for mapping-only paths", .serialized)
struct ClusterCopyTests {
    /// blog_posts with a 1.1 that only changes the 1.0 mapping (title gets a keyword sub-field).
    static func mappingOnlyRecipes() throws -> ScratchRecipes {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: "versions = { \"1.0\", \"2.0\", \"3.0\" }",
                         with: "versions = { \"1.0\", \"1.1\", \"2.0\", \"3.0\" }")
        try scratch.edit("blog_posts/recipe.lua", replacing: "  steps = {\n", with: "  steps = {\n    { from = \"1.0\", to = \"1.1\" },\n")
        let mapping = try scratch.read("blog_posts/mappings/1.0.json")
        let changed = mapping.replacingOccurrences(
            of: "\"title\": { \"type\": \"text\" }", with: "\"title\": { \"type\": \"text\", \"fields\": { \"raw\": { \"type\": \"keyword\" } } }")
        #expect(changed != mapping)
        try scratch.write("blog_posts/mappings/1.1.json", changed)
        return scratch
    }

    /// A fresh osmem clone behind a capturing proxy, the recipe installed at 1.0 with
    /// `documents` posts, and a journal: ferry (in process or as a binary) goes through the proxy.
    struct Setup {
        let scratch: ScratchRecipes
        let recipe: Recipe
        let clone: OsmemClone
        let proxy: FaultProxy
        let client: ClusterClient
        let state: String
        let source: String

        init(documents: Int, scratch given: ScratchRecipes? = nil) throws {
            scratch = try given ?? ClusterCopyTests.mappingOnlyRecipes()
            recipe = try scratch.load()
            clone = try OsmemServer.shared().clone()
            proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
            client = try clone.client()
            state = NSTemporaryDirectory() + "ferry-cluster-copy-\(UUID().uuidString)/state.db"
            source = try Migrator(recipe: recipe, cluster: try clone.config(), journal: try Journal(path: state)).initialize(version: "1.0")
            try seedBlogPosts(client, into: recipe.writeAlias, count: documents)
            try client.refresh(source)
        }

        func journal() throws -> Journal { try Journal(path: state) }
        func migrator() throws -> Migrator { try Migrator(recipe: recipe, cluster: ClusterConfig(url: proxy.url), journal: try journal()) }
        var ferry: FerryProcess {
            var ferry = FerryProcess(url: proxy.url, state: state)
            ferry.recipes = scratch.recipes
            return ferry
        }

        func close() {
            proxy.stop()
            clone.close()
        }
    }

    static let notFound = FaultAction.respond(
        status: 400, body: #"{"error":"no handler found for uri [/_reindex] and method [POST]","status":400}"#)

    /// The `_reindex` requests that copied slices (the probe asks for `match_none`).
    static func sliceCopies(_ proxy: FaultProxy) -> [CapturedRequest] {
        proxy.captured.filter { $0.method == "POST" && $0.path == "/_reindex" && !String(decoding: $0.body, as: UTF8.self).contains("match_none") }
    }

    static func bulks(into index: String, _ requests: ArraySlice<CapturedRequest>) -> Int {
        requests.filter { $0.path.hasSuffix("/_bulk") && ($0.path.contains(index) || String(decoding: $0.body, as: UTF8.self).contains(index)) }.count
    }

    @Test("under live writes the first copy is the cluster's _reindex (no _bulk), and the result is exact")
    func liveWrites() throws {
        let s = try Setup(documents: 2_000)
        defer { s.close() }
        let (recipe, client, proxy, source) = (s.recipe, s.client, s.proxy, s.source)
        let journal = try s.journal()
        let migrator = try s.migrator()
        var model: [String: JSONValue] = [:]
        try client.scrollAll(index: source, body: ["sort": ["_doc"]], size: 1000, keepAlive: .seconds(60)) { page in
            for hit in page.hits { model[hit.id] = try JSONValue.parse(Array(page.source(of: hit) ?? [])) }
        }

        // The application writes straight to the cluster; only ferry goes through the proxy.
        let writer = LiveWriter(alias: recipe.writeAlias, readAlias: recipe.readAlias, sourceIndex: source, config: try s.clone.config())
        writer.start(existing: 2_000, seed: 7, interval: .milliseconds(1))
        writer.waitForWrites(50)
        var opts = options(to: "1.1", slices: 4)
        opts.freezeThreshold = 20
        let report = try migrator.runToEnd(opts)
        writer.waitForWrites(50)
        writer.stop()
        #expect(writer.failure == nil, "writer: \(writer.failure ?? "")")
        report.lines.forEach { print("  " + $0) }

        let run = try #require(try journal.latestRun(recipe: recipe.name))
        let target = run.plan.targetIndex
        let copies = Self.sliceCopies(proxy)
        #expect(copies.count == 4, "one _reindex per slice: \(copies.map(\.description))")
        #expect(copies.allSatisfy { String(decoding: $0.body, as: UTF8.self).contains(#""version_type":"external""#) })
        // Requests are captured as they arrive: the first copy is over once the last slice's
        // _reindex is answered, and catch-up's _bulk requests come after it.
        let captured = proxy.captured
        let lastCopy = try #require(captured.lastIndex { $0.path == "/_reindex" && !String(decoding: $0.body, as: UTF8.self).contains("match_none") })
        #expect(Self.bulks(into: target, captured.prefix(lastCopy)) == 0, "no document of the first copy went through _bulk")
        #expect(Self.bulks(into: target, captured.suffix(from: lastCopy)) > 0, "catch-up copied the application's writes with _bulk")
        #expect(report.copyNote?.contains("the cluster copies") == true, "\(report.copyNote ?? "no copy line")")
        #expect(report.passes.first?.reader == "cluster (_reindex)")
        #expect(report.catchUp.passes > 0)

        // Mapping-only: every document is exactly its last acknowledged write, wherever it landed.
        let writes = writer.acknowledged
        for write in writes {
            switch write.kind {
            case .index: model[write.id] = write.body!
            case .delete: model[write.id] = nil
            }
        }
        #expect(writes.count > 50, "the application wrote during the run: \(writes.count)")
        try client.refresh(target)
        var actual: [String: JSONValue] = [:]
        try client.scrollAll(index: target, body: ["sort": ["_doc"]], size: 1000, keepAlive: .seconds(60)) { page in
            for hit in page.hits { actual[hit.id] = try JSONValue.parse(Array(page.source(of: hit) ?? [])) }
        }
        #expect(Set(actual.keys) == Set(model.keys), "lost: \(Set(model.keys).subtracting(actual.keys).sorted().prefix(5)), resurrected: \(Set(actual.keys).subtracting(model.keys).sorted().prefix(5))")
        #expect(model.keys.filter { actual[$0] != nil && actual[$0] != model[$0] }.isEmpty, "stale documents")
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [target]))
    }

    @Test("a cluster without _reindex: ferry copies instead, and plan and the report say why")
    func fallback() throws {
        let s = try Setup(documents: 300)
        defer { s.close() }
        let (recipe, client, proxy, source) = (s.recipe, s.client, s.proxy, s.source)
        _ = proxy.addRule(FaultRule(Self.notFound, method: "POST", path: .exact("/_reindex")))
        let journal = try s.journal()
        let migrator = try s.migrator()

        let plan = try migrator.preview(from: nil, to: "1.1").lines.joined(separator: "\n")
        #expect(plan.contains("first copy: ferry copies the documents, although no step changes them: the cluster has no usable `_reindex`"), "\(plan)")
        #expect(plan.contains("HTTP 400"), "the plan names the cluster's answer: \(plan)")

        let report = try migrator.runToEnd(options(to: "1.1", slices: 4))
        #expect(report.copyNote?.contains("no usable `_reindex`") == true, "\(report.copyNote ?? "no copy line")")
        #expect(report.passes.first?.reader != "cluster (_reindex)")
        #expect(Self.sliceCopies(proxy).isEmpty, "only the probe asked for _reindex")
        let target = try #require(try journal.latestRun(recipe: recipe.name)).plan.targetIndex
        #expect(Self.bulks(into: target, proxy.captured[...]) > 0, "ferry's bulk requests made the copy")
        try expectExactResult(client, recipe: recipe, journal: journal, sourceIndex: source)
    }
}
