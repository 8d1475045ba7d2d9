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
        let scratch = try Self.mappingOnlyRecipes()
        let recipe = try scratch.load()
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
        defer { proxy.stop() }
        let client = try clone.client()
        let journal = try temporaryJournal()
        let migrator = try Migrator(recipe: recipe, cluster: ClusterConfig(url: proxy.url), journal: journal)
        let source = try migrator.initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 2_000)
        try client.refresh(source)
        var model: [String: JSONValue] = [:]
        try client.scrollAll(index: source, body: ["sort": ["_doc"]], size: 1000, keepAlive: .seconds(60)) { page in
            for hit in page.hits { model[hit.id] = try JSONValue.parse(Array(page.source(of: hit) ?? [])) }
        }

        // The application writes straight to the cluster; only ferry goes through the proxy.
        let writer = LiveWriter(alias: recipe.writeAlias, readAlias: recipe.readAlias, sourceIndex: source, config: try clone.config())
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
        let scratch = try Self.mappingOnlyRecipes()
        let recipe = try scratch.load()
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
        defer { proxy.stop() }
        _ = proxy.addRule(FaultRule(Self.notFound, method: "POST", path: .exact("/_reindex")))
        let client = try clone.client()
        let journal = try temporaryJournal()
        let migrator = try Migrator(recipe: recipe, cluster: ClusterConfig(url: proxy.url), journal: journal)
        let source = try migrator.initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 300)

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

    @Test("kill -9 while the cluster copies a slice, then the same command finishes exactly")
    func killDuringClusterCopy() throws {
        let scratch = try Self.mappingOnlyRecipes()
        let recipe = try scratch.load()
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
        defer { proxy.stop() }
        let client = try clone.client()
        let state = NSTemporaryDirectory() + "ferry-cluster-copy-\(UUID().uuidString)/state.db"
        let source = try Migrator(recipe: recipe, cluster: try clone.config(), journal: try Journal(path: state)).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 1_200)
        var ferry = FerryProcess(url: proxy.url, state: state)
        ferry.recipes = scratch.recipes
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

        let status = try Operations(recipe: recipe, cluster: try clone.config(), journal: try Journal(path: state)).status()
        #expect(status.state == .midReindex, "\(status.explanation)")
        let resumed = try ferry.run(command)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("the cluster copies"), "\(resumed.stdout)")
        try expectExactResult(client, recipe: recipe, journal: try Journal(path: state), sourceIndex: source)
    }

    @Test("a document the new mapping refuses stops the cluster's slice; ferry copies that slice, the document is a dead letter, exit 3 naming it")
    func refusedDocument() throws {
        let scratch = try Self.mappingOnlyRecipes()
        // 1.1 also accepts only ISO dates: an epoch-millis date that 1.0 took is refused.
        try scratch.write("blog_posts/mappings/1.1.json", try scratch.read("blog_posts/mappings/1.1.json").replacingOccurrences(
            of: "\"created_date\": { \"type\": \"date\" }",
            with: "\"created_date\": { \"type\": \"date\", \"format\": \"strict_date_optional_time\" }"))
        let recipe = try scratch.load()
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
        defer { proxy.stop() }
        let client = try clone.client()
        let journal = try temporaryJournal()
        let migrator = try Migrator(recipe: recipe, cluster: ClusterConfig(url: proxy.url), journal: journal)
        let source = try migrator.initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 400)
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
        let scratch = try Self.mappingOnlyRecipes()
        let recipe = try scratch.load()
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
        defer { proxy.stop() }
        let client = try clone.client()
        let state = NSTemporaryDirectory() + "ferry-cluster-copy-\(UUID().uuidString)/state.db"
        let source = try Migrator(recipe: recipe, cluster: try clone.config(), journal: try Journal(path: state)).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 300)
        var ferry = FerryProcess(url: proxy.url, state: state)
        ferry.recipes = scratch.recipes
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
        try expectExactResult(client, recipe: recipe, journal: try Journal(path: state), sourceIndex: source)
    }
}
