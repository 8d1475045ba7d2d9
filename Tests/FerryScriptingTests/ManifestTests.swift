import Testing
import FerryCore
import FerryScripting

@Suite struct ManifestTests {
    @Test func evaluateManifestReturnsTheTableAsJSONValue() throws {
        let project = try TempProject(["recipes/blog/recipe.lua": """
            return {
              name = "blog_posts",
              aliases = { read = "posts", write = "posts" },
              versions = { "1.0", "2.0" },
              steps = { { from = "1.0", to = "2.0", script = "steps/v1_to_v2.lua" } },
              lookups = ferry.array(),
              batch = { docs = 500, enabled = true },
              changed_field = ferry.null,
            }
            """])
        let engine = try project.engine()
        let manifest = try engine.evaluateManifest(path: project.path("recipes/blog/recipe.lua"))
        let expected: JSONValue = [
            "name": "blog_posts",
            "aliases": ["read": "posts", "write": "posts"],
            "versions": ["1.0", "2.0"],
            "steps": [["from": "1.0", "to": "2.0", "script": "steps/v1_to_v2.lua"]],
            "lookups": [],
            "batch": ["docs": 500, "enabled": true],
            "changed_field": nil,
        ]
        #expect(manifest == expected)
    }

    @Test func aManifestErrorNamesTheFileAndLine() throws {
        let project = try TempProject(["recipes/blog/recipe.lua": "return {\n  name = 'x',\n  steps = { [1] = function() end },\n}\n"])
        let engine = try project.engine()
        let path = project.path("recipes/blog/recipe.lua")
        let error = #expect(throws: ScriptError.self) { try engine.evaluateManifest(path: path) }
        #expect(error?.kind == .encode)
        #expect(error?.description == "\(path): cannot encode steps[1]: a function is not a JSON value")

        try project.write("recipes/blog/broken.lua", "return {\n  name = 'x'\n  versions = {}\n}\n")
        let broken = #expect(throws: ScriptError.self) { try engine.evaluateManifest(path: project.path("recipes/blog/broken.lua")) }
        #expect(broken?.kind == .syntax)
        #expect(broken?.line == 3)
    }
}
