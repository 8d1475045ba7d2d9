import FerryTestSupport
import Testing
import FerryAuthoring
import FerryRecipes

@Suite("ferry check")
struct RecipeCheckerTests {
    func failures(_ items: [CheckItem]) -> [CheckItem] { items.filter { $0.status == .fail } }

    @Test("the clean blog_posts recipe passes every check")
    func cleanRecipePasses() {
        let items = RecipeChecker(catalog: RecipeCatalog(recipesFolder: "\(repositoryRoot)/recipes"), name: "blog_posts").run()
        #expect(failures(items).isEmpty, "\(failures(items).map(\.message))")
        #expect(items.filter { $0.status == .warn }.isEmpty, "\(items.filter { $0.status == .warn }.map(\.message))")
        let checks = Set(items.map(\.check))
        #expect(checks.isSuperset(of: ["recipe", "mapping", "graph", "script", "module", "lookup", "fixture", "determinism"]))
    }

    @Test("a syntax error in a step fails the script check with path and line, and the fixtures it stops")
    func syntaxError() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v1_to_v2.lua", replacing: "local MAX_TAGS = 5", with: "local MAX_TAGS = = 5")
        let failed = failures(RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run())
        let script = try #require(failed.first { $0.check == "script" })
        #expect(script.message.contains("1.0→2.0"))
        #expect(script.message.contains("blog_posts/steps/v1_to_v2.lua:10:"))
        #expect(failed.contains { $0.check == "fixture" && $0.message.contains("could not run") })
    }

    @Test("a missing mapping file fails the mapping check naming the file")
    func missingMapping() throws {
        let scratch = try ScratchRecipes()
        try scratch.remove("blog_posts/mappings/2.0.json")
        let failed = failures(RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run())
        #expect(failed.count == 1)
        #expect(failed.first?.check == "mapping")
        #expect(failed.first?.message.contains("blog_posts/mappings/2.0.json: not found") == true)
    }

    @Test("a mapping without \"mappings\" or with a field lacking a type fails naming the file and field")
    func malformedMapping() throws {
        let scratch = try ScratchRecipes()
        try scratch.write("blog_posts/mappings/1.0.json", #"{"settings":{}}"#)
        try scratch.edit("blog_posts/mappings/2.0.json", replacing: #""category": { "type": "keyword" }"#, with: #""category": { "index": true }"#)
        let failed = failures(RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run())
        #expect(failed.map(\.check) == ["mapping", "mapping"])
        #expect(failed[0].message.contains("mappings/1.0.json: must be an index body with a \"mappings\" object"))
        #expect(failed[1].message.contains("mappings/2.0.json: category: needs a \"type\""))
    }

    @Test("a step that keeps a counter in a module upvalue fails the determinism check naming the script")
    func nonDeterministicStep() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "return function(doc, ctx)\n",
                         with: "local seen = 0\nreturn function(doc, ctx)\n  seen = seen + 1\n  doc.engagement = { views = seen }\n")
        let items = RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run()
        let determinism = failures(items).filter { $0.check == "determinism" }
        #expect(!determinism.isEmpty)
        #expect(determinism.allSatisfy { $0.message.hasPrefix(scratch.path("blog_posts/steps/v2_to_v3.lua") + " (2.0→3.0)") })
        #expect(determinism.first?.message.contains("keeps state between documents") == true)
    }

    @Test("a version the steps cannot reach fails the graph check")
    func brokenGraph() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: #"    { from = "2.0", to = "3.0", script = "steps/v2_to_v3.lua" },"#, with: "")
        let failed = failures(RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run())
        let graph = try #require(failed.first { $0.check == "graph" })
        #expect(graph.message.contains("1.0 cannot reach 3.0; 2.0 cannot reach 3.0"))
        #expect(graph.message.contains("blog_posts/recipe.lua"))
    }

    @Test("a missing lookup table fails the lookup check, and the other checks still run")
    func missingLookupTable() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: #"table = "authors""#, with: #"table = "writers""#)
        let items = RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run()
        let lookup = try #require(failures(items).first { $0.check == "lookup" })
        #expect(lookup.message.contains("table 'writers' not found in"))
        #expect(items.contains { $0.check == "script" && $0.status == .pass })
    }

    @Test("a syntax error in a shared module fails the module check with its path and line")
    func brokenModule() throws {
        let scratch = try ScratchRecipes()
        let dates = "\(scratch.root)/transforms/dates.lua"
        let text = try String(contentsOfFile: dates, encoding: .utf8)
        try text.replacingOccurrences(of: "local M = {}", with: "local M = {").write(toFile: dates, atomically: true, encoding: .utf8)
        let failed = failures(RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run())
        #expect(failed.count == 1)
        #expect(failed.first?.check == "module")
        #expect(failed.first?.message.contains("transforms/dates.lua:") == true)
    }

    @Test("a step output the strict mapping refuses fails the fixture mapping check")
    func outputOutsideMapping() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "  doc.schema_version = \"3.0\"", with: "  doc.schema_version = \"3.0\"\n  doc.summary = \"x\"")
        let failed = failures(RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run())
        let mapping = try #require(failed.first { $0.check == "fixture mapping" })
        #expect(mapping.message.contains("does not fit"))
        #expect(mapping.message.contains("mappings/3.0.json"))
        #expect(mapping.details.contains { $0.contains("summary is not in the mapping, which is strict") })
    }

    @Test("the text report marks each line and ends with the totals")
    func report() {
        let lines = CheckReport.lines(
            [CheckItem("script", .pass, "a.lua compiles"), CheckItem("fixture", .fail, "t.json: boom", details: ["    ~ x"]),
             CheckItem("coverage", .warn, "no fixture")], style: .plain)
        #expect(lines == ["ok   script: a.lua compiles", "FAIL fixture: t.json: boom", "    ~ x", "warn coverage: no fixture",
                          "1 ok, 1 warning, 1 failed"])
    }
}
