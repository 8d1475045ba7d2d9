import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// Cases a review found wrong, kept as regressions.
@Suite("review regressions", .serialized)
struct ReviewRegressionTests {
    @Test("write-new-first: deletes from the old index whose answers are lost and resent lose nothing")
    func writeNewFirstResentDeletes() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, seed: 11)
        defer { proxy.stop() }
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let direct = try clone.client()
        let source = try makeMigrator(recipe, clone, journal: journal).initialize(version: "1.0")
        try seedBlogPosts(direct, into: recipe.writeAlias, count: 300)
        // Every third bulk request is applied but its answer lost: the client resends it.
        let lost = proxy.addRule(FaultRule(.resetAfterForwarding, method: "POST", path: .suffix("_bulk"), trigger: .probability(0.35)))
        let config = try ClusterConfig(url: proxy.url, retry: RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(2)))
        var opts = options(slices: 2)
        opts.mode = .writeNewFirst
        try Migrator(recipe: recipe, cluster: config, journal: journal).runToEnd(opts)
        #expect(proxy.injections(of: lost) > 0)
        #expect(try !direct.indexExists(source))
        try direct.refresh(recipe.readAlias)
        #expect(try direct.count(recipe.readAlias) == 300, "every document is in the new index")
    }

    @Test("blue-green: a document the cluster rejects, within --max-errors, does not stop the switch")
    func rejectedWithinMaxErrors() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v2_to_v3", """
              doc = real(doc, ctx)
              if ctx.id == "post-5" then doc.not_in_the_mapping = true end
              return doc
            """)
        let recipe = try scratch.load()
        let installed = try installBlogPosts(recipe, count: 20)
        defer { installed.clone.close() }
        let clone = installed.clone, client = installed.client, journal = installed.journal
        let report = try makeMigrator(recipe, clone, journal: journal).runToEnd(options(maxErrors: 1))
        #expect(report.targetCount == 19)
        #expect(try client.getDocument(index: recipe.readAlias, id: "post-5") == nil)
        let run = try #require(try journal.latestRun(recipe: recipe.name))
        #expect(try journal.deadLetters(run.runID).map(\.id) == ["post-5"])
    }

    @Test("blue-green: a copied document changed so that a step now drops it leaves the new index")
    func changedThenDropped() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v2_to_v3", """
              if doc.title == "DROP ME" then return nil end
              return real(doc, ctx)
            """)
        let recipe = try scratch.load()
        let installed = try installBlogPosts(recipe, count: 30)
        defer { installed.clone.close() }
        let clone = installed.clone, client = installed.client, journal = installed.journal, source = installed.source
        let migrator = try makeMigrator(recipe, clone, journal: journal)
        var changed = false
        migrator.progress = { label, counts in
            // Once the copy has written everything, the application edits post-7.
            guard label == "copy", counts.written == 30, !changed else { return }
            changed = true
            var doc = (try? client.getDocument(index: source, id: "post-7"))??.objectValue ?? [:]
            doc["title"] = "DROP ME"
            _ = try? client.indexDocument(index: source, id: "post-7", body: .object(doc), refresh: true)
        }
        try migrator.runToEnd(options(slices: 1))
        #expect(changed)
        #expect(try client.getDocument(index: recipe.readAlias, id: "post-7") == nil)
        #expect(try client.count(recipe.readAlias) == 29)
    }

    @Test("rollback refuses a completed write-new-first run: there is no old index to go back to")
    func rollbackRefusesWriteNewFirst() throws {
        let installed = try installBlogPosts(count: 10)
        defer { installed.clone.close() }
        let clone = installed.clone, journal = installed.journal, recipe = installed.recipe
        var opts = options()
        opts.mode = .writeNewFirst
        try makeMigrator(recipe, clone, journal: journal).runToEnd(opts)
        let operations = try Operations(recipe: recipe, cluster: try clone.config(), journal: journal)
        #expect {
            try operations.rollback(cluster: try clone.config())
        } throws: { error in
            String(describing: error).contains("write-new-first")
        }
    }
}

@Suite("adoption under live writes", .serialized)
struct AdoptionUnderWritesTests {
    @Test("the rollback copy of an adopted concrete index holds the writes made during the run")
    func rollbackCopyKeptInStep() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        try client.createIndex(recipe.readAlias, body: try recipe.indexBody(for: "1.0"))
        try seedBlogPosts(client, into: recipe.readAlias, count: 30)
        let migrator = try makeMigrator(recipe, clone)
        var edited = false
        migrator.progress = { label, counts in
            // During the main copy (after the rollback copy was taken) the application edits
            // one document and deletes another, by the concrete index's name.
            guard label == "copy", counts.written == 30, !edited else { return }
            edited = true
            var doc = (try? client.getDocument(index: recipe.readAlias, id: "post-3"))??.objectValue ?? [:]
            doc["title"] = "edited during the run"
            _ = try? client.indexDocument(index: recipe.readAlias, id: "post-3", body: .object(doc), refresh: true)
            _ = try? client.deleteDocument(index: recipe.readAlias, id: "post-4", refresh: true)
        }
        let plan = try migrator.plan(from: nil, to: nil)
        let preserved = try #require(plan.preservedIndex)
        try migrator.runToEnd()
        #expect(edited)
        try client.refresh(preserved)
        #expect(try client.getDocument(index: preserved, id: "post-3")?["title"] == "edited during the run")
        #expect(try client.getDocument(index: preserved, id: "post-4") == nil)
        #expect(try client.count(preserved) == 29)
        #expect(try client.count(recipe.readAlias) == 29)
    }
}
