import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryScripting
import FerryTestSupport

/// Blue-green under live writes: the application indexes, updates and deletes from before the
/// copy until after the switch. At the end, every acknowledged write is accounted for: the
/// target holds T(final source) for every document written before the switch, and exactly
/// what was written for documents written after it. Nothing lost, resurrected or stale.
@Suite("live writes", .serialized)
struct LiveWriteTests {
    @Test("blue-green with a concurrent writer ends with target = T(final source), zero lost, resurrected or stale")
    func blueGreenUnderLiveWrites() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let migrator = try makeMigrator(recipe, clone, journal: journal)
        let source = try migrator.initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 2_000)

        let writer = LiveWriter(alias: recipe.writeAlias, sourceIndex: source, config: try clone.config())
        writer.start(existing: 2_000, seed: 42, interval: .milliseconds(1))
        writer.waitForWrites(50)
        var opts = options(slices: 4)
        opts.freezeThreshold = 20
        let report = try migrator.runToEnd(opts)
        writer.waitForWrites(50)
        writer.stop()
        #expect(writer.failure == nil, "writer: \(writer.failure ?? "")")

        let run = try #require(try journal.latestRun(recipe: recipe.name))
        let target = run.plan.targetIndex
        let writes = writer.acknowledged
        let beforeSwitch = writes.filter { $0.index == source }
        let afterSwitch = writes.filter { $0.index == target }
        #expect(beforeSwitch.count > 50 && afterSwitch.count > 0, "writes on both sides of the switch: \(beforeSwitch.count) / \(afterSwitch.count)")
        print("live writes: \(beforeSwitch.count) acknowledged before the switch, \(afterSwitch.count) after, \(writer.refused) refused during the freeze")
        report.lines.forEach { print("  " + $0) }
        #expect(report.catchUp.passes >= 1)
        #expect(report.freezeMilliseconds != nil)

        // Nothing lost in the source: its final state is the last acknowledged write of each id.
        var lastInSource: [String: LiveWriter.Write] = [:]
        for write in beforeSwitch { lastInSource[write.id] = write }
        for (id, write) in lastInSource {
            let stored = try client.getDocument(index: source, id: id)
            #expect(stored == write.body, "source lost the acknowledged \(write.kind) of \(id)")
        }

        // The target: T(source) for everything not written after the switch…
        let expected = try transformedSource(client, recipe: recipe, run: run, source: source)
        let postSwitchIDs = Set(afterSwitch.map(\.id))
        var actual: [String: JSONValue] = [:]
        try client.scrollAll(index: target, body: ["sort": ["_doc"]], size: 1000, keepAlive: .seconds(60)) { page in
            for hit in page.hits { actual[hit.id] = try JSONValue.parse(Array(page.source(of: hit) ?? [])) }
        }
        var lost: [String] = [], resurrected: [String] = [], stale: [String] = []
        for (id, doc) in expected where !postSwitchIDs.contains(id) {
            guard let got = actual[id] else { lost.append(id); continue }
            if got != doc { stale.append(id) }
        }
        for id in actual.keys where expected[id] == nil && !postSwitchIDs.contains(id) {
            resurrected.append(id)
        }
        // …and exactly the last post-switch write for the rest.
        var lastInTarget: [String: LiveWriter.Write] = [:]
        for write in afterSwitch { lastInTarget[write.id] = write }
        for (id, write) in lastInTarget {
            if write.kind == .delete {
                if actual[id] != nil { resurrected.append(id) }
            } else if actual[id] != write.body {
                stale.append(id)
            }
        }
        #expect(lost.isEmpty, "lost: \(lost.sorted().prefix(10))")
        #expect(resurrected.isEmpty, "resurrected: \(resurrected.sorted().prefix(10))")
        #expect(stale.isEmpty, "stale: \(stale.sorted().prefix(10))")
        let settings = try client.getSettings(source)
        #expect(settings["index"]?["blocks"]?["write"] == "true", "the old index stays write-blocked as the rollback point")
    }
}

/// T(doc) for every document of the source, with the run's `run_started_at`.
func transformedSource(_ client: ClusterClient, recipe: Recipe, run: RunRecord, source: String) throws -> [String: JSONValue] {
    let engine = try LuaEngine(requireRoots: recipe.requireRoots, runStartedAt: run.startedAt)
    engine.lookupProvider = try SQLiteLookups(recipe.lookups)
    let steps = try recipe.graph.path(from: run.plan.sourceVersion, to: run.plan.targetVersion).map {
        try engine.loadStep(script: $0.script, from: $0.from, to: $0.to)
    }
    var out: [String: JSONValue] = [:]
    try client.refresh(source)
    try client.scrollAll(index: source, body: ["sort": ["_doc"]], size: 1000, keepAlive: .seconds(60)) { page in
        for hit in page.hits {
            let outcome = try page.withSource(of: hit) { bytes in
                try engine.transform(source: bytes, id: hit.id, index: hit.index, steps: steps)
            }
            if case .kept(let bytes) = outcome { out[hit.id] = try JSONValue.parse(Array(bytes)) }
        }
    }
    return out
}
