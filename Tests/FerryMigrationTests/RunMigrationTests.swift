import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("ferry run against osmem", .serialized)
struct RunMigrationTests {
    @Test("init at 1.0 then run migrates every document to 3.0 and switches both aliases")
    func migratesToLatest() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        let migrator = try makeMigrator(recipe, clone)
        let source = try migrator.initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 120)

        let plan = try migrator.plan(from: nil, to: nil)
        #expect(plan.source.index == source)
        #expect(plan.source.evidence == .meta)
        #expect(plan.steps.map(\.label) == ["1.0→2.0", "2.0→3.0"])
        let report = try migrator.runToEnd(options())

        #expect(report.totals.read == 120)
        #expect(report.totals.written == 120)
        #expect(report.totals.done == report.totals.slices)
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [plan.targetIndex]))
        let writeEntries = try client.aliasEntries(name: recipe.writeAlias)
        #expect(writeEntries.map(\.index) == [plan.targetIndex])
        #expect(writeEntries.first?.isWriteIndex == true)
        #expect(try client.count(plan.targetIndex) == 120)
        #expect(try client.count(source) == 120, "the old index stays as the rollback point")

        let doc = try #require(try client.getDocument(index: recipe.readAlias, id: "post-4"))
        #expect(doc["schema_version"] == "3.0")
        #expect(doc["tags"] == ["swift", "search"])
        #expect(doc["published_date"] == doc["created_date"])
        #expect(doc["metadata"]?["word_count"]?.intValue != nil)
        if case .double = doc["metadata"]?["word_count"] { Issue.record("word_count became a float") }
        #expect(doc["author_name"] != nil, "bob is in the authors table")
        let missingAuthor = try #require(try client.getDocument(index: recipe.readAlias, id: "post-2"))
        #expect(missingAuthor["author"] == "zed")
        #expect(missingAuthor["author_name"] == nil)
        let mapping = try client.getMapping(plan.targetIndex)
        #expect(mapping["_meta"]?["ferry"]?["version"] == "3.0")
        #expect(mapping["_meta"]?["ferry"]?["recipe"] == "blog_posts")
    }

    @Test("a second run at the target version does nothing")
    func secondRunIsNoOp() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        let migrator = try makeMigrator(recipe, clone)
        _ = try migrator.initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 10)
        try migrator.runToEnd()
        let before = try indices(client, prefix: recipe.readAlias)

        guard case .upToDate(let again) = try migrator.prepare(RunOptions()) else {
            Issue.record("a second run should find nothing to do")
            return
        }
        #expect(again.steps.isEmpty)
        #expect(try indices(client, prefix: recipe.readAlias) == before)
    }

    @Test("a concrete index is adopted by mapping match, kept as a rollback copy, and replaced by an alias")
    func adoptsConcreteIndex() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        try client.createIndex(recipe.readAlias, body: try recipe.indexBody(for: "1.0"))
        try seedBlogPosts(client, into: recipe.readAlias, count: 30)
        let migrator = try makeMigrator(recipe, clone)

        let plan = try migrator.plan(from: nil, to: nil)
        #expect(plan.source.isConcreteIndex)
        #expect(plan.source.evidence == .mappingMatch)
        #expect(plan.source.version == "1.0")
        let preserved = try #require(plan.preservedIndex)
        try migrator.runToEnd()

        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [plan.targetIndex]))
        #expect(try client.count(preserved) == 30)
        #expect(try client.getDocument(index: preserved, id: "post-3")?["content"]
            == "Hello #swift world number 3. word word word #search")
        #expect(try client.count(recipe.readAlias) == 30)
    }

    @Test("--from names the version of an index ferry did not create")
    func fromFlag() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        try client.createIndex("legacy_posts", body: ["mappings": ["dynamic": true]])
        try seedBlogPosts(client, into: "legacy_posts", count: 5)
        try client.updateAliases([.add(index: "legacy_posts", alias: recipe.readAlias)])
        let migrator = try makeMigrator(recipe, clone)

        #expect {
            try migrator.plan(from: nil, to: nil)
        } throws: { error in
            String(describing: error).contains("cannot tell the version of index 'legacy_posts'")
                && ((error as? any UserFacingError)?.hint ?? "").contains("--from")
        }
        let plan = try migrator.plan(from: "1.0", to: "3.0")
        #expect(plan.source.evidence == .flag)
        try migrator.runToEnd(options(from: "1.0", to: "3.0"))
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [plan.targetIndex]))
        #expect(try client.count(recipe.readAlias) == 5)
    }
}
