/// A family on a cluster without composable templates (Elasticsearch before 7.8): the proxy
/// presents Elasticsearch 7.7's `GET /`, osmem serves `/_template` for real, so the run puts
/// the target version's legacy template and rollback puts the journaled one back.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryJournal
import FerryMigration
import FerryTestSupport

@Suite("index family: legacy _template (Elasticsearch < 7.8)", .serialized)
struct FamilyLegacyTemplateTests {
    @Test("the run puts the 2.0 legacy template (never /_index_template) and migrates every member; new members get 2.0 from it; rollback puts the journaled 1.0 template back")
    func legacyTemplateRunAndRollback() throws {
        // Elasticsearch 7.7.1: the root the proxy presents below.
        let legacy = ClusterInfo(distribution: .elasticsearch, version: .init("7.7.1"))
        try #require(!legacy.hasComposableTemplates, "\(legacy) has composable templates")
        let f = try EventsFamily.install(months: 2, perMonth: 20, templatesAs: legacy)
        defer { f.clone.close() }
        let proxy = try FaultProxy(upstream: f.clone.url, captureRequests: true)
        defer { proxy.stop() }
        proxy.addRule(FaultRule(
            .respond(status: 200, body: RecordedAnswers.elasticsearchRoot("7.7.1", lucene: "8.5.1", wire: "6.8.0")), method: "GET", path: .exact("/")))
        let seen = try ClusterClient(config: try ClusterConfig(url: proxy.url)).info()
        #expect(seen.distribution == .elasticsearch && seen.version == legacy.version, "ferry sees 7.7.1 through the proxy: \(seen)")
        func template() throws -> JSONValue? { try f.client.templateBody("events", on: legacy) }
        func version(_ body: JSONValue?) -> String? { body?["mappings"]?["_meta"]?["ferry"]?["version"]?.stringValue }
        let before = try #require(try template())
        #expect(version(before) == "1.0")
        let ferry = FerryProcess(url: proxy.url, state: f.statePath)

        let run = try ferry.run(["run", "events", "--yes", "--app-writes-target-version", "--slices", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("template events (legacy)"), "the plan names the kind: \(run.stdout)")
        #expect(version(try template()) == "2.0", "the 2.0 legacy template is in place")
        let templateRequests = proxy.captured.filter { $0.path.contains("_template") }.map { "\($0.method) \($0.path)" }
        #expect(templateRequests.contains("PUT /_template/events"), "\(templateRequests)")
        #expect(!templateRequests.contains { $0.contains("_index_template") }, "composable templates untouched: \(templateRequests)")
        let captured = proxy.captured
        #expect(!captured.contains { $0.target.contains("_pit") || $0.target.contains("point_in_time") }, "7.7 has no point in time")
        #expect(captured.contains { $0.target.contains("/_search?") && $0.target.contains("scroll=") }, "the members are read by scroll")
        for member in f.members { try f.expectExactMember(member) }
        let journal = try Journal(path: f.statePath)
        let familyRun = try #require(try journal.latestFamilyRun(recipe: "events"))
        #expect(familyRun.templateKind == "legacy")
        #expect(familyRun.oldTemplate == before, "the journal keeps the 1.0 template as the cluster held it")

        // The application's next month, made by the cluster from the legacy template: 2.0, in the family.
        try f.client.createIndex("events-2024-09")
        #expect(try f.client.getMapping("events-2024-09")["_meta"]?["ferry"]?["version"]?.stringValue == "2.0")
        #expect(try f.aliasIndices("events").contains("events-2024-09"))
        _ = try f.client.deleteIndex("events-2024-09")

        let rolled = try ferry.run(["rollback", "events", "--yes"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(try template() == before, "rollback put the journaled 1.0 template back")
        #expect(rolled.stdout.contains("template events restored to the one the family run replaced (version 1.0"), "\(rolled.stdout)")
        #expect(try f.readMembers() == f.members)
        #expect(try journal.latestFamilyRun(recipe: "events")?.phase == .rolledBack)
    }
}
