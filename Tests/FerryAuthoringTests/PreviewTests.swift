import Testing
import FerryAuthoring
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("ferry preview against osmem", .serialized)
struct PreviewTests {
    /// A clone with `recipe` installed at 1.0 and `count` seeded posts.
    struct Installed {
        let clone: OsmemClone
        let client: ClusterClient
        let source: String
    }

    func installed(_ recipe: Recipe, count: Int = 12) throws -> Installed {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let source = try install(recipe, version: "1.0", on: client)
        try seedBlogPosts(client, into: recipe.writeAlias, count: count)
        return Installed(clone: clone, client: client, source: source)
    }

    /// What `ferry preview` does: plan like `ferry run` (read-only), then preview.
    func preview(
        _ recipe: Recipe, _ installed: Installed, _ selection: PreviewSelection, to: String? = nil, steps: Bool = false
    ) throws -> PreviewReport {
        let plan = try MigrationPlanner(client: installed.client, recipe: recipe).plan(from: nil, to: to)
        return try Previewer(
            recipe: recipe, sourceIndex: plan.source.index, fromVersion: plan.source.version, toVersion: plan.targetVersion,
            showSteps: steps, runStartedAt: "2026-01-01T00:00:00Z"
        ).run(client: installed.client, selection: selection)
    }

    @Test("a clean recipe previews with per-document diffs, no mapping problems, and nothing in the cluster changes")
    func cleanPreviewChangesNothing() throws {
        let recipe = try realRecipe()
        let installed = try installed(recipe)
        defer { installed.clone.close() }
        let before = try clusterSnapshot(installed.client)

        let report = try preview(recipe, installed, .sample(5, seed: 1))

        #expect(try clusterSnapshot(installed.client) == before)
        #expect(report.sourceIndex == installed.source)
        #expect(report.path == "1.0 → 2.0 → 3.0")
        #expect(report.summary.previewed == 5)
        #expect(report.summary.changed == 5)
        #expect(report.summary.mappingProblems == 0)
        #expect(report.summary.isSafe)
        for doc in report.documents {
            let paths = Set(doc.changes.map(\.path.description))
            #expect(paths.isSuperset(of: ["metadata", "engagement", "schema_version", "category", "tags", "published_date"]), "\(doc.id)")
            #expect(doc.changes.filter { $0.kind == .removed }.isEmpty, "1.0 → 3.0 keeps every field")
            #expect(doc.problems.isEmpty)
        }
        let text = report.lines(renderer: DiffRenderer(style: .plain), mappingFile: "mappings/3.0.json")
        #expect(text.contains { $0.hasPrefix("  + schema_version: \"3.0\"") })
        #expect(text.contains("  mapping: ok"))
        #expect(text.last == "safe to run: every previewed document transforms and fits the 3.0 mapping")
        #expect(report.json["summary"]?["safe"] == true)

        // The snapshot is not blind: one write shows up in it.
        try installed.client.indexDocument(index: recipe.writeAlias, id: "post-1", body: ["title": "edited"], refresh: true)
        #expect(try clusterSnapshot(installed.client) != before)
    }

    @Test("--ids previews those documents in the order given and names the ones not found")
    func byIDs() throws {
        let recipe = try realRecipe()
        let installed = try installed(recipe)
        defer { installed.clone.close() }
        let report = try preview(recipe, installed, .ids(["post-3", "post-1", "no-such-post"]), to: "2.0")
        #expect(report.documents.map(\.id) == ["post-3", "post-1"])
        #expect(report.summary.missingIDs == ["no-such-post"])
        #expect(report.path == "1.0 → 2.0")
        let post3 = try #require(report.documents.first)
        #expect(post3.changes.map { "\($0.kind.rawValue) \($0.path)" } == [
            "added category", "added published_date", "added tags",
        ])
        #expect(post3.after?["tags"] == ["swift", "search"])
    }

    @Test("a step that writes an unmapped field and a wrong type is reported per document, and the recipe is not safe")
    func mappingProblems() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "  doc.schema_version = \"3.0\"",
                         with: "  doc.schema_version = \"3.0\"\n  doc.summary = \"x\"\n  doc.metadata.word_count = \"many\"")
        let recipe = try scratch.load()
        let installed = try installed(recipe)
        defer { installed.clone.close() }
        let before = try clusterSnapshot(installed.client)

        let report = try preview(recipe, installed, .sample(3, seed: 1))

        #expect(try clusterSnapshot(installed.client) == before)
        #expect(report.summary.documentsWithMappingProblems == 3)
        #expect(report.summary.rejectedFields == 6)
        #expect(!report.summary.isSafe)
        let problems = try #require(report.documents.first?.problems)
        #expect(problems.map(\.path.description) == ["metadata.word_count", "summary"])
        #expect(problems[0].message.contains("is integer but the string \"many\" is not a number"))
        #expect(problems[1].message.contains("summary is not in the mapping, which is strict"))
        let text = report.lines(renderer: DiffRenderer(style: .plain), mappingFile: "mappings/3.0.json")
        #expect(text.last?.hasPrefix("NOT safe to run: the cluster would reject 6 field values") == true)
    }

    @Test("--steps shows the document after each step and what that step changed")
    func perStep() throws {
        let recipe = try realRecipe()
        let installed = try installed(recipe)
        defer { installed.clone.close() }
        let report = try preview(recipe, installed, .ids(["post-2"]), steps: true)
        let doc = try #require(report.documents.first)
        #expect(doc.steps.map(\.step) == ["1.0→2.0", "2.0→3.0"])
        #expect(doc.steps[0].changes.map(\.path.description) == ["category", "published_date", "tags"])
        #expect(doc.steps[0].document?["schema_version"] == nil)
        #expect(doc.steps[1].document?["schema_version"] == "3.0")
        #expect(doc.steps[1].document == doc.after)
        let text = report.lines(renderer: DiffRenderer(style: .plain), mappingFile: "m").joined(separator: "\n")
        #expect(text.contains("  after 1.0→2.0: {"))
        #expect(text.contains("    + tags: [\"swift\",\"search\"]"))
    }

    @Test("a failing document names the script line, the step and the id; the others are still previewed")
    func failingDocument() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "return function(doc, ctx)\n",
                         with: "return function(doc, ctx)\n  if ctx.id == \"post-2\" then error(\"cannot handle \" .. ctx.id) end\n")
        let recipe = try scratch.load()
        let installed = try installed(recipe)
        defer { installed.clone.close() }
        let report = try preview(recipe, installed, .ids(["post-1", "post-2"]))
        #expect(report.summary.failed == 1)
        #expect(report.summary.changed == 1)
        guard case .failed(let message) = report.documents[1].outcome else {
            Issue.record("post-2 should fail")
            return
        }
        #expect(message.hasPrefix("document post-2: step 2.0→3.0 ("))
        #expect(message.contains("steps/v2_to_v3.lua:61): cannot handle post-2"))
    }
}
