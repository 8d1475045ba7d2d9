/// `ferry status` counts every pass's writes: the first copy's slices and, journaled by kind,
/// the catch-up, frozen and dead-letter retry passes after it.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryTestSupport

@Suite("status counts every pass", .serialized)
struct StatusPassCountTests {
    @Test("changes planted after the copy: status's written is the copy's plus the later passes', and the target count agrees")
    func writtenSumsEveryPass() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let migrator = try makeMigrator(recipe, clone, journal: journal)
        let source = try migrator.initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 200)
        // After the first copy (the first catch-up pass is being reported), before the freeze:
        // 7 new documents and 3 changed ones, which only a later pass can write.
        var planted = false
        migrator.say = { line in
            guard line.hasPrefix("catch-up pass 1:"), !planted else { return }
            planted = true
            var builder = BulkRequestBuilder()
            for i in 201...207 { builder.index(into: source, id: "post-\(i)", source: Array(#"{"title":"late \#(i)","content":"c","author":"bob","created_date":"2024-03-02T10:00:00Z"}"#.utf8)) }
            for i in 1...3 { builder.index(into: source, id: "post-\(i)", source: Array(#"{"title":"changed \#(i)","content":"c","author":"bob","created_date":"2024-03-02T10:00:00Z"}"#.utf8)) }
            _ = try? client.bulk(body: builder.body, refresh: true)
        }
        let report = try migrator.runToEnd(options())
        #expect(planted)

        let status = try Operations(recipe: recipe, cluster: try clone.config(), journal: journal).status()
        let copy = try #require(status.totals)
        #expect(copy.written == 200)
        let later = status.passes.reduce(0) { $0 + $1.written }
        // Before: status said "written 200" (the first copy's slices only) though 210 were written.
        #expect(later == 10, "\(status.passes)")
        #expect(status.writtenInAll == 210)
        #expect(status.writtenText.hasPrefix("written 210: 200 in the copy, "), "\(status.writtenText)")
        // The run report's documents line says the same.
        #expect(report.lines.contains { $0.hasPrefix("documents   read 200, \(status.writtenText), ") }, "\(report.lines)")
        let progress = try #require(status.json["progress"])
        #expect(progress["written"]?.intValue == 210)
        #expect(progress["by_pass"]?["copy"]?["written"]?.intValue == 200)
        // The target holds each document once: 200 + 7 new; the 3 changed ones were written twice.
        try client.refresh(report.targetIndex)
        #expect(try client.count(report.targetIndex) == status.writtenInAll - 3)
    }
}
