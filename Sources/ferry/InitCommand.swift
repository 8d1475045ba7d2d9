import ArgumentParser
import FerryMigration

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Fresh install: create the recipe's first index and its read and write aliases.",
        discussion: """
            Creates <read alias>-<version>-<hash8> with the version's mapping (and _meta.ferry), \
            then points the read alias and the write alias (as write index) at it. Refuses if \
            either name already exists: use `ferry run` to migrate existing data.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe (a folder under the recipes folder).")
    var recipe: String

    @Option(help: "Version to create (default: the recipe's latest).")
    var version: String?

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let migrator = try Migrator(recipe: recipe, cluster: try global.clusterConfig(), journal: try global.journal())
            let index = try migrator.initialize(version: version)
            printOut("created \(index); \(recipe.readAlias) and \(recipe.writeAlias) point to it")
        }
    }
}
