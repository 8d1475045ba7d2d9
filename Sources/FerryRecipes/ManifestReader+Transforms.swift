import Foundation
import FerryCore

/// `transforms = "..."` in recipe.lua: the shared modules folder, relative to the recipe folder.
extension ManifestReader {
    func transforms(_ manifest: JSONValue) throws(RecipeError) -> RecipeCatalog.ModulesFolder? {
        guard let member = manifest["transforms"], !member.isNull else { return nil }
        guard let relative = member.stringValue, !relative.isEmpty else {
            throw RecipeError("\(path): 'transforms' must be a folder (a string, relative to the recipe folder), e.g. transforms = \"../../transforms\"")
        }
        let full = relative.hasPrefix("/") ? relative : ((folder as NSString).appendingPathComponent(relative) as NSString).standardizingPath
        guard RecipeCatalog.isFolder(full) else {
            throw RecipeError("\(path): transforms = \"\(relative)\": \(full) is not a folder")
        }
        return RecipeCatalog.ModulesFolder(path: full, origin: "recipe.lua")
    }
}

extension RecipeCatalog {
    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
