/// The real `ferry run events` killed (SIGKILL at a named point, between members and inside
/// one) and run again: the same command finishes the family exactly, each member once.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryTestSupport

@Suite("Family runs killed and resumed")
struct FamilyCrashTests {
    static let command = ["run", "events", "--yes", "--slices", "3", "--app-writes-target-version"]

    /// With 3 slices per member: slice-completed#5 is inside the second member's copy, and
    /// before-switch#2 is the second member under its write block, just before its switch.
    @Test("kill -9 at a named point of a family run, then the same command finishes every member exactly",
          arguments: ["family:template-journaled", "family:member-done#1", "slice-completed#5", "before-switch#2"])
    func killAndResume(_ failpoint: String) throws {
        let f = try EventsFamily.install(months: 3, perMonth: 90)
        let oldTemplate = try f.client.templateBody("events", on: try f.client.info())
        let ferry = FerryProcess(url: f.clone.url, state: f.journal.path)

        let crashed = try ferry.run(Self.command, environment: ["FERRY_FAILPOINT": failpoint])
        #expect(crashed.killed, "ferry should have died at \(failpoint); status \(crashed.status), stderr: \(crashed.stderr)")
        let resumed = try ferry.run(Self.command)
        #expect(resumed.status == 0, "resume after \(failpoint): \(resumed.stderr)")
        #expect(resumed.stdout.contains("continuing family run"), "\(resumed.stdout)")

        let family = try f.familyRun
        #expect(family.phase == .completed)
        #expect(family.oldTemplate == oldTemplate, "the journaled template is the one from before the run, not the run's own")
        #expect(try f.rows.map(\.state) == [.done, .done, .done])
        for member in f.members { try f.expectExactMember(member) }
        let units = try f.journal.runs(recipe: "events")
        #expect(units.count == 3 && units.allSatisfy { $0.phase == .completed && $0.plan.familyRun == family.familyRunID },
                "one unit run per member, continued rather than started again: \(units.map { "\($0.plan.sourceIndex) \($0.phase.rawValue)" })")
        let targets = try f.rows.compactMap(\.targetIndex)
        #expect(try f.aliasIndices("events") == targets.sorted())
        #expect(try f.aliasIndices("events-write") == [targets.last!])
    }

    @Test("Ctrl-C while the second member's writes are blocked lifts that block, exits 130, and the same command finishes the family exactly")
    func interruptUnderAMemberFreeze() throws {
        let f = try EventsFamily.install(months: 3, perMonth: 90)
        let ferry = FerryProcess(url: f.clone.url, state: f.journal.path)
        let member = f.members[1]
        // phase:FROZEN#2: the second member's unit, its writes blocked.
        let running = try ferry.start(Self.command, environment: ["FERRY_FAILPOINT": "phase:FROZEN#2", "FERRY_FAILPOINT_ACTION": "pause"])
        #expect(running.waitForStderr("paused at failpoint phase:FROZEN"), "ferry never reached the freeze: \(running.stderr)")
        #expect(try blocked(f.client, member), "writes to \(member) are blocked before the signal")
        running.send(SIGINT)
        let outcome = running.wait(killAfter: .seconds(60))
        #expect(outcome.status == 130, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("lifted the write block on \(member)"), "\(outcome.stderr)")
        #expect(try !blocked(f.client, member), "the block on \(member) is lifted")
        #expect(try f.rows.map(\.state) == [.done, .running, .pending], "interrupted, not failed")
        #expect(try f.aliasIndices("events").contains(member))

        let resumed = try ferry.run(Self.command)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try f.rows.map(\.state) == [.done, .done, .done])
        for member in f.members { try f.expectExactMember(member) }
    }

    private func blocked(_ client: ClusterClient, _ index: String) throws -> Bool {
        let value = try client.getSettings(index)["index"]?["blocks"]?["write"]
        return value == .bool(true) || value == "true"
    }

    @Test("late writes to an old month by name while its unit runs (an update, a delete, a new event) are in its new index, exactly")
    func lateWritesToAnOldMonth() throws {
        let f = try EventsFamily.install(months: 3, perMonth: 60)
        let ferry = FerryProcess(url: f.clone.url, state: f.journal.path)
        let january = f.members[0]
        // Stopped right after January's copy, before its catch-up.
        let running = try ferry.start(Self.command, environment: ["FERRY_FAILPOINT": "phase:COPIED#1", "FERRY_FAILPOINT_ACTION": "pause"])
        #expect(running.waitForStderr("paused at failpoint phase:COPIED"), "\(running.stderr)")
        let late: JSONValue = ["type": "refund", "user_id": "u-0003", "ts": "2024-01-31T23:59:00Z", "message": "late coffee refund", "amount": 4.5]
        try f.client.indexDocument(index: january, id: "\(january)-000002", body: late)
        try f.client.indexDocument(index: january, id: "late-1", body: late)
        #expect(try f.client.deleteDocument(index: january, id: "\(january)-000003"))
        try f.client.refresh(january)
        running.send(SIGINT)
        #expect(running.wait(killAfter: .seconds(60)).status == 130)

        let resumed = try ferry.run(Self.command)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try f.expectExactMember(january)
        let target = try #require(try f.row(january).targetIndex)
        let docs = try documentsByID(f.client, index: target)
        #expect(docs["late-1"]?["type"] == "refund" && docs["\(january)-000002"]?["type"] == "refund")
        #expect(docs["\(january)-000003"] == nil && docs.count == 60)
    }
}
