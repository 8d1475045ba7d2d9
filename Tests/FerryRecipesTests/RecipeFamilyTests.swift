import Testing
import FerryCore
import FerryTestSupport
@testable import FerryRecipes

/// `family = { pattern, template }` in recipe.lua: parsed, checked against the aliases, and
/// turned into an index template per version.
@Suite("Recipe families")
struct RecipeFamilyTests {
    @Test("the events recipe is a family: pattern, template, aliases")
    func eventsFamily() throws {
        let recipe = try realRecipe("events")
        #expect(recipe.family == FamilySpec(pattern: "events-*", template: "events"))
        #expect(recipe.readAlias == "events" && recipe.writeAlias == "events-write")
        #expect(recipe.family?.matches("events-2024-01") == true)
        #expect(recipe.family?.matches("events") == false)
        #expect(try realRecipe("blog_posts").family == nil)
    }

    @Test("the template body: index_patterns from the pattern, template from the mapping file, _meta.ferry, read alias")
    func templateBody() throws {
        let recipe = try realRecipe("events")
        let body = try recipe.templateBody(for: "2.0")
        #expect(body["index_patterns"] == .array(["events-*"]))
        let template = try #require(body["template"])
        let mapping = try recipe.indexBody(for: "2.0")
        #expect(template["settings"] == mapping["settings"])
        #expect(template["mappings"]?["properties"] == mapping["mappings"]?["properties"])
        #expect(template["mappings"]?["dynamic"] == "strict")
        #expect(template["mappings"]?["_meta"]?["ferry"]?["version"] == "2.0")
        #expect(template["mappings"]?["_meta"]?["ferry"]?["mapping_hash"] == .string(try recipe.mappingHash(for: "2.0")))
        #expect(template["aliases"] == .object(["events": .object([:])]))
        #expect(body["_meta"]?["ferry"]?["template"] == "events")

        let legacy = try recipe.legacyTemplateBody(for: "1.0")
        #expect(legacy["index_patterns"] == .array(["events-*"]))
        #expect(legacy["mappings"]?["_meta"]?["ferry"]?["version"] == "1.0")
        #expect(legacy["template"] == nil)
    }

    @Test("a template body for a recipe without a family is an error")
    func noFamily() throws {
        #expect(throws: RecipeError.self) { try realRecipe("blog_posts").templateBody(for: "3.0") }
    }

    @Test("a family whose pattern or template does not fit is refused with the field named", arguments: [
        ("{ pattern = \"logs-*\", template = \"events\" }", "does not name the members after the read alias 'events'"),
        ("{ pattern = \"events*\", template = \"events\" }", "matches the read alias 'events' itself"),
        ("{ pattern = \"events-2024-01\", template = \"events\" }", "has no '*'"),
        ("{ pattern = \"Events-*\", template = \"events\" }", "is not an index pattern"),
        ("{ pattern = \"events-*\", template = \"ev*\" }", "'family.template' = \"ev*\" is not a valid template name"),
        ("{ pattern = \"events-*\" }", "'family.template' is required"),
        ("\"events-*\"", "'family' must be a table"),
    ])
    func badFamily(family: String, message: String) throws {
        let scratch = try ScratchRecipes()
        try scratch.edit(
            "events/recipe.lua", replacing: "family = { pattern = \"events-*\", template = \"events\" }",
            with: "family = \(family)")
        #expect {
            try scratch.load("events")
        } throws: { error in
            let text = String(describing: error)
            return text.contains("events/recipe.lua") && text.contains(message)
        }
    }
}
