/// `ferry deadletters --retry` once the run's source index is gone: the stored originals are
/// replayed through the current steps, with the same write and journaling.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryJournal
import FerryTestSupport
import FerryMigration

extension DeadLetterRetryTests {
    @Test("with the source index deleted, --retry replays the stored originals, says so, and writes them once fixed")
    func retryReplaysStoredOriginals() throws {
        let setup = try DeadLetteredRun(stateTag: "replay")
        defer { setup.remove() }
        let (scratch, clone, client, state, ferry) = (setup.scratch, setup.clone, setup.client, setup.state, setup.ferry)
        let plan = try setup.plan()
        #expect(try client.deleteIndex(plan.sourceIndex))

        // Before: "cannot retry … its source index … is not in the cluster", exit 1.
        let again = try ferry.run(["deadletters", "blog_posts", "--retry"])
        #expect(again.status == 3, "\(again.stderr)")
        #expect(again.stdout.contains("source index \(plan.sourceIndex) is gone: replaying the 2 stored original(s)"), "\(again.stdout)")
        #expect(again.stdout.contains("0 written") && again.stdout.contains("2 still failing"), "\(again.stdout)")
        #expect(again.stdout.contains("still failing: post-3"), "\(again.stdout)")
        // The new failures keep their originals, so a later retry can replay them again.
        let runID = try #require(try Journal(path: state).latestRun(recipe: "blog_posts")?.runID)
        let letters = try Journal(path: state).deadLetters(runID)
        #expect(Set(letters.map(\.id)) == ["post-3", "post-9"])
        #expect(letters.allSatisfy { $0.source.map { (try? JSONValue.parse($0))?["title"] != nil } == true })

        try scratch.write("blog_posts/steps/v2_to_v3.lua", try scratch.read("blog_posts/steps/real_v2_to_v3.lua"))
        let fixed = try ferry.run(["deadletters", "blog_posts", "--retry"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.stdout.contains("replaying the 2 stored original(s)"), "\(fixed.stdout)")
        #expect(fixed.stdout.contains("2 written") && fixed.stdout.contains("0 still failing"), "\(fixed.stdout)")
        let journal = try Journal(path: state)
        #expect(try journal.deadLetters(runID).isEmpty)
        // Written through the current steps: the same fields as a document the run copied.
        let replayed = try #require(try client.getDocument(index: plan.targetIndex, id: "post-3"))
        let copied = try #require(try client.getDocument(index: plan.targetIndex, id: "post-4"))
        #expect(replayed.objectValue.map { Set($0.keys) } == copied.objectValue.map { Set($0.keys) })
        try client.refresh(plan.targetIndex)
        #expect(try client.count(plan.targetIndex) == 20 - (try journal.droppedCount(runID)))
        // Status counts the replayed writes with the run's (residual 1 of issue 11).
        let recipe2 = try scratch.load()
        let status = try Operations(recipe: recipe2, cluster: try clone.config(), journal: journal).status()
        #expect(status.writtenText.hasSuffix(", 2 in dead-letter retry"), "\(status.writtenText)")
    }
}
