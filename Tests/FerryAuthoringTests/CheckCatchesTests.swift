import Foundation
import Testing
import FerryAuthoring
import FerryRecipes
import FerryTestSupport

/// Mistakes `ferry check` used to let through to run time (or never noticed at all).
extension RecipeCheckerTests {
    func check(_ scratch: ScratchRecipes) -> [CheckItem] {
        RecipeChecker(catalog: scratch.catalog, name: "blog_posts").run()
    }

    @Test("a misspelt fixture key is an error naming the key it meant, not a silently different test")
    func fixtureTypo() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/tests/v1_to_v2_basic.json", replacing: "\"run_started_at\"", with: "\"run_startd_at\"")
        let failed = failures(check(scratch))
        // Before: the key was ignored and the fixture ran with the default run_started_at.
        #expect(failed.contains {
            $0.check == "fixture" && $0.message.contains("v1_to_v2_basic.json: unknown key 'run_startd_at'; did you mean 'run_started_at'?")
        }, "\(failed.map(\.message))")
    }

    @Test("a step from a version to itself, or a second step on the same edge, is refused at load")
    func stepEdges() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: "    { from = \"2.0\", to = \"3.0\", script = \"steps/v2_to_v3.lua\" },",
                         with: "    { from = \"2.0\", to = \"3.0\", script = \"steps/v2_to_v3.lua\" },\n    { from = \"1.0\", to = \"2.0\", script = \"steps/v2_to_v3.lua\" },")
        // Before: accepted; the second 1.0→2.0 step never ran.
        #expect(failures(check(scratch)).first?.message.hasSuffix("recipe.lua: steps[3] repeats steps[1] (1.0→2.0); only the first would ever run") == true)

        let loop = try ScratchRecipes()
        try loop.edit("blog_posts/recipe.lua", replacing: "{ from = \"2.0\", to = \"3.0\"", with: "{ from = \"2.0\", to = \"2.0\"")
        #expect(failures(check(loop)).first?.message.hasSuffix("recipe.lua: steps[2] goes from 2.0 to itself") == true)
    }

    @Test("batch.size must be an integer, not a string that happens to hold one")
    func batchSizeString() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: "batch = { size = 500 }", with: "batch = { size = \"500\" }")
        // Before: "500" was taken as 500 although the message says it must be an integer.
        #expect(failures(check(scratch)).first?.message.hasSuffix("recipe.lua: batch.size must be a positive integer") == true)
    }

    @Test("a misspelt field type fails the mapping check with the type it meant; an unknown one warns")
    func fieldTypes() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/mappings/3.0.json", replacing: #""author": { "type": "keyword" }"#, with: #""author": { "type": "keywrod" }"#)
        // Before: check passed; the cluster refuses the index at run time (no handler for type [keywrod]).
        let failed = failures(check(scratch))
        #expect(failed.contains { $0.check == "mapping" && $0.message.hasSuffix("3.0.json: author: unknown type 'keywrod'; did you mean 'keyword'?") },
                "\(failed.map(\.message))")

        let multiField = try ScratchRecipes()
        try multiField.edit("blog_posts/mappings/3.0.json", replacing: #""keyword": { "type": "keyword", "ignore_above": 256 }"#,
                            with: #""keyword": { "type": "keywrd", "ignore_above": 256 }"#)
        #expect(failures(check(multiField)).contains { $0.message.hasSuffix("3.0.json: author_name.keyword: unknown type 'keywrd'; did you mean 'keyword'?") })

        let plugin = try ScratchRecipes()
        try plugin.edit("blog_posts/mappings/3.0.json", replacing: #""author": { "type": "keyword" }"#, with: #""author": { "type": "vendor_special" }"#)
        let items = check(plugin)
        #expect(items.contains { $0.status == .warn && $0.message.contains("author: type 'vendor_special' is not a field type ferry knows") })
    }

    @Test("a mapping file for a version recipe.lua does not list is reported")
    func strayMapping() throws {
        let scratch = try ScratchRecipes()
        try scratch.write("blog_posts/mappings/4.0.json", try scratch.read("blog_posts/mappings/3.0.json"))
        let warned = check(scratch).filter { $0.status == .warn }
        // Before: nothing said; a forgotten version's mapping and steps were silently unused.
        #expect(warned.contains { $0.message.contains("mappings/4.0.json: 4.0 is not in 'versions' (1.0, 2.0, 3.0)") })
    }

    @Test("the recipe failure carries its hint: the keys the level knows")
    func recipeHint() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: "  lookups = {", with: "  lookup = {")
        let failed = failures(check(scratch))
        #expect(failed.count == 1)
        #expect(failed.first?.message.contains("unknown key 'lookup' in the recipe; did you mean 'lookups'? — known keys of the recipe: aliases,") == true)
    }

    @Test("version_field: fixture outputs that do not set it to a version whose mapping has it are named (in-place runs need it)")
    func versionField() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "  doc.schema_version = \"3.0\"", with: "")
        let items = check(scratch)
        let warning = try #require(items.first { $0.check == "version field" }, "\(items.map(\.message))")
        // Before: nothing; `ferry run --mode in-place` would find out after its catch-up passes.
        #expect(warning.message.contains("version_field is schema_version and the 3.0 mapping has it, but the outputs of fixtures ending at 3.0 do not set it to \"3.0\" ("))
        #expect(items.filter { $0.check == "version field" }.count == 1, "1.0 and 2.0 mappings have no schema_version: not in-place targets")
    }

    @Test("a fixture whose from and to are the same version, or whose run_started_at a run could never give, is refused")
    func fixtureNoOp() throws {
        let scratch = try ScratchRecipes()
        try scratch.write("blog_posts/tests/same.json", #"{"from":"2.0","to":"2.0","input":{},"expected":{}}"#)
        try scratch.write("blog_posts/tests/when.json", #"{"from":"1.0","to":"2.0","run_started_at":"2026-01-01","input":{},"expected":{}}"#)
        let failed = failures(check(scratch)).map(\.message)
        // Before: the first passed without running a step; the second ran the steps with a date no run gives.
        #expect(failed.contains { $0.hasSuffix("same.json: 'from' and 'to' are both 2.0: no step runs, so the fixture tests nothing") }, "\(failed)")
        #expect(failed.contains { $0.hasSuffix(#"when.json: 'run_started_at' is "2026-01-01"; a run gives steps ISO-8601 UTC like "2026-01-01T00:00:00Z""#) }, "\(failed)")
    }

    @Test("changed_field must be a date in every version's mapping, or catch-up passes find nothing")
    func changedField() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: "  batch = { size = 500 },", with: "  batch = { size = 500 },\n  changed_field = \"created_date\",")
        #expect(check(scratch).filter { $0.check == "changed field" }.isEmpty, "created_date is a date in 1.0, 2.0 and 3.0")

        try scratch.edit("blog_posts/recipe.lua", replacing: "changed_field = \"created_date\"", with: "changed_field = \"updated_at\"")
        let warned = check(scratch).filter { $0.check == "changed field" }.map(\.message)
        // Before: nothing; the catch-up's range query silently matched no document.
        #expect(warned.count == 3)
        #expect(warned.first?.hasSuffix("mappings/1.0.json: changed_field updated_at is not in this mapping: catch-up passes from 1.0 would find no changed documents") == true)

        try scratch.edit("blog_posts/recipe.lua", replacing: "changed_field = \"updated_at\"", with: "changed_field = \"author\"")
        #expect(check(scratch).contains { $0.message.hasSuffix("changed_field author is mapped as keyword, not date: catch-up's range query in epoch milliseconds does not fit it") })
    }
}
