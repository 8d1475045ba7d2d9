// Issue 12 item 4: the copy's pages and batches are bounded in bytes, not documents, and one
// document larger than those bounds still goes through the whole run.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryTestSupport

@Suite("large documents under ferry run", .serialized)
struct LargeDocumentTests {
    /// A recipe whose one Lua step stamps each document, with 1 MiB bulk requests: a 20 MB
    /// document is twenty times the byte bound of a page, a batch and each queue.
    func recipe(_ scratch: ScratchRecipes) throws -> ScratchRecipes {
        try scratch.write("big/recipe.lua", """
            return {
              name = "big",
              aliases = { read = "big", write = "big-write" },
              versions = { "1.0", "2.0" },
              steps = { { from = "1.0", to = "2.0", script = "steps/stamp.lua" } },
              batch = { size = 50, bytes = 1048576 },
            }
            """)
        try scratch.write("big/steps/stamp.lua", "return function(doc, ctx) doc.author = doc.author .. '+' return doc end")
        let mapping = """
            { "settings": { "number_of_shards": 1, "number_of_replicas": 0 },
              "mappings": { "dynamic": "strict", "properties": {
                "title": { "type": "keyword" }, "content": { "type": "text" }, "author": { "type": "keyword" } } } }
            """
        try scratch.write("big/mappings/1.0.json", mapping)
        try scratch.write("big/mappings/2.0.json", mapping)
        return scratch
    }

    @Test("a 20 MB document among 300 small ones is copied, verified and switched, unchanged but for the step")
    func twentyMegabyteDocument() throws {
        let scratch = try recipe(try ScratchRecipes())
        defer { scratch.remove() }
        let recipe = try scratch.load("big")
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let migrator = try makeMigrator(recipe, clone)
        _ = try migrator.initialize(version: "1.0")

        let paragraph = "<p>Every developer on the team now runs the cluster locally. #swift</p>\n"
        let huge = String(repeating: paragraph, count: 20_000_000 / paragraph.utf8.count + 1)
        var builder = BulkRequestBuilder()
        for i in 1...300 {
            let doc: JSONValue = ["title": .string("post \(i)"), "content": .string(i == 150 ? huge : "short \(i)"), "author": "bob"]
            builder.index(into: recipe.writeAlias, id: "post-\(i)", source: doc.serializedBytes())
        }
        let response = try client.bulk(body: builder.body, refresh: true)
        #expect(!response.errors, "seeding: \(response.failures)")

        let plan = try migrator.plan()
        let report = try migrator.runToEnd(options(slices: 2))
        #expect(report.totals.read == 300)
        #expect(report.totals.written == 300)
        #expect(try client.count(plan.targetIndex) == 300)
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [plan.targetIndex]))
        let copied = try #require(try client.getDocument(index: plan.targetIndex, id: "post-150"))
        #expect(copied["content"]?.stringValue == huge, "the 20 MB content arrives byte for byte")
        #expect(copied["author"] == "bob+")
        #expect(try client.getDocument(index: plan.targetIndex, id: "post-151")?["author"] == "bob+")
    }
}
