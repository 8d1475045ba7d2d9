import FerryTestSupport
import Testing
import FerryAuthoring
import FerryRecipes

/// `ferry check` on reverse steps, mapping-only edges and families.
@Suite("ferry check: reverse steps, mapping-only edges, families")
struct CheckVersionsTests {
    func items(_ scratch: ScratchRecipes, _ name: String = "blog_posts") -> [CheckItem] {
        RecipeChecker(catalog: scratch.catalog, name: name).run()
    }

    @Test("the shipped recipes show the way back, and events its family, with nothing failing")
    func shipped() throws {
        let catalog = RecipeCatalog(recipesFolder: "\(repositoryRoot)/recipes")
        let blog = RecipeChecker(catalog: catalog, name: "blog_posts").run()
        #expect(blog.filter { $0.status != .pass }.map(\.message) == [])
        #expect(blog.contains { $0.check == "graph" && $0.message.hasSuffix("reverse steps go back 3.0 → 2.0; 3.0 → 2.0 → 1.0") })
        let events = RecipeChecker(catalog: catalog, name: "events").run()
        #expect(events.filter { $0.status != .pass }.map(\.message) == [])
        #expect(events.contains { $0.check == "family" && $0.message.contains("members events-* from template 'events'") })
    }

    @Test("a version the latest cannot go back to is a warning naming it")
    func partialWayBack() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: "    { from = \"2.0\", to = \"1.0\", script = \"steps/v2_to_v1.lua\" },\n", with: "")
        for name in try FileManagerList.files(scratch.path("blog_posts/tests")) where name.hasPrefix("v2_to_v1") || name.hasPrefix("v3_to_v1") || name.contains("round_trip") {
            try scratch.remove("blog_posts/tests/\(name)")
        }
        let warned = items(scratch).filter { $0.status == .warn && $0.check == "graph" }
        #expect(warned.map(\.message) == ["\(scratch.recipes)/blog_posts/recipe.lua: 3.0 cannot go back to 1.0 (reverse steps: 3.0→2.0): a rollback to it after writes to the new index would refuse"])
    }

    @Test("a reverse step whose output the older strict mapping refuses fails the round trip's mapping check")
    func wayBackMustFitTheOlderMapping() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v1.lua", replacing: "  return out\n", with: "  out.tags = doc.tags\n  return out\n")
        let failed = items(scratch).filter { $0.status == .fail }
        #expect(failed.contains { $0.check == "fixture mapping" && $0.message.contains("v1_to_v2_round_trip.json: the way back 2.0→1.0 gives a document that does not fit") })
    }

    @Test("a mapping-only edge checks as such, needs no fixture, and its path runs")
    func mappingOnly() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: "versions = { \"1.0\", \"2.0\", \"3.0\" }",
                         with: "versions = { \"1.0\", \"2.0\", \"3.0\", \"4.0\" }")
        try scratch.edit("blog_posts/recipe.lua", replacing: "  steps = {\n", with: "  steps = {\n    { from = \"3.0\", to = \"4.0\" },\n    { from = \"4.0\", to = \"3.0\" },\n")
        try scratch.write("blog_posts/mappings/4.0.json", try scratch.read("blog_posts/mappings/3.0.json"))
        let all = items(scratch)
        #expect(all.filter { $0.status != .pass }.map(\.message) == [])
        #expect(all.contains { $0.check == "script" && $0.message == "3.0→4.0: mapping only (no script): documents are copied as they are" })
        #expect(all.contains { $0.check == "graph" && $0.message.hasSuffix("every version reaches 4.0 (1.0 → 2.0 → 3.0 → 4.0)") })
        #expect(all.contains { $0.check == "graph" && $0.message.hasSuffix("reverse steps go back 4.0 → 3.0, mapping only; 4.0 → 3.0 → 2.0; 4.0 → 3.0 → 2.0 → 1.0") })
    }
}
