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
            is listed as INVALID with the reason (file:line for a recipe.lua mistake), and \
            the exit code is then 1.
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let catalog = global.catalog()
            let names = try catalog.names()
            if names.isEmpty {
                printOut("no recipes in \(catalog.recipesFolder)")
            }
            var invalid = 0
            for name in names {
                do {
                    let recipe = try catalog.load(name)
                    let graph = recipe.graph
                    let steps = graph.forwardSteps.map(stepText).joined(separator: ", ")
                    printOut("\(name)  versions \(recipe.versions.joined(separator: ", "))  steps \(steps.isEmpty ? "none" : steps)")
                    if !graph.reverseSteps.isEmpty {
                        printOut("  reverse steps (rollback): \(graph.reverseSteps.map(stepText).joined(separator: ", "))")
                    }
                    printOut("  aliases: read \(recipe.readAlias), write \(recipe.writeAlias)")
                    let missing = FileManager.default.fileExists(atPath: recipe.modules.path) ? "" : ", missing"
                    printOut("  modules: \(recipe.modules.path) (\(recipe.modules.origin)\(missing))")
                    if let family = recipe.family {
                        printOut("  family: members \(family.pattern), index template \(family.template)")
                    }
                    if !recipe.description.isEmpty { printOut("  \(recipe.description)") }
                } catch {
                    printOut("\(name)  INVALID: \(error)")
                    invalid += 1
                }
            }
            // Listed, but not a success: a script or CI looking at the exit code must see it.
            if invalid > 0 { throw ExitCode.failure }
        }
    }
}

/// "1.0→2.0", or "1.0→2.0 (mapping only)" for an edge without a script.
private func stepText(_ step: StepSpec) -> String {
    step.isMappingOnly ? "\(step.label) (mapping only)" : step.label
}
