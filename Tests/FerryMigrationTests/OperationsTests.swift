import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("lease, rollback, cleanup, dead letters", .serialized)
struct OperationsTests {
    func installed(count: Int = 40) throws -> (OsmemClone, ClusterClient, Recipe, Journal, String) {
        let i = try installBlogPosts(count: count)
        return (i.clone, i.client, i.recipe, i.journal, i.source)
    }

    @Test("a second runner exits at once naming who holds the lease")
    func leaseHeld() throws {
        let (clone, _, recipe, journal, _) = try installed()
        defer { clone.close() }
        let other = try Lease.acquire(alias: recipe.readAlias, runID: "other-run", cluster: try clone.config(), ttl: .seconds(60))
        defer { other.release() }
        #expect {
            try makeMigrator(recipe, clone, journal: journal).runToEnd()
        } throws: { error in
            guard let held = error as? LeaseHeld else { return false }
            return held.holder.contains("other-run") && held.expiresInSeconds > 0
        }
        #expect(try journal.latestRun(recipe: recipe.name) == nil, "nothing was journaled")
    }

    @Test("an expired lease of a dead runner is taken over")
    func expiredLeaseTakenOver() throws {
        let (clone, client, recipe, journal, source) = try installed()
        defer { clone.close() }
        _ = try client.indexDocument(
            index: Lease.index, id: recipe.readAlias,
            body: ["holder": "elsewhere pid 1 run dead", "host": "elsewhere", "pid": 1, "expires_at_ms": .int(Int64(Date().timeIntervalSince1970 * 1000) - 1000)],
            refresh: true)
        try makeMigrator(recipe, clone, journal: journal).runToEnd(options())
        try expectExactResult(client, recipe: recipe, journal: journal, sourceIndex: source)
        #expect(try client.getDocument(index: Lease.index, id: recipe.readAlias) == nil, "released at the end")
    }

    @Test("the lease is renewed with if_seq_no and lost when another runner overwrites it")
    func leaseRenewalAndLoss() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let lease = try Lease.acquire(alias: "renewed", runID: "r1", cluster: try clone.config(), ttl: .milliseconds(300))
        defer { lease.release() }
        let first = try #require(try client.fetchDocument(index: Lease.index, id: "renewed"))
        // Wait for a renewal: the document's seq_no moves on.
        var renewed = first
        for _ in 0..<200 where renewed.seqNo == first.seqNo {
            renewed = try #require(try client.fetchDocument(index: Lease.index, id: "renewed"))
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(renewed.seqNo != first.seqNo)
        _ = try client.indexDocument(index: Lease.index, id: "renewed", body: ["holder": "thief"], refresh: true)
        for _ in 0..<200 where lease.lostReason == nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(lease.lostReason != nil)
        #expect(throws: FerryError.self) { try lease.check() }
    }

    @Test("rollback after the switch moves both aliases back in one call; refused once the old index is gone")
    func rollbackAfterSwitch() throws {
        let (clone, client, recipe, journal, source) = try installed()
        defer { clone.close() }
        try makeMigrator(recipe, clone, journal: journal).runToEnd()
        let operations = try Operations(recipe: recipe, cluster: try clone.config(), journal: journal)
        #expect(try operations.status().state == .postSwitch)
        let line = try operations.rollback(cluster: try clone.config())
        #expect(line.contains("rolled back"))
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [source]))
        #expect(try client.aliasEntries(name: recipe.writeAlias).map(\.index) == [source])
        #expect(try journal.latestRun(recipe: recipe.name)?.phase == .rolledBack)
        #expect(try operations.status().state == .preMigration)

        // The rolled-back index keeps its name (same version and mapping), so a new run needs it
        // cleaned up first; then migrate again, delete the previous index, and rollback must refuse.
        let rolledBack = try #require(try journal.latestRun(recipe: recipe.name)?.plan.targetIndex)
        #expect {
            try makeMigrator(recipe, clone, journal: journal).runToEnd()
        } throws: { error in
            (error as? FerryError)?.hint?.contains("ferry cleanup") == true
        }
        let candidates = try operations.cleanupCandidates(olderThan: .zero)
        #expect(candidates.filter(\.deletable).map(\.index) == [rolledBack])
        for candidate in candidates where candidate.deletable { try operations.delete(candidate) }
        try makeMigrator(recipe, clone, journal: journal).runToEnd()
        try client.deleteIndex(source)
        #expect {
            try operations.rollback(cluster: try clone.config())
        } throws: { error in
            String(describing: error).contains("\(source) is gone")
        }
        #expect(try client.count(recipe.readAlias) == 40)
    }

    @Test("rollback before the switch abandons the run and deletes only its new index")
    func rollbackBeforeSwitch() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.write("blog_posts/steps/v2_to_v3.lua", "return function(doc, ctx) error('nope') end\n")
        let recipe = try scratch.load()
        let installed = try installBlogPosts(recipe, count: 10)
        defer { installed.clone.close() }
        let clone = installed.clone, client = installed.client, journal = installed.journal, source = installed.source
        #expect(throws: CopyFailed.self) { try makeMigrator(recipe, clone, journal: journal).runToEnd() }
        let run = try #require(try journal.unfinishedRun(recipe: recipe.name))
        #expect(try client.indexExists(run.plan.targetIndex))

        let operations = try Operations(recipe: recipe, cluster: try clone.config(), journal: journal)
        #expect(try operations.status().state == .midReindex)
        _ = try operations.rollback(cluster: try clone.config())
        #expect(try !client.indexExists(run.plan.targetIndex))
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [source]))
        #expect(try journal.latestRun(recipe: recipe.name)?.phase == .abandoned)
    }

    @Test("cleanup deletes superseded indices past retention, never one an alias points to")
    func cleanup() throws {
        let (clone, client, recipe, journal, source) = try installed()
        defer { clone.close() }
        try makeMigrator(recipe, clone, journal: journal).runToEnd()
        let target = try #require(try journal.latestRun(recipe: recipe.name)?.plan.targetIndex)
        let operations = try Operations(recipe: recipe, cluster: try clone.config(), journal: journal)

        let kept = try operations.cleanupCandidates(olderThan: .seconds(7 * 86_400))
        #expect(kept.filter(\.deletable).isEmpty, "nothing is past a 7-day retention yet")

        let now = try operations.cleanupCandidates(olderThan: .zero)
        #expect(now.filter(\.deletable).map(\.index) == [source])
        #expect(now.first { $0.index == target }?.reason.contains("in use") == true)
        for candidate in now where candidate.deletable { try operations.delete(candidate) }
        #expect(try !client.indexExists(source))
        #expect(try client.indexExists(target))
        #expect(try operations.status().state == .cleanup)
    }

    @Test("--max-errors lets a run switch with its dead letters recorded and exportable")
    func deadLettersWithinLimit() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v2_to_v3", """
              if ctx.id == "post-3" or ctx.id == "post-9" then error("bad post " .. ctx.id) end
              return real(doc, ctx)
            """)
        let recipe = try scratch.load()
        let installed = try installBlogPosts(recipe, count: 20)
        defer { installed.clone.close() }
        let clone = installed.clone, client = installed.client, journal = installed.journal

        #expect {
            try makeMigrator(recipe, clone, journal: journal).runToEnd(options(maxErrors: 1))
        } throws: { error in
            (error as? CopyFailed)?.cause is TooManyFailures
        }
        let report = try makeMigrator(recipe, clone, journal: journal).runToEnd(options(maxErrors: 2))
        #expect(report.totals.failed == 2)
        #expect(try client.count(recipe.readAlias) == 18)
        let run = try #require(try journal.latestRun(recipe: recipe.name))
        let letters = try journal.deadLetters(run.runID)
        #expect(letters.map(\.id).sorted() == ["post-3", "post-9"])
        #expect(letters.allSatisfy { $0.stage == "transform" && $0.message.contains("bad post") && $0.message.contains("v2_to_v3.lua:3") })
        let original = try #require(letters.first { $0.id == "post-3" }?.source)
        #expect(try JSONValue.parse(original)["author"] != nil, "the original source is kept for replay")
    }
}

@Suite("lease lost mid-run", .serialized)
struct LeaseLostTests {
    @Test("a runner whose lease another takes stops writing before the next phase")
    func stopsWriting() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        let journal = try temporaryJournal()
        let source = try makeMigrator(recipe, clone, journal: journal).initialize(version: "1.0")
        // Enough documents that the copy outlasts the lease's 100 ms renewal by far.
        try seedBlogPosts(client, into: recipe.writeAlias, count: 6_000)
        let migrator = try makeMigrator(recipe, clone, journal: journal)
        var stolen = false
        migrator.progress = { label, counts in
            // Another runner takes the alias while the copy is under way.
            guard label == "copy", counts.written > 0, !stolen else { return }
            stolen = true
            _ = try? client.indexDocument(index: Lease.index, id: recipe.readAlias, body: ["holder": "another runner"], refresh: true)
        }
        var opts = options(slices: 1)
        opts.leaseTTL = .milliseconds(300)
        #expect {
            try migrator.runToEnd(opts)
        } throws: { error in
            String(describing: error).contains("lost the lease")
        }
        #expect(stolen)
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [source]), "nothing switched")
        let run = try #require(try journal.unfinishedRun(recipe: recipe.name))
        #expect(run.phase == .copying)
    }
}
