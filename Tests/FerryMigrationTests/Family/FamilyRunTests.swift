/// `ferry run` of a family recipe, in process against osmem: template first, members oldest
/// first each exact, part of a family per run, members created meanwhile left alone, a
/// failing member stopping the run, the lease refusing a second runner.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("Family runs")
struct FamilyRunTests {
    @Test("the template is journaled and replaced first, then every member is migrated oldest first, exactly, inside the family aliases")
    func wholeFamily() throws {
        let f = try EventsFamily.install(months: 3)
        let oldTemplate = try f.client.templateBody("events", on: try f.client.info())
        let report = try f.run()
        #expect(report.completed)
        #expect(report.migrated.map(\.member.member) == f.members, "oldest first")

        let family = try f.familyRun
        #expect(family.phase == .completed)
        #expect(family.oldTemplateRecorded && family.oldTemplate == oldTemplate, "the 1.0 template, as the cluster held it")
        let template = try #require(try f.client.templateBody("events", on: try f.client.info()))
        #expect(template["template"]?["mappings"]?["_meta"]?["ferry"]?["version"] == "2.0")

        let rows = try f.rows
        #expect(rows.map(\.state) == [.done, .done, .done])
        let starts = rows.compactMap(\.startedAt)
        #expect(starts == starts.sorted() && starts.count == 3)
        let targets = rows.compactMap(\.targetIndex)
        #expect(targets == f.members.map { try! f.recipe.memberIndexName($0, version: "2.0") })
        #expect(try f.aliasIndices("events") == targets.sorted(), "the read alias spans the new members only")
        #expect(try f.aliasIndices("events-write") == [targets.last!], "the write alias moved with the newest member")
        for member in f.members {
            try f.expectExactMember(member)
            #expect(try f.client.aliasesOfIndex(member).isEmpty)
        }
        let meta = try #require(FerryMeta(mapping: try f.client.getMapping(targets[0])))
        #expect(meta.version == "2.0" && meta.source == f.members[0])
        #expect(rows.allSatisfy { $0.documents == 120 })
    }

    @Test("--max-members 1 migrates exactly one member; a member created from the new template meanwhile is skipped and left alone")
    func partOfAFamilyAndANewMember() throws {
        let f = try EventsFamily.install(months: 3)
        try f.run { $0.members.maxMembers = 1 }
        #expect(try f.rows.map(\.state) == [.done, .pending, .pending])
        #expect(try f.familyRun.phase == .members)
        #expect(try f.aliasIndices("events").contains(f.members[1]), "the others are untouched")

        // The application starts a new month: the template (now 2.0) creates it with the read alias.
        try f.client.createIndex("events-2024-04")
        let doc: JSONValue = ["type": "login", "user_id": "u-0001", "@timestamp": "2024-04-01T00:00:00Z", "message": "new month", "schema_version": "2.0"]
        try f.client.indexDocument(index: "events-2024-04", id: "april-1", body: doc, refresh: true)

        let report = try f.run()
        #expect(report.completed)
        #expect(report.migrated.map(\.member.member) == [f.members[1], f.members[2]])
        let april = try f.row("events-2024-04")
        #expect(april.state == .skipped && april.runID == nil && april.note?.contains("already at 2.0") == true)
        #expect(try indices(f.client, prefix: "events-2024-04") == ["events-2024-04"], "no new index for it")
        #expect(try documentsByID(f.client, index: "events-2024-04") == ["april-1": doc])
        #expect(try f.aliasIndices("events").contains("events-2024-04"))
    }

    @Test("--members PATTERN migrates exactly the matching members")
    func membersPattern() throws {
        let f = try EventsFamily.install(months: 3)
        let report = try f.run { $0.members.pattern = "*-02" }
        #expect(report.migrated.map(\.member.member) == ["events-2024-02"])
        #expect(try f.rows.map(\.state) == [.pending, .done, .pending])
        try f.expectExactMember("events-2024-02")
        #expect(try f.aliasIndices("events").filter { f.members.contains($0) } == [f.members[0], f.members[2]])
        #expect(try f.aliasIndices("events-write") == [f.members[2]])
    }

    @Test("a template deleted by hand between two runs of a family run is put again, journaled, before the next member")
    func templateDeletedMidRun() throws {
        let f = try EventsFamily.install(months: 2)
        let info = try f.client.info()
        let before = try f.client.templateBody("events", on: info)
        try f.run { $0.members.maxMembers = 1 }
        try f.client.deleteIndexTemplate("events", on: info)

        let report = try f.run()
        #expect(report.completed)
        #expect(try f.client.templateBody("events", on: info)?["template"]?["mappings"]?["_meta"]?["ferry"]?["version"] == "2.0")
        let events = try f.journal.events(try f.familyRun.familyRunID).map(\.message)
        #expect(events.contains("template events is gone since the run put it"), "\(events)")
        #expect(try f.familyRun.oldTemplate == before, "the journal keeps the template from before the run, for rollback")
    }

    @Test("bad usage a user hits on a family exits 64 with the message, nothing journaled: --mode in-place, --max-members 0 (run and plan), --restart")
    func badUsage() throws {
        let f = try EventsFamily.install(months: 2)
        let ferry = FerryProcess(url: f.clone.url, state: f.journal.path)
        let cases: [([String], String)] = [
            (["run", "events", "--yes", "--mode", "in-place"], "a family's members are migrated blue-green; --mode in-place is for single indices"),
            (["run", "events", "--yes", "--max-members", "0"], "--max-members must be 1 or more"),
            (["run", "events", "--yes", "--restart"], "--restart is for single indices"),
            (["plan", "events", "--max-members", "0"], "--max-members must be 1 or more"),
        ]
        for (arguments, message) in cases {
            let result = try ferry.run(arguments)
            #expect(result.status == 64 && result.stderr.contains(message), "\(arguments): \(result.status) \(result.stderr)")
        }
        #expect(try f.journal.latestFamilyRun(recipe: "events") == nil, "nothing journaled")
    }

    @Test("--members that takes none of the members left is refused, naming the pattern and those members, before the template or the journal is touched")
    func membersMatchingNothing() throws {
        let f = try EventsFamily.install(months: 2)
        let typo = try #require(throws: FerryError.self) { try f.run { $0.members.pattern = "events-2042-*" } }
        #expect("\(typo)".contains("--members events-2042-* matches none of the members of events left to migrate (\(f.members.joined(separator: ", ")))"), "\(typo)")
        #expect(try f.journal.latestFamilyRun(recipe: "events") == nil, "nothing journaled")
        #expect(try f.client.templateBody("events", on: try f.client.info())?["template"]?["mappings"]?["_meta"]?["ferry"]?["version"] == "1.0")

        // Continuing the family run: a pattern that names only a member already done is refused too.
        try f.run { $0.members.pattern = f.members[0] }
        let done = try #require(throws: FerryError.self) { try f.run { $0.members.pattern = f.members[0] } }
        #expect("\(done)".contains("left to migrate (\(f.members[1]))"), "\(done)")
        #expect(try f.rows.map(\.state) == [.done, .pending])
    }

    @Test("a member that fails verification stops the run: earlier members switched, it untouched, the journal says which")
    func failingMember() throws {
        // A canary only the second month's documents make differ: 2.0 documents of known users
        // get user_country, and only that month names known users.
        let scratch = try ScratchRecipes()
        try scratch.edit("events/recipe.lua", replacing: "canaries = {", with: """
            canaries = {
                { name = "events with a country", query = { exists = { field = "user_country" } } },
            """)
        let f = try EventsFamily.install(months: 3, recipe: try scratch.load("events"), usersKnownOnlyIn: 2)
        let error = try #require(throws: FerryError.self) { try f.run() }
        #expect("\(error)".contains("verification before the switch found differences"), "\(error)")
        let rows = try f.rows
        #expect(rows.map(\.state) == [.done, .failed, .pending])
        #expect(rows[1].note?.contains("verification") == true, "\(rows[1].note ?? "")")
        try f.expectExactMember(f.members[0])
        let aliases = try f.aliasIndices("events")
        #expect(aliases == [f.members[1], f.members[2], rows[0].targetIndex!].sorted(), "it and the later members keep the aliases")
        #expect(try f.aliasIndices("events-write") == [f.members[2]])
        let blocked = try f.client.getSettings(f.members[1])["index"]?["blocks"]?["write"]
        #expect(blocked != "true" && blocked != .bool(true), "its write block is lifted")
        #expect(try f.familyRun.phase == .members, "the same command continues at it")
    }

    @Test("a second runner is refused by the lease on the read alias before it journals anything")
    func secondRunner() throws {
        let f = try EventsFamily.install(months: 2)
        let held = try Lease.acquire(alias: "events", runID: "other", cluster: try f.clone.config())
        defer { held.release() }
        #expect(throws: LeaseHeld.self) { try f.run() }
        #expect(try f.journal.latestFamilyRun(recipe: "events") == nil)
        #expect(try f.client.templateBody("events", on: try f.client.info())?["template"]?["mappings"]?["_meta"]?["ferry"]?["version"] == "1.0")
    }

    @Test("members are ordered by the period in their names, or by creation date when the names do not share one shape")
    func ordering() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 5)
        let plan = try f.runner().plan(from: nil, to: nil)
        #expect(plan.members.map(\.member.name) == f.members)

        // A member whose name has another shape, created after the others: last, by creation date.
        try f.client.createIndex("events-0-imported")
        let mixed = try f.runner().plan(from: nil, to: nil)
        #expect(mixed.members.map(\.member.name) == f.members + ["events-0-imported"], "by creation date, not by name")
    }

    @Test("with no template before the run, the journal records that there was none, and the run creates it")
    func noTemplateBefore() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 10)
        try f.client.deleteIndexTemplate("events", on: try f.client.info())
        let plan = try f.runner().plan(from: nil, to: nil)
        #expect(plan.template.current == nil && !plan.template.isAtTarget)
        try f.run()
        let family = try f.familyRun
        #expect(family.oldTemplateRecorded && family.oldTemplate == nil)
        #expect(try f.client.templateBody("events", on: try f.client.info())?["template"]?["mappings"]?["_meta"]?["ferry"]?["version"] == "2.0")
        #expect(try f.rows.map(\.state) == [.done, .done])
    }

    @Test("a member the application creates from the new template during the run (right after the first member's switch) is skipped and left alone")
    func memberCreatedDuringTheRun() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 30)
        let doc: JSONValue = ["type": "login", "user_id": "u-0001", "@timestamp": "2024-03-01T00:00:00Z", "message": "new month", "schema_version": "2.0"]
        var created = false
        var failure: (any Error)? = nil
        let runner = try f.runner()
        runner.migrator.say = { line in
            guard !created, line.hasPrefix("switched \(f.members[0])") else { return }
            created = true
            do {
                try f.client.createIndex("events-2024-03")
                try f.client.indexDocument(index: "events-2024-03", id: "march-1", body: doc, refresh: true)
            } catch { failure = error }
        }
        var o = options(slices: 2)
        o.appWritesTargetVersion = true
        let report = try runner.execute(try runner.prepare(o), options: o)
        #expect(created && failure == nil, "created during the run: \(String(describing: failure))")
        #expect(report.completed)
        #expect(try f.rows.map { "\($0.member) \($0.state.rawValue)" } == ["events-2024-01 done", "events-2024-02 done", "events-2024-03 skipped"])
        #expect(try indices(f.client, prefix: "events-2024-03") == ["events-2024-03"], "no new index for it")
        #expect(try documentsByID(f.client, index: "events-2024-03") == ["march-1": doc])
        #expect(try f.client.aliasesOfIndex("events-2024-03") == ["events"])
    }

    @Test("a rollover during the write member's unit (a new month takes events-write) is respected: the member's switch moves only the read alias")
    func rolloverDuringTheWriteMember() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 30)
        let writer = f.members[1]
        var rolledOver = false
        var failure: (any Error)? = nil
        let runner = try f.runner()
        var said: [String] = []
        runner.migrator.say = { line in
            said.append(line)
            guard !rolledOver, line.hasPrefix("copying \(writer) →") else { return }
            rolledOver = true
            do {
                try f.client.createIndex("events-2024-03")
                try f.client.updateAliases([
                    .remove(index: writer, alias: "events-write"), .add(index: "events-2024-03", alias: "events-write", isWriteIndex: true),
                ])
            } catch { failure = error }
        }
        var o = options(slices: 2)
        o.appWritesTargetVersion = true
        let report = try runner.execute(try runner.prepare(o), options: o)
        #expect(rolledOver && failure == nil, "\(String(describing: failure))")
        #expect(report.completed)
        let newWriter = try #require(try f.row(writer).targetIndex)
        #expect(try f.row(writer).holdsWriteAlias, "it held the write alias when its unit started")
        #expect(try f.aliasIndices("events-write") == ["events-2024-03"], "the rollover's write alias stays where the application put it")
        #expect(try f.client.aliasesOfIndex(newWriter) == ["events"])
        #expect(said.contains("switched \(writer) → \(newWriter) in events"), "it says only the read alias moved: \(said)")
        #expect(try f.row("events-2024-03").state == .skipped)
        try f.expectExactMember(writer)
    }

    @Test("a _rollover during the write member's unit (the member stays in events-write with is_write_index false) is respected: its new index takes that place, not the write index")
    func rolloverKeepingTheMemberInTheWriteAlias() throws {
        let f = try EventsFamily.install(months: 2, perMonth: 30)
        let writer = f.members[1]
        var rolledOver = false
        var failure: (any Error)? = nil
        let runner = try f.runner()
        runner.migrator.say = { line in
            guard !rolledOver, line.hasPrefix("copying \(writer) →") else { return }
            rolledOver = true
            do {
                try f.client.createIndex("events-2024-03")
                try f.client.updateAliases([
                    .add(index: writer, alias: "events-write", isWriteIndex: false),
                    .add(index: "events-2024-03", alias: "events-write", isWriteIndex: true),
                ])
            } catch { failure = error }
        }
        var o = options(slices: 2)
        o.appWritesTargetVersion = true
        let report = try runner.execute(try runner.prepare(o), options: o)
        #expect(rolledOver && failure == nil, "\(String(describing: failure))")
        #expect(report.completed)
        let newWriter = try #require(try f.row(writer).targetIndex)
        let entries = try f.client.aliasEntries(name: "events-write").map { "\($0.index) \($0.isWriteIndex.map(String.init) ?? "-")" }
        #expect(entries.sorted() == ["events-2024-03 true", "\(newWriter) false"].sorted(), "\(entries)")
        #expect(try f.client.aliasesOfIndex(writer).isEmpty, "the old member left both aliases")
        try f.expectExactMember(writer)
    }
}
