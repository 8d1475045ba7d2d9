/// `ferry rollback`, `status` and `cleanup` for an index family, with the real binary against
/// osmem: the events recipe's members made from the 1.0 template, migrated by `ferry run
/// events`, then rolled back whole, per member, after writes to the current month, and
/// killed in the middle.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryJournal
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("index family: rollback, status, cleanup", .serialized)
struct FamilyRollbackTests {
    @Test("rollback restores every alias (read on the old members, write on the old newest) and the template")
    func wholeFamily() throws {
        let f = try EventsFamily.install(perMonth: 20)
        let templateBefore = try f.template()
        try f.migrate()
        #expect(try f.template() != templateBefore, "the run put the 2.0 template")
        #expect(try f.readMembers() != f.members, "the run switched the members")

        let rolled = try f.ferry.run(["rollback", "events", "--yes"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(try f.readMembers() == f.members)
        #expect(try f.client.resolve("events-write") == .alias(indices: [f.members.last!]))
        #expect(try f.template() == templateBefore)
        // What it printed is what the cluster and the journal say.
        let journal = try Journal(path: f.statePath)
        let run = try #require(try journal.latestFamilyRun(recipe: "events"))
        #expect(run.phase == .rolledBack)
        #expect(try journal.members(of: run.familyRunID).allSatisfy { $0.state == .rolledBack })
        for member in f.members { #expect(rolled.stdout.contains("\(member): rolled back run"), "\(rolled.stdout)") }
        #expect(rolled.stdout.contains("template events restored to the one the family run replaced (version 1.0"))
        #expect(rolled.stdout.contains("\(f.members.count) member(s) rolled back (\(f.members.count) flipped back)"))
        // The old newest member takes the application's writes again.
        let v1: JSONValue = ["type": "login", "user_id": "u-0001", "ts": "2024-03-28T10:00:00Z", "message": "after the rollback", "amount": .null]
        try f.client.indexDocument(index: "events-write", id: "after-rollback", body: v1, refresh: true)
        #expect(try f.client.fetchDocument(index: f.members.last!, id: "after-rollback") != nil)

        let status = try f.ferry.run(["status", "events"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("family run \(run.familyRunID) (to 2.0): ROLLED_BACK"), "\(status.stdout)")
        #expect(status.stdout.split(separator: "\n").filter { $0.contains("rolled back") && $0.contains(" → ") }.count == f.members.count)
    }

    @Test("with no template before the family run, rollback deletes the one the run put")
    func templateAbsentBefore() throws {
        let f = try EventsFamily.installWithoutTemplate(months: 2, perMonth: 10)
        #expect(try f.template() == nil)
        try f.migrate()
        #expect(try f.template() != nil)
        let rolled = try f.ferry.run(["rollback", "events", "--yes"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(try f.template() == nil)
        #expect(rolled.stdout.contains("template events deleted: there was none before family run"))
        #expect(try f.readMembers() == f.members)
    }

    @Test("a template changed by hand after the run: rollback still puts the journaled one back and says what it replaced")
    func templateChangedSince() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 10)
        let templateBefore = try f.template()
        try f.migrate()
        var handMade = try #require(try f.template()?.objectValue)
        handMade["_meta"] = nil
        handMade["template"] = ["mappings": ["properties": ["note": ["type": "keyword"]]], "aliases": ["events": [:]]]
        try f.client.putTemplateBody("events", body: .object(handMade), on: f.client.info())

        let rolled = try f.ferry.run(["rollback", "events", "--yes"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(rolled.stdout.contains("(version 1.0, as the cluster reports it now) (it was a template without _meta.ferry, not the 2.0 one the family run put: changed since?)"), "\(rolled.stdout)")
        #expect(try f.template() == templateBefore)
    }

    @Test("after writes to the current month through the write alias, rollback brings them back through the reverse step: none lost")
    func writesSinceTheSwitch() throws {
        let f = try EventsFamily.install(perMonth: 20)
        try f.migrate()
        let newest = f.members.last!
        let expected = try f.writeToCurrentMonth(updated: 6, created: 4, deleted: 3)

        let rolled = try f.ferry.run(["rollback", "events", "--yes"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(rolled.stdout.contains("brought back 10 document(s)"), "\(rolled.stdout)")
        #expect(rolled.stdout.contains("(2 flipped back, 1 through the reverse steps)"), "\(rolled.stdout)")
        #expect(rolled.stdout.contains("events and events-write → \(newest) instead of \(newest)-2.0-"), "\(rolled.stdout)")
        #expect(rolled.stdout.contains("events → \(f.members[0]) instead of \(f.members[0])-2.0-"), "\(rolled.stdout)")
        try f.expectNoneLost(expected)
        #expect(try f.readMembers() == f.members)
        #expect(try f.client.resolve("events-write") == .alias(indices: [newest]))
    }

    @Test("--member rolls back that member only; the template stays until the rest are back")
    func oneMember() throws {
        let f = try EventsFamily.install(perMonth: 20)
        try f.migrate()
        let migrated = try f.readMembers()
        let middle = f.members[1]
        let rolled = try f.ferry.run(["rollback", "events", "--member", middle, "--yes"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        // Only the middle member is back; the others and the write alias stay on the new indices.
        let expected = migrated.filter { !$0.hasPrefix(middle + "-") } + [middle]
        #expect(try f.readMembers() == expected.sorted())
        #expect(try f.client.resolve("events-write") == .alias(indices: [migrated.first { $0.hasPrefix(f.members.last! + "-") }!]))
        #expect(try EventsFamily.version(f.template()) == "2.0")
        #expect(rolled.stdout.contains("template events stays at 2.0: 2 other member(s) are still migrated (\(f.members[0]), \(f.members[2]))"), "\(rolled.stdout)")

        // The whole family afterwards: the middle one is already back, the template restored.
        let rest = try f.ferry.run(["rollback", "events", "--yes"])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stdout.contains("\(middle): already rolled back"), "\(rest.stdout)")
        #expect(try f.readMembers() == f.members)
        #expect(try EventsFamily.version(f.template()) == "1.0")
    }

    @Test("SIGKILL after the first member and inside the current month's reverse run: the same command finishes exactly")
    func killedAndFinished() throws {
        let f = try EventsFamily.install(perMonth: 20)
        try f.migrate()
        let newest = f.members.last!
        let expected = try f.writeToCurrentMonth(updated: 4, created: 2, deleted: 2)

        // Inside the newest member's rollback run (its catch-up), then after it was journaled.
        let first = try f.ferry.run(["rollback", "events", "--yes"], environment: ["FERRY_FAILPOINT": "phase:CATCHING_UP"])
        #expect(first.killed, "\(first.stderr)")
        let stopped = try f.ferry.run(["status", "events"])
        #expect(FamilyStatusTests.rows(stopped.stdout)[newest]?.contains("rolling back: catching up") == true, "\(stopped.stdout)")
        #expect(stopped.stdout.contains("next: ferry rollback events --yes  (continues the rollback of \(newest), then the rest)"), "\(stopped.stdout)")
        let second = try f.ferry.run(["rollback", "events", "--yes"], environment: ["FERRY_FAILPOINT": "family-rollback:member-done"])
        #expect(second.killed, "\(second.stderr)")
        #expect(second.stdout.contains("continuing rollback run"), "\(second.stdout)")
        let journal = try Journal(path: f.statePath)
        let run = try #require(try journal.latestFamilyRun(recipe: "events"))
        #expect(try journal.members(of: run.familyRunID).filter { $0.state == .rolledBack }.map(\.member) == [newest])
        #expect(try f.template() != nil && EventsFamily.version(f.template()) == "2.0", "the template waits for every member")

        let last = try f.ferry.run(["rollback", "events", "--yes"])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(last.stdout.contains("\(newest): already rolled back"), "\(last.stdout)")
        #expect(try f.readMembers() == f.members)
        #expect(try f.client.resolve("events-write") == .alias(indices: [newest]))
        #expect(try EventsFamily.version(f.template()) == "1.0")
        try f.expectNoneLost(expected)
    }

    @Test("an unfinished family run: the switched member back, the one in progress abandoned (its new index deleted), the pending one untouched, the template restored")
    func unfinishedRun() throws {
        let f = try EventsFamily.install(perMonth: 20)
        let templateBefore = try f.template()
        let killed = try f.ferry.run(["run", "events", "--yes", "--app-writes-target-version"], environment: ["FERRY_FAILPOINT": "phase:CATCHING_UP#2"])
        #expect(killed.killed, "\(killed.stderr)")
        let inProgress = try f.row(f.members[1])
        let half = try #require(inProgress.targetIndex)
        #expect(try f.client.indexExists(half))

        let rolled = try f.ferry.run(["rollback", "events", "--yes"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(rolled.stdout.contains("\(f.members[2]): not started; nothing to roll back"), "\(rolled.stdout)")
        #expect(rolled.stdout.contains("\(f.members[1]): abandoned run \(inProgress.runID ?? "?") before its switch; deleted \(half)"), "\(rolled.stdout)")
        #expect(rolled.stdout.contains("\(f.members[0]): rolled back run"), "\(rolled.stdout)")
        #expect(rolled.stdout.contains("2 member(s) rolled back (1 flipped back, 1 abandoned before their switch)"), "\(rolled.stdout)")
        #expect(try !f.client.indexExists(half))
        #expect(try f.readMembers() == f.members)
        #expect(try f.client.resolve("events-write") == .alias(indices: [f.members[2]]))
        #expect(try f.template() == templateBefore)
        #expect(try f.familyRun.phase == .rolledBack)
    }

    @Test("a member killed between its _aliases call and the journal line counts as switched: rollback moves it back")
    func killedRightAfterTheSwitch() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 10)
        let killed = try f.ferry.run(["run", "events", "--yes", "--app-writes-target-version"], environment: ["FERRY_FAILPOINT": "after-switch"])
        #expect(killed.killed, "\(killed.stderr)")
        let first = try f.row(f.members[0])
        let new = try #require(first.targetIndex)
        #expect(try f.journal.run(id: try #require(first.runID))?.phase ?? .completed < .switched, "killed before SWITCHED was journaled")
        #expect(try f.readMembers() == [f.members[1], new].sorted(), "but the cluster has switched it")

        let rolled = try f.ferry.run(["rollback", "events", "--yes"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(rolled.stdout.contains("\(f.members[0]): rolled back run"), "\(rolled.stdout)")
        #expect(try f.readMembers() == f.members)
        #expect(try f.client.indexExists(new), "a switched member's new index is kept")
        #expect(try EventsFamily.version(f.template()) == "1.0")
    }

    @Test("without reverse steps, writes to the current month: refused with nothing changed, then --discard-writes-since-switch lists the ids in a file per member")
    func noReverseSteps() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("events/recipe.lua", replacing: #"{ from = "2.0", to = "1.0", script = "steps/v2_to_v1.lua" },"#, with: "")
        let f = try EventsFamily.install(months: 2, perMonth: 10, recipe: try scratch.load("events"))
        var ferry = f.ferry
        ferry.recipes = scratch.recipes
        try f.migrate()
        let migrated = try f.readMembers()
        let expected = try f.writeToCurrentMonth(updated: 2, created: 1, deleted: 1)

        let refused = try ferry.run(["rollback", "events", "--yes"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("4 document(s) changed in \(migrated[1]) since the switch (3 written or updated, 1 deleted)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--discard-writes-since-switch"))
        #expect(refused.stdout.contains("family rollback stopped at member \(f.members[1]); the template is unchanged"), "\(refused.stdout)")
        #expect(try f.readMembers() == migrated, "nothing changed")
        #expect(try EventsFamily.version(f.template()) == "2.0")

        let file = NSTemporaryDirectory() + "ferry-discarded-\(UUID().uuidString).ndjson"
        let discarded = try ferry.run(["rollback", "events", "--yes", "--discard-writes-since-switch", "--discarded-ids", file])
        #expect(discarded.status == 0, "\(discarded.stderr)")
        let perMember = String(file.dropLast(".ndjson".count)) + "-\(f.members[1]).ndjson"
        defer { try? FileManager.default.removeItem(atPath: perMember) }
        let ids = try String(contentsOfFile: perMember, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(Array($0.utf8))["id"]?.stringValue }
        #expect(Set(ids.compactMap { $0 }) == Set(expected.oracle.entries.filter { if case .untouched = $0.value { false } else { true } }.keys))
        #expect(!FileManager.default.fileExists(atPath: String(file.dropLast(".ndjson".count)) + "-\(f.members[0]).ndjson"), "nothing left behind there")
        #expect(discarded.stdout.contains("left behind 4 write(s) since the switch"), "\(discarded.stdout)")
        #expect(try f.readMembers() == f.members)
        #expect(try EventsFamily.version(f.template()) == "1.0")
    }

    @Test("cleanup deletes the replaced members past retention, never one an alias points to, and says what the cluster deleted")
    func cleanup() throws {
        // Members made without ferry's template carry no _meta.ferry: the journal names them.
        let f = try EventsFamily.installWithoutTemplate(months: 2, perMonth: 10)
        try f.migrate()
        let listed = try f.ferry.run(["cleanup", "events", "--older-than", "0s", "--dry-run"])
        #expect(listed.status == 0, "\(listed.stderr)")
        for member in f.members { #expect(listed.stdout.contains("delete  \(member)  superseded"), "\(listed.stdout)") }
        let newIndices = try f.readMembers()
        for index in newIndices { #expect(listed.stdout.contains("keep    \(index)  in use: aliases"), "\(listed.stdout)") }

        let cleaned = try f.ferry.run(["cleanup", "events", "--older-than", "0s", "--yes"])
        #expect(cleaned.status == 0, "\(cleaned.stderr)")
        for member in f.members {
            #expect(cleaned.stdout.contains("deleted \(member)"))
            #expect(try !f.client.indexExists(member))
        }
        #expect(try f.readMembers() == newIndices)
    }
}

/// What the rollback, status and cleanup tests add to the family fixture: the real binary on
/// the fixture's journal, a family whose members no ferry template made, the aliases and the
/// template as the cluster has them, and application writes after the switch.
extension EventsFamily {
    /// `ferry` on this clone and this journal.
    var ferry: FerryProcess { FerryProcess(url: clone.url, state: journal.path) }
    var statePath: String { journal.path }

    /// The application's own family: members made with the 1.0 mapping and the read alias,
    /// without an index template (so no `_meta.ferry` and nothing for rollback to restore).
    static func installWithoutTemplate(months: Int, perMonth: Int) throws -> EventsFamily {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let recipe = try realRecipe("events")
        var members: [String] = []
        for month in 1...months {
            let name = String(format: "events-2024-%02d", month)
            var body = try recipe.indexBody(for: "1.0").objectValue ?? [:]
            body["aliases"] = ["events": [:]]
            try client.createIndex(name, body: .object(body))
            try load(client, into: name, month: month, count: perMonth)
            members.append(name)
        }
        try client.updateAliases([.add(index: members.last!, alias: "events-write", isWriteIndex: true)])
        return EventsFamily(clone: clone, client: client, recipe: recipe, journal: try temporaryJournal(), members: members)
    }

    /// `ferry run events` (in-process, as the family tests run it) to the end.
    func migrate() throws {
        let report = try run()
        try #require(report.completed)
    }

    /// What the newest member must hold after a rollback: its documents at the switch, and
    /// the application's writes since (see `RollbackOracle`).
    struct Expected {
        let member: String
        let atSwitch: [String: [UInt8]]
        var oracle: RollbackOracle
    }

    /// The newest member as the switch left it, then writes through the write alias in the
    /// 2.0 shape: `updated` existing events of the month rewritten, `created` new ones,
    /// `deleted` removed.
    func writeToCurrentMonth(updated: Int, created: Int, deleted: Int) throws -> Expected {
        let atSwitch = try sourceBytes(client, members.last!)
        var expected = Expected(member: members.last!, atSwitch: atSwitch, oracle: RollbackOracle(atSwitch: atSwitch))
        for (id, body) in try write(updated: updated, created: created, deleted: deleted) { expected.oracle.wroteToNew(id, body) }
        return expected
    }

    /// The newest member holds T⁻¹ of every document written since the switch, nothing of the
    /// deleted ones, and the untouched ones byte for byte.
    func expectNoneLost(_ expected: Expected, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reverse = try StepChain(recipe: recipe, steps: try recipe.graph.path(from: "2.0", to: "1.0"), runStartedAt: "2026-01-01T00:00:00Z")
        let actual = try sourceBytes(client, expected.member)
        let problems = try expected.oracle.check(actual: actual, atSwitch: expected.atSwitch, reverse: reverse, index: expected.member)
        #expect(problems.isEmpty, "\(problems.prefix(10))", sourceLocation: sourceLocation)
    }

    private func write(updated: Int, created: Int, deleted: Int) throws -> [(String, JSONValue?)] {
        let month = members.count
        let id = { (n: Int) in String(format: "events-2024-%02d-%06d", month, n) }
        var writes: [(String, JSONValue?)] = []
        func v2(_ n: Int) -> JSONValue {
            [
                "type": "purchase", "user_id": "u-0042", "@timestamp": .string(String(format: "2024-%02d-27T18:45:00Z", month)),
                "message": .string("written after the switch \(n)"), "amount": .double(Double(n)), "user_country": "KR",
                "labels": ["vip"], "schema_version": "2.0",
            ]
        }
        for n in 1...updated { writes.append((id(n), v2(n))) }
        for n in 1...created { writes.append((id(900 + n), v2(900 + n))) }
        for (id, body) in writes { try client.indexDocument(index: "events-write", id: id, body: body!) }
        for n in 0..<deleted {
            try client.deleteDocument(index: "events-write", id: id(updated + 1 + n))
            writes.append((id(updated + 1 + n), nil))
        }
        return writes
    }

    /// The indices the read alias spans, sorted.
    func readMembers() throws -> [String] { try aliasIndices("events") }

    /// The `events` template, whole, as the cluster holds it.
    func template() throws -> JSONValue? { try client.templateBody("events", on: client.info()) }

    static func version(_ template: JSONValue?) -> String? {
        template?["_meta"]?["ferry"]?["version"]?.stringValue ?? template?["template"]?["mappings"]?["_meta"]?["ferry"]?["version"]?.stringValue
    }
}
