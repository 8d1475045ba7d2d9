import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryScripting
import FerryTestSupport

/// Each mode under live writes: the application indexes, updates and deletes from before the
/// copy until after the switch, and logs what the cluster acknowledged. At the end the
/// migrated index must hold, for every document, T(its last old-version write) or exactly its
/// last new-version write; nothing lost, nothing resurrected, nothing stale.
@Suite("live writes", .serialized)
struct LiveWriteTests {
    static let documents = 2_000

    @Test("blue-green with a concurrent writer: target = T(final source) at the switch, then the application's writes")
    func blueGreen() throws {
        try runUnderLiveWrites(.blueGreen) { writer, line in
            // After the switch the application writes new-version documents to the new index.
            if line.hasPrefix("switched ") { writer.switchToNewShape() }
        }
    }

    @Test("write-new-first with a concurrent writer: live writes win over the backfill, the old index drains and goes")
    func writeNewFirst() throws {
        // The contract: deletes go through every index of the read alias (from the start, so
        // none slips between the alias move and the application noticing it), and new-version
        // documents once the write alias has moved.
        let report = try runUnderLiveWrites(.writeNewFirst, deleteEverywhere: true) { writer, line in
            if line.hasPrefix("moved ") { writer.switchToNewShape(deleteEverywhere: true) }
        }
        #expect(report.freezeMilliseconds == nil, "write-new-first never blocks writes")
    }

    @Test("in-place with a concurrent writer: every document rewritten once, conflicts retaken, the application's new documents kept")
    func inPlace() throws {
        try runUnderLiveWrites(.inPlace) { writer, line in
            if line.hasPrefix("put the ") { writer.switchToNewShape() }
        }
    }

    @Test("blue-green catching up by the recipe's changed_field: still exact, deletes reconciled under the freeze")
    func blueGreenByChangedField() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        for version in ["1.0", "2.0", "3.0"] {
            let path = "blog_posts/mappings/\(version).json"
            guard case .object(var body) = try JSONValue.parse(try scratch.read(path)),
                  case .object(var mappings) = body["mappings"]!, case .object(var properties) = mappings["properties"]!
            else { return }
            properties["updated_at"] = ["type": "date", "format": "epoch_millis"]
            mappings["properties"] = .object(properties)
            body["mappings"] = .object(mappings)
            try scratch.write(path, JSONValue.object(body).serialized())
        }
        try scratch.write("blog_posts/recipe.lua", try scratch.read("blog_posts/recipe.lua")
            .replacingOccurrences(of: "  batch = { size = 500 },", with: "  batch = { size = 500 },\n  changed_field = \"updated_at\","))
        let recipe = try scratch.load()
        #expect(recipe.changedField == "updated_at")
        let report = try runUnderLiveWrites(.blueGreen, recipe: recipe, stamp: "updated_at") { writer, line in
            if line.hasPrefix("switched ") { writer.switchToNewShape() }
        }
        #expect(report.catchUp.copied > 0, "the changed_field pass copied what the application changed")
    }

    @discardableResult
    func runUnderLiveWrites(
        _ mode: MigrationMode, recipe given: Recipe? = nil, stamp: String? = nil, deleteEverywhere: Bool = false,
        documents: Int = Self.documents, workers: Int = 1, writers: Int = 1, onSay: @escaping (LiveWriter, String) -> Void
    ) throws -> MigrationReport {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try given ?? realRecipe()
        let journal = try temporaryJournal()
        let migrator = try makeMigrator(recipe, clone, journal: journal)
        let source = try migrator.initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: documents)
        try client.refresh(source)
        var model: [String: (body: JSONValue, isNew: Bool)] = [:]
        try client.scrollAll(index: source, body: ["sort": ["_doc"]], size: 1000, keepAlive: .seconds(60)) { page in
            for hit in page.hits { model[hit.id] = (try JSONValue.parse(Array(page.source(of: hit) ?? [])), false) }
        }

        let writer = LiveWriter(alias: recipe.writeAlias, readAlias: recipe.readAlias, sourceIndex: source, config: try clone.config())
        migrator.say = { line in onSay(writer, line) }
        if deleteEverywhere { writer.deleteThroughReadAlias() }
        if let stamp { writer.stampWrites(stamp) }
        writer.start(existing: documents, seed: 42, interval: .milliseconds(1))
        writer.waitForWrites(50)
        var opts = options(slices: 4)
        opts.mode = mode
        opts.workers = workers
        opts.writers = writers
        opts.freezeThreshold = 20
        let report = try migrator.runToEnd(opts)
        writer.waitForWrites(50)
        writer.stop()
        #expect(writer.failure == nil, "writer: \(writer.failure ?? "")")

        let run = try #require(try journal.latestRun(recipe: recipe.name))
        let migrated = run.plan.targetIndex
        let writes = writer.acknowledged
        for write in writes {
            switch write.kind {
            case .index:
                // A write that landed in the migrated index is kept as written (after a
                // switch, whatever its shape); in place, the version field tells.
                let isNew = mode == .inPlace ? write.body!["schema_version"] == "3.0" : write.index == migrated
                model[write.id] = (write.body!, isNew)
            case .delete: model[write.id] = nil
            }
        }
        let newWrites = writes.filter { $0.body?["schema_version"] != nil }.count
        print("\(mode.rawValue): \(writes.count) writes acknowledged (\(newWrites) new-version), \(writer.refused) refused")
        report.lines.forEach { print("  " + $0) }
        #expect(writes.count - newWrites > 50 && newWrites > 0, "writes on both sides: \(writes.count - newWrites) old / \(newWrites) new")

        let chain = try StepChain(recipe: recipe, from: "1.0", to: "3.0", runStartedAt: run.startedAt)
        var expected: [String: JSONValue] = [:]
        for (id, entry) in model {
            if entry.isNew {
                expected[id] = entry.body
                continue
            }
            let bytes = entry.body.serializedBytes()
            let outcome = try bytes.withUnsafeBytes { try chain.transform(source: $0, id: id, index: source) }
            if case .kept(let out) = outcome { expected[id] = try JSONValue.parse(Array(out)) }
        }

        try client.refresh(migrated)
        var actual: [String: JSONValue] = [:]
        try client.scrollAll(index: migrated, body: ["sort": ["_doc"]], size: 1000, keepAlive: .seconds(60)) { page in
            for hit in page.hits { actual[hit.id] = try JSONValue.parse(Array(page.source(of: hit) ?? [])) }
        }
        let lost = expected.keys.filter { actual[$0] == nil }.sorted()
        let resurrected = actual.keys.filter { expected[$0] == nil }.sorted()
        let stale = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }.sorted()
        #expect(lost.isEmpty, "lost: \(lost.prefix(10))")
        #expect(resurrected.isEmpty, "resurrected: \(resurrected.prefix(10))")
        #expect(stale.isEmpty, "stale: \(stale.prefix(10))")
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [migrated]))
        switch mode {
        case .blueGreen:
            #expect(try client.getSettings(source)["index"]?["blocks"]?["write"] == "true", "the old index stays write-blocked as the rollback point")
            #expect(report.freezeMilliseconds != nil)
        case .writeNewFirst:
            #expect(try !client.indexExists(source), "the drained old index is deleted")
        case .inPlace:
            #expect(try client.getMapping(source)["_meta"]?["ferry"]?["version"] == "3.0")
        }
        return report
    }
}
