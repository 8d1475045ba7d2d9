import Foundation
import FerryCore

/// Rejects keys `recipe.lua` does not know (ManifestShape), naming the line they are on.
extension ManifestReader {
    func checkKeys(_ manifest: JSONValue) throws(RecipeError) {
        guard let unknown = ManifestShape.recipe.firstUnknownKey(in: manifest) else { return }
        let source = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let location = LuaKeyLines(source: source).line(of: unknown.path).map { "\(path):\($0)" } ?? path
        let known = "known keys \(unknown.owner == "the recipe" ? "of the recipe" : "in \(unknown.owner)"): "
            + unknown.known.joined(separator: ", ")
        let elsewhere = ManifestShape.recipe.levels(knowing: unknown.key)
        if !elsewhere.isEmpty {
            throw RecipeError("\(location): unknown key '\(unknown.key)' in \(unknown.owner); it belongs in \(elsewhere.joined(separator: " or "))", hint: known)
        }
        if let suggestion = unknown.suggestion {
            throw RecipeError("\(location): unknown key '\(unknown.key)' in \(unknown.owner); did you mean '\(suggestion)'?", hint: known)
        }
        throw RecipeError("\(location): unknown key '\(unknown.key)' in \(unknown.owner)", hint: known)
    }
}
