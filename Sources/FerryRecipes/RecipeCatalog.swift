import Foundation
import FerryCore
import FerryScripting

/// Finds and loads recipes under a recipes folder (default `./recipes`), with the shared
/// modules folder: `--transforms` / `FERRY_TRANSFORMS` when given, else the recipe's own
/// `transforms = "..."`, else `transforms/` beside the recipes folder.
public struct RecipeCatalog: Sendable {
    public let recipesFolder: String
    /// The shared modules folder given explicitly (option or environment), if any.
    public let explicitTransforms: ModulesFolder?

    /// Where `require` finds the shared modules (`text`, `fields`, `dates`), and why there.
    public struct ModulesFolder: Sendable, Hashable {
        public let path: String
        /// "--transforms", "FERRY_TRANSFORMS", "recipe.lua" or "beside the recipes folder".
        public let origin: String

        public init(path: String, origin: String) {
            self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            self.origin = origin
        }
    }

    public init(recipesFolder: String, transforms: ModulesFolder? = nil) {
        let trimmed = recipesFolder.count > 1 && recipesFolder.hasSuffix("/") ? String(recipesFolder.dropLast()) : recipesFolder
        self.recipesFolder = trimmed
        self.explicitTransforms = transforms
    }

    /// `transforms/` beside the recipes folder: where modules are when nothing says otherwise.
    public var defaultTransforms: ModulesFolder {
        ModulesFolder(
            path: ((recipesFolder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("transforms"),
            origin: "beside the recipes folder")
    }

    /// The folder a recipe that does not set `transforms` uses.
    public var transformsFolder: String { (explicitTransforms ?? defaultTransforms).path }

    /// Names of the folders that hold a `recipe.lua`, sorted.
    public func names() throws(RecipeError) -> [String] {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: recipesFolder) else {
            throw RecipeError("recipes folder \(recipesFolder) not found", hint: "pass --recipes DIR or set FERRY_RECIPES")
        }
        return entries.filter { fm.fileExists(atPath: "\(recipesFolder)/\($0)/recipe.lua") }.sorted()
    }

    /// Loads and validates `recipes/<name>/recipe.lua`.
    public func load(_ name: String) throws(RecipeError) -> Recipe {
        // A recipe is a folder directly under the recipes folder: `../x` or `a/b` would load
        // a recipe.lua (and run its Lua) from somewhere --recipes does not name.
        guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), !name.hasPrefix("."), !name.contains("\0") else {
            let known = (try? names()) ?? []
            throw RecipeError(
                "recipe name '\(name)' is not a folder name: recipes are the folders directly under \(recipesFolder) (no '/', no leading '.')",
                hint: known.isEmpty ? "no recipes in \(recipesFolder)" : "known recipes: \(known.joined(separator: ", "))")
        }
        let folder = "\(recipesFolder)/\(name)"
        let manifestPath = "\(folder)/recipe.lua"
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            let known = (try? names()) ?? []
            throw RecipeError(
                "unknown recipe '\(name)': \(manifestPath) not found",
                hint: known.isEmpty ? "no recipes in \(recipesFolder)" : "known recipes: \(known.joined(separator: ", "))")
        }
        if let explicit = explicitTransforms, !Self.isFolder(explicit.path) {
            throw RecipeError(
                "shared modules folder \(explicit.path) (from \(explicit.origin)) not found",
                hint: "pass --transforms DIR or set FERRY_TRANSFORMS to the folder that holds text.lua, fields.lua, dates.lua")
        }
        let manifest: JSONValue
        do {
            let engine = try LuaEngine(requireRoots: [folder, transformsFolder], runStartedAt: "")
            manifest = try engine.evaluateManifest(path: manifestPath)
        } catch {
            throw RecipeError(error.description)
        }
        let reader = ManifestReader(path: manifestPath, folder: folder, transformsFolder: transformsFolder)
        var recipe = try reader.recipe(from: manifest, expectedName: name)
        if let explicit = explicitTransforms {
            recipe.modules = explicit
        } else if let own = try reader.transforms(manifest) {
            recipe.modules = own
        } else {
            recipe.modules = defaultTransforms
        }
        return recipe
    }
}
