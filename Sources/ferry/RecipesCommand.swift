import ArgumentParser
import Foundation
import FerryRecipes

struct RecipesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipes",
        abstract: "List the recipes, their versions, steps, aliases and shared modules folder.",
        discussion: """
            The modules line says where `require` finds shared modules (text, fields, dates) \
            and why there: --transforms, FERRY_TRANSFORMS, transforms = "..." in recipe.lua, \
            or transforms/ beside the recipes folder (the default). A recipe that cannot load \
            is listed as INVALID with the reason (file:line for a recipe.lua mistake).
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let catalog = global.catalog()
            let names = try catalog.names()
            if names.isEmpty {
                printOut("no recipes in \(catalog.recipesFolder)")
            }
            for name in names {
                do {
                    let recipe = try catalog.load(name)
                    let steps = recipe.steps.map(\.label).joined(separator: ", ")
                    printOut("\(name)  versions \(recipe.versions.joined(separator: ", "))  steps \(steps.isEmpty ? "none" : steps)")
                    printOut("  aliases: read \(recipe.readAlias), write \(recipe.writeAlias)")
                    let missing = FileManager.default.fileExists(atPath: recipe.modules.path) ? "" : ", missing"
                    printOut("  modules: \(recipe.modules.path) (\(recipe.modules.origin)\(missing))")
                    if !recipe.description.isEmpty { printOut("  \(recipe.description)") }
                } catch {
                    printOut("\(name)  INVALID: \(error)")
                }
            }
        }
    }
}
