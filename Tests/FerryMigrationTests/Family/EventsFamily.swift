/// The events family on a fresh osmem clone: template `events` at 1.0 (as the application's
/// installer would put it), monthly members created from it and loaded, `events-write` on the
/// newest. The starting point of the family tests.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

struct EventsFamily {
    let clone: OsmemClone
    let client: ClusterClient
    let recipe: Recipe
    let journal: Journal
    /// The members as installed, oldest first.
    let members: [String]

    /// `usersKnownOnlyIn`: only that month's events name users the `users` table knows (the
    /// others name u-09NN, who have no row, so their 2.0 documents get no user_country).
    /// `templatesAs`: the cluster the template is made for (a version without composable
    /// templates gets a legacy `_template`, as its installer would put it); osmem by default.
    static func install(
        months: Int = 3, perMonth: Int = 120, recipe: Recipe? = nil, usersKnownOnlyIn: Int? = nil, templatesAs info: ClusterInfo? = nil
    ) throws -> EventsFamily {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let recipe = try recipe ?? realRecipe("events")
        let info = try info ?? client.info()
        let template = info.hasComposableTemplates ? try recipe.templateBody(for: "1.0") : try recipe.legacyTemplateBody(for: "1.0")
        try client.putTemplateBody("events", body: template, on: info)
        var members: [String] = []
        for month in 1...months {
            let name = String(format: "events-2024-%02d", month)
            try client.createIndex(name)
            try load(client, into: name, month: month, count: perMonth, knownUsers: usersKnownOnlyIn.map { $0 == month } ?? true)
            members.append(name)
        }
        try client.updateAliases([.add(index: members.last!, alias: "events-write", isWriteIndex: true)])
        return EventsFamily(clone: clone, client: client, recipe: recipe, journal: try temporaryJournal(), members: members)
    }

    /// 1.0 events with ids `<member>-NNNNNN`.
    static func load(_ client: ClusterClient, into index: String, month: Int, count: Int, knownUsers: Bool = true) throws {
        var lines: [String] = []
        for n in 1...count {
            let doc: [String: JSONValue] = [
                "type": .string(["login", "purchase", "logout"][n % 3]), "user_id": .string(String(format: knownUsers ? "u-%04d" : "u-09%02d", n % 60)),
                "ts": .string(String(format: "2024-%02d-%02dT10:00:00Z", month, n % 28 + 1)),
                "message": .string("event \(n) about coffee"), "amount": n % 3 == 1 ? .double(Double(n) / 2) : .null,
            ]
            lines.append(JSONValue.object(["index": ["_index": .string(index), "_id": .string(index + String(format: "-%06d", n))]]).serialized())
            lines.append(JSONValue.object(doc).serialized())
        }
        _ = try client.bulk(body: Array((lines.joined(separator: "\n") + "\n").utf8), refresh: true)
    }

    func runner() throws -> FamilyRunner {
        try FamilyRunner(recipe: recipe, cluster: try clone.config(), journal: journal)
    }

    /// What `ferry run events` does in-process.
    @discardableResult
    func run(_ adjust: (inout RunOptions) -> Void = { _ in }) throws -> FamilyReport {
        var o = options(slices: 3)
        o.appWritesTargetVersion = true
        adjust(&o)
        let runner = try runner()
        return try runner.execute(try runner.prepare(o), options: o)
    }

    var familyRun: FamilyRunRecord {
        get throws { try #require(try journal.latestFamilyRun(recipe: "events")) }
    }

    var rows: [FamilyMemberRecord] {
        get throws { try journal.members(of: try familyRun.familyRunID) }
    }

    func row(_ member: String) throws -> FamilyMemberRecord {
        try #require(try rows.first { $0.member == member })
    }

    /// The member's new index holds exactly T(every document of the member), nothing else.
    func expectExactMember(_ member: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let row = try row(member)
        let runID = try #require(row.runID, sourceLocation: sourceLocation)
        let target = try #require(row.targetIndex, sourceLocation: sourceLocation)
        let unit = try #require(try journal.run(id: runID), sourceLocation: sourceLocation)
        let expected = try transformedDocuments(client, recipe: recipe, run: unit, index: member)
        let actual = try documentsByID(client, index: target, sourceLocation: sourceLocation)
        #expect(!expected.isEmpty, sourceLocation: sourceLocation)
        #expect(Set(actual.keys) == Set(expected.keys), "\(member): lost \(Set(expected.keys).subtracting(actual.keys).sorted().prefix(3)), extra \(Set(actual.keys).subtracting(expected.keys).sorted().prefix(3))", sourceLocation: sourceLocation)
        #expect(expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }.isEmpty, "\(member): stale documents", sourceLocation: sourceLocation)
    }

    /// The indices the read (or write) alias spans now.
    func aliasIndices(_ alias: String) throws -> [String] {
        try client.getAliases(name: alias).keys.sorted()
    }
}
