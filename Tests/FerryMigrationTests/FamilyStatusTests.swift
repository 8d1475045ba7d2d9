/// `ferry status <family recipe>` with the real binary: read from the journal while `ferry run`
/// runs in another process (paused inside the second member), after it is killed there, and
/// after the same command finished the family.
import Foundation
import Testing
import FerryCore
import FerryJournal
import FerryMigration
import FerryTestSupport

@Suite("index family: status during and after a run", .serialized)
struct FamilyStatusTests {
    @Test("during the run: done, current with its progress, pending, the runner and the ETA; after a kill: where to continue; after: all done")
    func duringAndAfter() throws {
        let f = try EventsFamily.install(months: 3, perMonth: 20)
        let running = try f.ferry.start(
            ["run", "events", "--yes", "--app-writes-target-version"],
            environment: ["FERRY_FAILPOINT": "phase:CATCHING_UP#2", "FERRY_FAILPOINT_ACTION": "pause"])
        #expect(running.waitForStderr("paused at failpoint phase:CATCHING_UP"), "\(running.stderr)")

        let during = try f.ferry.run(["status", "events"])
        #expect(during.status == 0, "\(during.stderr)")
        let rows = Self.rows(during.stdout)
        #expect(rows["events-2024-01"]?.contains(" done ") == true, "\(during.stdout)")
        #expect(rows["events-2024-02"]?.contains("current: catching up 20/20 (100%)") == true, "\(during.stdout)")
        #expect(rows["events-2024-03"]?.contains(" pending ") == true, "\(during.stdout)")
        #expect(rows["events-2024-03"]?.contains("events-2024-03 →") == false, "a pending member has no new index yet")
        #expect(during.stdout.contains("3 members: 1 done, 1 current, 1 pending; ETA for the rest: 20 documents at "), "\(during.stdout)")
        #expect(during.stdout.contains("template events: version 2.0; the journal keeps the one before (version 1.0) for rollback"))
        let holder = try #require(during.stdout.split(separator: "\n").first { $0.hasPrefix("next: wait: ") })
        #expect(holder.contains("pid \(running.process.processIdentifier) "), "\(holder)")

        let json = try JSONValue.parse(Array(try f.ferry.run(["status", "events", "--json"]).stdout.utf8))
        #expect(json["members"]?.arrayValue?.compactMap { $0["phase"]?.stringValue } == ["CATCHING_UP"])
        #expect(json["documents_left"]?.intValue == 20)

        running.send(SIGKILL)
        _ = running.wait()
        let stopped = try f.ferry.run(["status", "events"])
        #expect(stopped.stdout.contains("no runner holds the lease"), "\(stopped.stdout)")
        #expect(stopped.stdout.contains("next: ferry run events --yes  (continues the family run at events-2024-02)"), "\(stopped.stdout)")

        let finished = try f.ferry.run(["run", "events", "--yes", "--app-writes-target-version"])
        #expect(finished.status == 0, "\(finished.stderr)")
        let after = try f.ferry.run(["status", "events"])
        #expect(Self.rows(after.stdout).values.filter { $0.contains(" done ") }.count == 3, "\(after.stdout)")
        #expect(after.stdout.contains("3 members: 3 done; nothing left to copy"), "\(after.stdout)")
        let journal = try Journal(path: f.statePath)
        let run = try #require(try journal.latestFamilyRun(recipe: "events"))
        #expect(after.stdout.contains("family run \(run.familyRunID) (to 2.0): COMPLETED"))
        for m in try journal.members(of: run.familyRunID) {
            #expect(Self.rows(after.stdout)[m.member]?.contains("\(m.member) → \(m.targetIndex ?? "?")") == true)
            #expect(Self.rows(after.stdout)[m.member]?.contains(" \(m.documents ?? -1) ") == true, "documents as journaled")
        }
    }

    @Test("a member that failed verification: status says which, with the reason, and that the same command continues at it")
    func failedMember() throws {
        // The second month alone names users the table knows: a canary on user_country differs there.
        let scratch = try ScratchRecipes()
        let canary = #"{ name = "events with a country", query = { exists = { field = "user_country" } } },"#
        try scratch.edit("events/recipe.lua", replacing: "canaries = {", with: "canaries = {\n" + canary)
        let f = try EventsFamily.install(months: 3, perMonth: 30, recipe: try scratch.load("events"), usersKnownOnlyIn: 2)
        #expect(throws: FerryError.self) { try f.run() }
        var ferry = f.ferry
        ferry.recipes = scratch.recipes
        let status = try ferry.run(["status", "events"])
        #expect(status.status == 0, "\(status.stderr)")
        let rows = Self.rows(status.stdout)
        #expect(rows["events-2024-01"]?.contains(" done ") == true, "\(status.stdout)")
        #expect(rows["events-2024-02"]?.contains("FAILED: verification before the switch found differences") == true, "\(status.stdout)")
        #expect(rows["events-2024-02"]?.split(separator: " ").contains("30") == true, "its documents: \(status.stdout)")
        #expect(rows["events-2024-03"]?.contains(" pending ") == true, "\(status.stdout)")
        #expect(status.stdout.contains("next: ferry run events --yes  (continues the family run at events-2024-02)  or  ferry rollback events --yes"), "\(status.stdout)")
    }

    @Test("--save-evidence saves what `ferry status <family>` shows: the member table as --json prints it, and the family runs with the template rollback restores")
    func evidenceOfAFamily() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 10)
        defer { f.clone.close() }
        try f.run { $0.members.maxMembers = 1 }
        let folder = NSTemporaryDirectory() + "ferry-family-evidence-\(UUID().uuidString)"
        let saved = try f.ferry.run(["status", "events", "--save-evidence", folder])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout.contains("2 members: 1 done, 1 pending"), "the member table is printed: \(saved.stdout)")
        func file(_ name: String) throws -> JSONValue {
            try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)"))))
        }

        var status = try #require(try file("status.json").objectValue)
        #expect(status.removeValue(forKey: "ferry_version")?.stringValue == FerryVersion.description)
        #expect(status.removeValue(forKey: "versions") != nil)
        let shown = try JSONValue.parse(Array(try f.ferry.run(["status", "events", "--json"]).stdout.utf8))
        #expect(JSONValue.object(status) == shown, "status.json is what `ferry status events --json` prints")
        #expect(status["members"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["done", "pending"], "\(status)")

        let journal = try Journal(path: f.statePath)
        let run = try #require(try journal.latestFamilyRun(recipe: "events"))
        let runs = try #require(try file("family_runs.json").arrayValue)
        #expect(runs.count == 1)
        #expect(runs.first?["id"]?.stringValue == run.familyRunID)
        #expect(runs.first?["phase"]?.stringValue == "MEMBERS")
        #expect(runs.first?["members"]?.arrayValue?.map { [$0["member"]?.stringValue, $0["state"]?.stringValue] } == [[f.members[0], "done"], [f.members[1], "pending"]])
        #expect(runs.first?["old_template"] == run.oldTemplate && run.oldTemplate != nil, "the template rollback restores (1.0)")
        #expect(try file("journal.json").arrayValue?.count == 1, "the first member's unit run")
        let mappings = try #require(try file("mappings.json").objectValue)
        #expect(Set(f.members).isSubset(of: mappings.keys), "the members' mappings: \(mappings.keys.sorted())")
    }

    /// The member table's rows by member name (lines starting with two spaces and `events-`).
    static func rows(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("  events-") {
            let name = line.dropFirst(2).prefix { $0 != " " }
            out[String(name)] = String(line) + " "
        }
        return out
    }
}
