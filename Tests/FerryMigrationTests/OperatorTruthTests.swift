/// What the operator commands print is what the cluster and the journal confirm: rollback's
/// deletes, counts of every kind, a lost journal, dead-letter retry, the version in reports.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryJournal
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("operator commands tell the truth", .serialized)
struct OperatorTruthTests {
    @Test("rollback against a cluster that lost everything says nothing was there to delete")
    func rollbackOnEmptyCluster() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let source = try makeMigrator(try realRecipe(), clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: "blog_posts-write", count: 30)
        let state = NSTemporaryDirectory() + "ferry-truth-\(UUID().uuidString)/state.db"
        let ferry = FerryProcess(url: clone.url, state: state)
        #expect(try ferry.run(["run", "blog_posts", "--yes"], environment: ["FERRY_FAILPOINT": "slice-completed#1"]).killed)
        let target = try #require(try Journal(path: state).latestRun(recipe: "blog_posts")?.plan.targetIndex)
        try client.deleteIndex(target)
        try client.deleteIndex(source)

        let rollback = try ferry.run(["rollback", "blog_posts", "--yes"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(!rollback.stdout.contains("deleted \(target)"), "\(rollback.stdout)")
        #expect(rollback.stdout.contains("\(target) was not in the cluster"), "\(rollback.stdout)")
        #expect(!rollback.stdout.contains("still → \(source)"), "\(rollback.stdout)")
        #expect(rollback.stdout.contains("blog_posts does not exist in the cluster"), "\(rollback.stdout)")
    }

    @Test("rollback before the switch names the delete the cluster acknowledged and where the alias points now")
    func rollbackBeforeSwitchIsConfirmed() throws {
        let i = try installBlogPosts(count: 20)
        defer { i.clone.close() }
        let state = NSTemporaryDirectory() + "ferry-truth-\(UUID().uuidString)/state.db"
        let ferry = FerryProcess(url: i.clone.url, state: state)
        #expect(try ferry.run(["run", "blog_posts", "--yes"], environment: ["FERRY_FAILPOINT": "phase:COPIED"]).killed)
        let target = try #require(try Journal(path: state).latestRun(recipe: "blog_posts")?.plan.targetIndex)
        let rollback = try ferry.run(["rollback", "blog_posts", "--yes"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(rollback.stdout.contains("deleted \(target); blog_posts → \(i.source)"), "\(rollback.stdout)")
        #expect(try !i.client.indexExists(target))
    }

    @Test("dead letters are counted as dead letters everywhere: the frozen check, the report, status")
    func countsAgree() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v2_to_v3", """
              if ctx.id == "post-3" or ctx.id == "post-9" or ctx.id == "post-11" then error("bad post " .. ctx.id) end
              return real(doc, ctx)
            """)
        let recipe = try scratch.load()
        let i = try installBlogPosts(recipe, count: 20)
        defer { i.clone.close() }
        let migrator = try makeMigrator(recipe, i.clone, journal: i.journal)
        var said: [String] = []
        migrator.say = { said.append($0) }
        let report = try migrator.runToEnd(options(maxErrors: 3))
        let frozen = try #require(said.first { $0.contains("under the freeze:") }, "\(said)")
        #expect(!frozen.contains("or dropped"), "\(frozen)")
        #expect(frozen.contains("3 dead letters"), "\(frozen)")
        let inTarget = try i.client.count(report.targetIndex)
        #expect(frozen.contains("\(inTarget) in \(report.targetIndex)"), "\(frozen)")
        #expect(report.lines.contains { $0.contains("dead letters 3") }, "\(report.lines)")
        let status = try Operations(recipe: recipe, cluster: try i.clone.config(), journal: i.journal).status()
        #expect(status.deadLetters == 3)
        #expect(status.json["progress"]?["dead_letters"] == .int(3))
    }

    @Test("the run report and status --save-evidence carry FerryVersion.description")
    func versionInReports() throws {
        let i = try installBlogPosts(count: 10)
        defer { i.clone.close() }
        let report = try makeMigrator(i.recipe, i.clone, journal: i.journal).runToEnd(options())
        #expect(report.lines.contains("ferry       \(FerryVersion.description)"), "\(report.lines)")
        let operations = try Operations(recipe: i.recipe, cluster: try i.clone.config(), journal: i.journal)
        let folder = NSTemporaryDirectory() + "ferry-evidence-\(UUID().uuidString)"
        _ = try operations.saveEvidence(to: folder, status: try operations.status())
        let saved = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/status.json"))))
        #expect(saved["ferry_version"]?.stringValue == FerryVersion.description)
    }

    @Test("a journal deleted during a run stops it at the next phase; status then reads the run from _meta.ferry")
    func journalDeletedDuringRun() throws {
        let i = try installBlogPosts(count: 200)
        defer { i.clone.close() }
        let path = i.journal.path
        let migrator = try makeMigrator(i.recipe, i.clone, journal: i.journal)
        var deleted = false
        migrator.progress = { _, counts in
            guard !deleted, counts.written > 0 else { return }
            deleted = true
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        #expect {
            try migrator.runToEnd(options(slices: 1))
        } throws: { error in
            String(describing: error).contains("the journal \(path) was deleted during run")
        }
        #expect(deleted)
        #expect(try i.client.resolve(i.recipe.readAlias) == .alias(indices: [i.source]), "nothing switched")

        let fresh = try Journal(path: path)
        let status = try Operations(recipe: i.recipe, cluster: try i.clone.config(), journal: fresh).status()
        let target = try i.recipe.indexName(for: i.recipe.latestVersion)
        #expect(status.explanation.contains("\(target) was made by run"), "\(status.explanation)")
        #expect(status.explanation.contains("does not record"), "\(status.explanation)")
        #expect(status.nextCommand.hasPrefix("ferry cleanup blog_posts --index \(target) --older-than 0s --yes"), "\(status.nextCommand)")
    }

    @Test("a journal replaced by another file is noticed too")
    func journalReplaced() throws {
        let journal = try temporaryJournal()
        let record = RunRecord(
            runID: "r1", recipe: "blog_posts", readAlias: "blog_posts", fingerprint: "f",
            plan: PlanRecord(
                sourceIndex: "a", sourceVersion: "1.0", evidence: "flag", sourceIsConcrete: false, writeAliasIndices: [],
                targetVersion: "2.0", targetIndex: "b", preservedIndex: nil, steps: [], mode: "blue-green"),
            phase: .copying, sliceCount: 1, startedAt: ISODate.now(fractionalSeconds: true))
        try journal.begin(record)
        try journal.checkInPlace(runID: "r1")
        try FileManager.default.removeItem(atPath: journal.path)
        _ = try Journal(path: journal.path)
        #expect {
            try journal.checkInPlace(runID: "r1")
        } throws: { error in
            String(describing: error).contains("was replaced by another file")
        }
    }

    @Test("a journal lost after the switch: status says which run made the live index, and next works")
    func journalLostAfterSwitch() throws {
        let i = try installBlogPosts(count: 20)
        defer { i.clone.close() }
        let report = try makeMigrator(i.recipe, i.clone, journal: i.journal).runToEnd(options())
        let other = try temporaryJournal()
        let status = try Operations(recipe: i.recipe, cluster: try i.clone.config(), journal: other).status()
        #expect(status.state == .postSwitch, "\(status.state): \(status.explanation)")
        #expect(status.explanation.contains("\(report.targetIndex) was made by run \(report.runID)"), "\(status.explanation)")
        #expect(status.explanation.contains("the aliases point to it"), "\(status.explanation)")
        #expect(status.nextCommand == "nothing to do")
    }
}

@Suite("ferry deadletters --retry", .serialized)
struct DeadLetterRetryTests {
    @Test("after the switch and a step fix, --retry writes the dead letters into the target and journals it")
    func retryAfterFix() throws {
        let setup = try DeadLetteredRun(stateTag: "retry")
        defer { setup.remove() }
        let (scratch, client, state, ferry) = (setup.scratch, setup.client, setup.state, setup.ferry)
        let target = try setup.plan().targetIndex
        #expect(try client.getDocument(index: target, id: "post-3") == nil)

        // Not fixed yet: both still fail, with exit 3 and their new failure.
        let again = try ferry.run(["deadletters", "blog_posts", "--retry"])
        #expect(again.status == 3, "\(again.stderr)")
        #expect(again.stdout.contains("0 written") && again.stdout.contains("2 still failing"), "\(again.stdout)")
        #expect(again.stdout.contains("still failing: post-3"), "\(again.stdout)")

        // The fix: the step as it was before it was made to fail.
        try scratch.write("blog_posts/steps/v2_to_v3.lua", try scratch.read("blog_posts/steps/real_v2_to_v3.lua"))
        let fixed = try ferry.run(["deadletters", "blog_posts", "--retry"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.stdout.contains("retried 2 dead letter(s)") && fixed.stdout.contains("2 written") && fixed.stdout.contains("0 still failing"), "\(fixed.stdout)")
        #expect(fixed.stdout.contains("the recipe changed since the run started"), "\(fixed.stdout)")
        #expect(try client.getDocument(index: target, id: "post-3") != nil)
        #expect(try client.getDocument(index: target, id: "post-9") != nil)

        let journal = try Journal(path: state)
        let run = try #require(try journal.latestRun(recipe: "blog_posts"))
        #expect(try journal.deadLetters(run.runID).isEmpty)
        #expect(try journal.events(run.runID).contains { $0.message.contains("fingerprint \(run.fingerprint) →") })
        // What the run would have written with the fixed step from the start: the exact result.
        try client.refresh(target)
        #expect(try client.count(target) == 20 - (try journal.droppedCount(run.runID)))
    }
}
