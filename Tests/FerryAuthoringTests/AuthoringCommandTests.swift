import Foundation
import Testing
import FerryCore
import FerryTestSupport

/// Mistakes the commands catch before they do anything: options, recipe names, JSON files, the
/// shared modules folder; and `ferry --version`.
extension CommandLineTests {
    @Test("--log-level with a level that does not exist is refused with the list, exit 64")
    func unknownLogLevel() throws {
        // Before: accepted silently (exit 0), logging at notice.
        let loud = try ferry(["recipes", "--log-level", "loud"])
        #expect(loud.status == 64)
        #expect(loud.stderr.contains("--log-level 'loud' is not a level; use one of trace, debug, info, notice, warning, error, critical"))
        #expect(try ferry(["recipes", "--log-level", "debug"]).status == 0)
    }

    @Test("a recipe argument that leaves the recipes folder is refused before any Lua runs",
          arguments: ["../outside", "blog_posts/../../outside", "/tmp/outside", "."])
    func recipeNameEscapes(name: String) throws {
        let scratch = try ScratchRecipes()
        // A recipe.lua outside --recipes that would fail loudly if it were ever evaluated.
        try FileManager.default.createDirectory(atPath: "\(scratch.root)/outside", withIntermediateDirectories: true)
        try "error('evaluated a recipe outside --recipes')".write(toFile: "\(scratch.root)/outside/recipe.lua", atomically: true, encoding: .utf8)
        let out = try ferry(["check", name], recipes: scratch.recipes)
        // Before: "../outside" loaded \(root)/outside/recipe.lua.
        #expect(out.status == 1)
        #expect(out.stdout.contains("recipe name '\(name)' is not a folder name: recipes are the folders directly under \(scratch.recipes)"))
        #expect(!out.stdout.contains("evaluated a recipe outside"))
    }

    @Test("ferry --version prints ferry's version and the Lua, libcurl and SQLite it runs with")
    func version() throws {
        // Before: "Error: Unknown option '--version'", exit 64.
        let out = try ferry(["--version"], recipes: nil)
        #expect(out.status == 0)
        let line = out.stdout.trimmingCharacters(in: .newlines)
        let pattern = #/^ferry \d+\.\d+\.\d+ \(Lua (5\.4\.\d+), libcurl (\d+\.\d+\.\d+), SQLite (3\.\d+\.\d+)\)$/#
        let match = try #require(line.wholeMatch(of: pattern), "\(line)")
        // The libraries' own idea of their versions (pkg-config reads the installed .pc files).
        for (package, shown) in [("sqlite3", match.3), ("libcurl", match.2), ("lua5.4", match.1)] {
            if let installed = try? Self.pkgConfigVersion(package), !installed.isEmpty {
                #expect(String(shown) == installed, "\(package)")
            }
        }
        #expect(line == FerryVersion.description)
    }

    static func pkgConfigVersion(_ package: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pkg-config", "--modversion", package]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return "" }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a JSON syntax error in a mapping or a fixture names the file, line and column")
    func jsonSyntaxErrors() throws {
        let scratch = try ScratchRecipes()
        try scratch.write("blog_posts/mappings/2.0.json", "{\n  \"mappings\": {\n    \"dynamic\": \"strict\"\n    \"properties\": {}\n  }\n}\n")
        try scratch.write("blog_posts/tests/broken.json", "{\"from\": \"1.0\", \"to\": \"2.0\",\n \"input\": {\"title\" \"t\"}}\n")
        let out = try ferry(["check", "blog_posts"], recipes: scratch.recipes)
        #expect(out.status == 1)
        // Before: "invalid JSON: The data is not in the correct format."
        #expect(out.stdout.contains("\(scratch.path("blog_posts/mappings/2.0.json")): invalid JSON: Expecting ',' delimiter: line 4 column 5 (char 46)"))
        #expect(out.stdout.contains("\(scratch.path("blog_posts/tests/broken.json")): not valid JSON (invalid JSON: Expecting ':' delimiter: line 2 column 20 (char 48))"))
    }

    @Test("the shared modules folder: beside --recipes by default, else --transforms, FERRY_TRANSFORMS or recipe.lua; shown and named when missing")
    func transformsFolder() throws {
        let scratch = try ScratchRecipes()
        let listed = try ferry(["recipes"], recipes: scratch.recipes)
        #expect(listed.stdout.contains("  modules: \(scratch.root)/transforms (beside the recipes folder)\n"))

        // Move the shared modules away: the require error says where it looked and how to point it.
        let moved = "\(scratch.root)/shared"
        try FileManager.default.moveItem(atPath: "\(scratch.root)/transforms", toPath: moved)
        let missing = try ferry(["check", "blog_posts"], recipes: scratch.recipes)
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("module 'text' not found; require only searches: \(scratch.recipes)/blog_posts/text.lua, \(scratch.root)/transforms/text.lua (the last is the shared modules folder: set it with --transforms, FERRY_TRANSFORMS or transforms = \"...\" in recipe.lua)"))
        #expect(try ferry(["recipes"], recipes: scratch.recipes).stdout.contains("  modules: \(scratch.root)/transforms (beside the recipes folder, missing)\n"))

        let byOption = try ferry(["check", "blog_posts", "--transforms", moved], recipes: scratch.recipes)
        #expect(byOption.status == 0, "\(byOption.stdout)")
        #expect(try ferry(["recipes", "--transforms", moved], recipes: scratch.recipes).stdout.contains("  modules: \(moved) (--transforms)\n"))
        let byEnvironment = try ferry(["check", "blog_posts"], recipes: scratch.recipes, environment: ["FERRY_TRANSFORMS": moved])
        #expect(byEnvironment.status == 0)

        try scratch.edit("blog_posts/recipe.lua", replacing: "  batch = { size = 500 },", with: "  batch = { size = 500 },\n  transforms = \"../../shared\",")
        #expect(try ferry(["check", "blog_posts"], recipes: scratch.recipes).status == 0)
        #expect(try ferry(["recipes"], recipes: scratch.recipes).stdout.contains("  modules: \(moved) (recipe.lua)\n"))

        let nowhere = try ferry(["recipes", "--transforms", "\(scratch.root)/nowhere"], recipes: scratch.recipes)
        #expect(nowhere.stdout.contains("shared modules folder \(scratch.root)/nowhere (from --transforms) not found"))
    }

    @Test("preview --query must be one query clause, and --seed/--query do not mix with --ids (exit 64, before any request)")
    func previewSelectionUsage() throws {
        let bad = try ferry(["preview", "blog_posts", "--query", "{\"term\":", "--url", "http://127.0.0.1:9"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--query is not JSON: invalid JSON: Expecting value: line 1 column 9 (char 8)"))
        let two = try ferry(["preview", "blog_posts", "--query", #"{"term":{"a":1},"match_all":{}}"#, "--url", "http://127.0.0.1:9"])
        #expect(two.status == 64)
        let mixed = try ferry(["preview", "blog_posts", "--ids", "post-1", "--seed", "4", "--url", "http://127.0.0.1:9"])
        #expect(mixed.status == 64)
    }

    @Test("transform --run-started-at must look like what a run gives steps (exit 64)")
    func transformRunStartedAt() throws {
        let bad = try ferry(["transform", "blog_posts", "--run-started-at", "yesterday"], stdin: "{}\n")
        // Before: accepted; the steps saw ctx.run_started_at = "yesterday".
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--run-started-at 'yesterday' is not what a run gives steps: ISO-8601 UTC like 2026-01-01T00:00:00Z"))
        #expect(try ferry(["transform", "blog_posts", "--run-started-at", "2026-01-01T00:00:00Z", "--quiet"], stdin: #"{"title":"t"}"# + "\n").status == 0)
    }

    @Test("ferry recipes lists an invalid recipe with its reason and exits 1")
    func recipesExitCode() throws {
        let scratch = try ScratchRecipes()
        try FileManager.default.copyItem(atPath: scratch.path("blog_posts"), toPath: scratch.path("broken"))
        try scratch.edit("broken/recipe.lua", replacing: "name = \"blog_posts\"", with: "name = \"broken\", parallelism = 2")
        let out = try ferry(["recipes"], recipes: scratch.recipes)
        // Before: exit 0 with the INVALID line.
        #expect(out.status == 1)
        #expect(out.stdout.contains("blog_posts  versions 1.0, 2.0, 3.0"))
        #expect(out.stdout.contains("broken  INVALID: \(scratch.path("broken/recipe.lua")):10: unknown key 'parallelism' in the recipe"))
    }
}
