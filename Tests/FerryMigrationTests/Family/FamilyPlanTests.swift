/// `ferry plan` and the refusal of `ferry run` for a family recipe, through the real binary.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryTestSupport

@Suite("Family plans")
struct FamilyPlanTests {
    @Test("ferry plan shows the template diff, that 1.0 documents do not fit the 2.0 mapping, and each member oldest first with what happens to it")
    func planText() throws {
        let f = try EventsFamily.install(months: 3, perMonth: 20)
        // A member already at 2.0: created from a 2.0 template by the application.
        try f.client.putTemplateBody("events", body: try f.recipe.templateBody(for: "2.0"), on: try f.client.info())
        try f.client.createIndex("events-2024-04")
        try f.client.putTemplateBody("events", body: try f.recipe.templateBody(for: "1.0"), on: try f.client.info())
        let ferry = FerryProcess(url: f.clone.url, state: f.journal.path)

        let plan = try ferry.run(["plan", "events"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let out = plan.stdout
        #expect(out.contains("- template.mappings.properties.ts: {\"type\":\"date\"}"), "\(out)")
        #expect(out.contains("+ template.mappings.properties.@timestamp"), "\(out)")
        #expect(!out.contains("settings"), "the same settings, as the cluster spells them, are no change: \(out)")
        #expect(out.contains("1.0 → 2.0: ts is removed (the 2.0 mapping is strict: a 1.0 document holding it is rejected)"), "\(out)")
        let hash = try f.recipe.mappingHash(for: "2.0")
        #expect(out.contains("  1. events-2024-01 (1.0) → events-2024-01-2.0-\(hash) via 1.0 → 2.0"), "\(out)")
        #expect(out.contains("  3. events-2024-03 (1.0, holds events-write) → events-2024-03-2.0-\(hash)"), "\(out)")
        #expect(out.contains("  4. events-2024-04 (2.0): skip, already at 2.0 (_meta.ferry)"), "\(out)")

        let byPattern = try ferry.run(["plan", "events", "--members", "*-02"]).stdout
        #expect(byPattern.contains("  1. events-2024-01 (1.0) → events-2024-01-2.0-\(hash) via 1.0 → 2.0 [not in this run: --members]"), "\(byPattern)")
        #expect(byPattern.contains("  2. events-2024-02 (1.0) → events-2024-02-2.0-\(hash) via 1.0 → 2.0\n"), "\(byPattern)")
        let byCount = try ferry.run(["plan", "events", "--max-members", "1"]).stdout
        #expect(byCount.contains("  1. events-2024-01 (1.0) → events-2024-01-2.0-\(hash) via 1.0 → 2.0\n"), "\(byCount)")
        #expect(byCount.contains("  2. events-2024-02 (1.0) → events-2024-02-2.0-\(hash) via 1.0 → 2.0 [not in this run: --max-members]"), "\(byCount)")

        let unknown = try ferry.run(["plan", "events", "--to", "9.9"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown version 9.9 (--to); recipe events declares 1.0, 2.0"), "\(unknown.stderr)")

        let refused = try ferry.run(["run", "events", "--yes"])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("--app-writes-target-version"), "\(refused.stderr)")
        #expect(try f.journal.latestFamilyRun(recipe: "events") == nil, "nothing journaled")
        #expect(try f.client.templateBody("events", on: try f.client.info())?["template"]?["mappings"]?["_meta"]?["ferry"]?["version"] == "1.0", "template untouched")
        #expect(try indices(f.client, prefix: "events-").count == 4, "no index created")
    }
}
