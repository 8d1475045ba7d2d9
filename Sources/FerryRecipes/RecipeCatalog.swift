import Foundation
import FerryCore
import FerryScripting

/// Finds and loads recipes under a recipes folder (default `./recipes`), with the shared
/// modules folder `transforms/` beside it.
public struct RecipeCatalog: Sendable {
    public let recipesFolder: String
    public let transformsFolder: String

    public init(recipesFolder: String, transformsFolder: String? = nil) {
        let trimmed = recipesFolder.hasSuffix("/") ? String(recipesFolder.dropLast()) : recipesFolder
        self.recipesFolder = trimmed
        self.transformsFolder = transformsFolder
            ?? ((trimmed as NSString).deletingLastPathComponent as NSString).appendingPathComponent("transforms")
    }

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
        let folder = "\(recipesFolder)/\(name)"
        let manifestPath = "\(folder)/recipe.lua"
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            let known = (try? names()) ?? []
            throw RecipeError(
                "unknown recipe '\(name)': \(manifestPath) not found",
                hint: known.isEmpty ? "no recipes in \(recipesFolder)" : "known recipes: \(known.joined(separator: ", "))")
        }
        let manifest: JSONValue
        do {
            let engine = try LuaEngine(requireRoots: [folder, transformsFolder], runStartedAt: "")
            manifest = try engine.evaluateManifest(path: manifestPath)
        } catch {
            throw RecipeError(error.description)
        }
        return try ManifestReader(path: manifestPath, folder: folder, transformsFolder: transformsFolder)
            .recipe(from: manifest, expectedName: name)
    }
}
