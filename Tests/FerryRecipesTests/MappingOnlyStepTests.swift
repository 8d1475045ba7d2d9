import Testing
import FerryCore
import FerryTestSupport
@testable import FerryRecipes

/// A step entry without `script`: the same document under a new mapping.
@Suite("Mapping-only steps")
struct MappingOnlyStepTests {
    /// blog_posts with a 4.0 that only changes the mapping (author becomes text + keyword).
    func withMappingOnlyVersion() throws -> ScratchRecipes {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/recipe.lua", replacing: "versions = { \"1.0\", \"2.0\", \"3.0\" }",
                         with: "versions = { \"1.0\", \"2.0\", \"3.0\", \"4.0\" }")
        try scratch.edit("blog_posts/recipe.lua", replacing: "  steps = {\n",
                         with: "  steps = {\n    { from = \"3.0\", to = \"4.0\" },\n")
        let mapping = try scratch.read("blog_posts/mappings/3.0.json")
        try scratch.write("blog_posts/mappings/4.0.json", mapping.replacingOccurrences(
            of: "\"author\": { \"type\": \"keyword\" }",
            with: "\"author\": { \"type\": \"text\", \"fields\": { \"raw\": { \"type\": \"keyword\" } } }"))
        return scratch
    }

    @Test("an edge without a script loads as mapping-only and the path to it says so")
    func parsed() throws {
        let scratch = try withMappingOnlyVersion()
        let recipe = try scratch.load()
        let edge = try #require(recipe.steps.first { $0.label == "3.0→4.0" })
        #expect(edge.isMappingOnly && edge.script == nil)
        #expect(try StepChain(recipe: recipe, from: "3.0", to: "4.0", runStartedAt: "2026-01-01T00:00:00Z").isMappingOnly)
        #expect(try !StepChain(recipe: recipe, from: "2.0", to: "4.0", runStartedAt: "2026-01-01T00:00:00Z").isMappingOnly)
        #expect(try recipe.mappingHash(for: "4.0") != recipe.mappingHash(for: "3.0"))
    }

    @Test("a mapping-only chain gives the document back as it is")
    func identity() throws {
        let scratch = try withMappingOnlyVersion()
        let chain = try StepChain(recipe: try scratch.load(), from: "3.0", to: "4.0", runStartedAt: "2026-01-01T00:00:00Z")
        #expect(chain.steps.isEmpty && chain.path.map(\.label) == ["3.0→4.0"])
        let source = Array(#"{"title":"t","author":"alice","tags":["a"],"engagement":{"views":3},"x":1.5,"n":null}"#.utf8)
        let output: JSONValue = try source.withUnsafeBytes { raw in
            guard case .kept(let bytes) = try chain.transform(source: raw, id: "p1", index: "blog_posts-3.0") else {
                Issue.record("dropped")
                return .null
            }
            return try JSONValue.parse(Array(bytes))
        }
        #expect(output == (try JSONValue.parse(source)))
    }

    @Test("a scripted step whose file is missing is still an error, naming the file")
    func missingScript() throws {
        let scratch = try ScratchRecipes()
        try scratch.remove("blog_posts/steps/v3_to_v2.lua")
        #expect {
            try scratch.load()
        } throws: { error in
            String(describing: error).contains("steps[3].script") && String(describing: error).contains("v3_to_v2.lua not found")
        }
    }
}
