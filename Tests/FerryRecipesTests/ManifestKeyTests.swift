import Foundation
import Testing
@testable import FerryRecipes
import FerryCore
import FerryScripting

/// Unknown keys in recipe.lua, at every level, with the closest known key and the line.
@Suite("recipe.lua keys")
struct ManifestKeyTests {
    /// A recipe folder `blog` holding only `recipe.lua` (the key check runs before any file is needed).
    final class Folder {
        let root = NSTemporaryDirectory() + "ferry-keys-\(UUID().uuidString)"
        var manifestPath: String { "\(root)/recipes/blog/recipe.lua" }
        init(_ manifest: String) throws {
            try FileManager.default.createDirectory(atPath: "\(root)/recipes/blog", withIntermediateDirectories: true)
            try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }

        func error() -> RecipeError? {
            #expect(throws: RecipeError.self) { try RecipeCatalog(recipesFolder: "\(root)/recipes").load("blog") }
        }
    }

    /// A valid manifest with `extra` spliced in at the marked place.
    static func manifest(top: String = "", step: String = "", lookup: String = "", canary: String = "",
                         batch: String = "", aliases: String = "", family: String = "") -> String {
        """
        -- a recipe; scritp = "not a key" in a comment, and "tabel = 1" in a string below
        return {
          name = "blog",
          description = "tabel = 1",
          aliases = { read = "blog", write = "blog-write"\(aliases) },
          versions = { "1.0", "2.0", "3.0" },
          steps = {
            { from = "1.0", to = "2.0", script = "steps/a.lua" },
            { from = "2.0", to = "3.0", script = "steps/b.lua"\(step) },
          },
          lookups = {
            authors = { sql = "data/authors.sql", table = "authors"\(lookup) },
          },
          batch = { size = 10\(batch) },
          canaries = {
            { name = "all", query = { match_all = {} }\(canary) },
          },
          family = { pattern = "blog-*", template = "blog"\(family) },\(top)
        }
        """
    }

    @Test("a misspelt top-level key is named with its line and the key it meant, not as a missing key")
    func topLevelTypo() throws {
        let folder = try Folder(Self.manifest().replacingOccurrences(of: "aliases = {", with: "alaises = {"))
        let error = try #require(folder.error())
        // Before: "<path>: 'aliases' must be a table, e.g. aliases = { read = ..., write = ... }"
        #expect(error.description == "\(folder.manifestPath):5: unknown key 'alaises' in the recipe; did you mean 'aliases'?")
        #expect(error.hint?.contains("known keys of the recipe: aliases, batch, canaries") == true)
    }

    @Test("lookup = {...} for lookups fails at load, not at run time with 'unknown lookup table'")
    func lookupForLookups() throws {
        let folder = try Folder(Self.manifest().replacingOccurrences(of: "lookups = {", with: "lookup = {"))
        #expect(folder.error()?.description == "\(folder.manifestPath):11: unknown key 'lookup' in the recipe; did you mean 'lookups'?")
    }

    @Test("unknown keys inside steps, lookups, canaries, batch, aliases and family name their table and line",
          arguments: [
            ("step", "steps[2]", "scirpt", 9, "script"),
            ("lookup", "lookups.authors", "tabel", 12, "table"),
            ("canary", "canaries[1]", "compre", 16, "compare"),
            ("batch", "batch", "sise", 14, "size"),
            ("aliases", "aliases", "wirte", 5, "write"),
            ("family", "family", "patern", 18, "pattern"),
          ])
    func nestedTypo(level: String, owner: String, key: String, line: Int, meant: String) throws {
        let extra = ", \(key) = \"x\""
        let text = switch level {
        case "step": Self.manifest(step: extra)
        case "lookup": Self.manifest(lookup: extra)
        case "canary": Self.manifest(canary: extra)
        case "batch": Self.manifest(batch: extra)
        case "aliases": Self.manifest(aliases: extra)
        default: Self.manifest(family: extra)
        }
        let folder = try Folder(text)
        #expect(folder.error()?.description
                == "\(folder.manifestPath):\(line): unknown key '\(key)' in \(owner); did you mean '\(meant)'?")
    }

    @Test("a key far from every known one gets the list of known keys instead of a guess")
    func noGuess() throws {
        let folder = try Folder(Self.manifest(top: "\n  parallelism = 4,"))
        let error = try #require(folder.error())
        #expect(error.description == "\(folder.manifestPath):19: unknown key 'parallelism' in the recipe")
        #expect(error.hint == "known keys of the recipe: aliases, batch, canaries, changed_field, description, family, lookups, name, steps, transforms, version_field, versions")
    }

    @Test("a key known at another level says where it belongs")
    func wrongLevel() throws {
        let folder = try Folder(Self.manifest(top: "\n  size = 100,"))
        #expect(folder.error()?.description == "\(folder.manifestPath):19: unknown key 'size' in the recipe; it belongs in batch or canaries[n]")
        let script = try Folder(Self.manifest(batch: ", script = \"x.lua\""))
        #expect(script.error()?.description == "\(script.manifestPath):14: unknown key 'script' in batch; it belongs in steps[n]")
    }

    @Test("a table built in pieces still gets the line of the key")
    func piecewiseTable() throws {
        let folder = try Folder("""
            local common = { size = 10 }
            local steps = {
              { from = "1.0", to = "2.0",
                scrip = "steps/a.lua" },
            }
            return { name = "blog", aliases = { read = "blog" }, versions = { "1.0", "2.0" },
                     steps = steps, batch = common }
            """)
        #expect(folder.error()?.description == "\(folder.manifestPath):4: unknown key 'scrip' in steps[1]; did you mean 'script'?")
    }

    @Test("the key locator skips comments and strings, long ones included, and counts list positions")
    func locator() {
        let lines = LuaKeyLines(source: """
            --[[ steps = { { script = 1 } } ]]
            local s = [==[
            script = ]] 2 ]==]
            return {
              ["batch"] = { size = 1 },
              steps = { {}, { script = "a" -- script = 3
              } },
            }
            """)
        #expect(lines.line(of: [.key("steps"), .index(2), .key("script")]) == 6)
        #expect(lines.line(of: [.key("batch"), .key("size")]) == 5)
        #expect(lines.line(of: [.key("nothing")]) == nil)
    }

    @Test("edit distance counts a swap of neighbours as one")
    func distance() {
        #expect(EditDistance.between("alaises", "aliases") == 1)
        #expect(EditDistance.between("lookup", "lookups") == 1)
        #expect(EditDistance.between("", "abc") == 3)
    }
}

/// The locator on the shipped recipe: every key of the evaluated manifest is found on a line
/// that holds that key.
@Suite("recipe.lua key lines on the real recipe")
struct RealManifestKeyLinesTests {
    @Test("every key path of recipes/blog_posts/recipe.lua is located on a line that has the key")
    func everyKeyOfTheRealRecipe() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let path = "\(root)/recipes/blog_posts/recipe.lua"
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let manifest = try LuaEngine(requireRoots: [], runStartedAt: "").evaluateManifest(path: path)
        let lines = LuaKeyLines(source: source)
        let sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false)
        var checked = 0
        func walk(_ value: JSONValue, _ at: [ManifestPathSegment]) {
            if let object = value.objectValue {
                for (key, member) in object {
                    let child = at + [.key(key)]
                    let line = lines.line(of: child)
                    #expect(line.map { sourceLines[$0 - 1].contains(key) } == true, "\(ManifestPathSegment.text(child)) at line \(String(describing: line))")
                    checked += 1
                    walk(member, child)
                }
            } else if let items = value.arrayValue {
                for (i, item) in items.enumerated() { walk(item, at + [.index(i + 1)]) }
            }
        }
        walk(manifest, [])
        #expect(checked > 30)
    }
}
