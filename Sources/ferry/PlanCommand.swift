import ArgumentParser
import Foundation
import FerryAuthoring
import FerryCore
import FerryMigration

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what `ferry run` would do, and which modes the mapping change allows. Changes nothing.",
        discussion: """
            Prints the current version and where it was found, the path of steps, the index it \
            would create, the alias actions of each mode, the document count, and for each mode \
            (blue-green, write-new-first, in-place) whether this mapping change allows it and \
            why. In-place needs an additive change (every existing field keeps its definition) \
            and a version_field in the recipe. See docs/modes.md.

            For a family recipe: the template diff (current → target version's), whether \
            documents of the members' versions fit the new template's mapping, and each \
            member oldest first with what happens to it (migrate to which index, or skip and \
            why). See docs/families.md.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe.")
    var recipe: String

    @Option(help: "Version of the current index, for an index ferry did not create.")
    var from: String?

    @Option(help: "Version to migrate to (default: the recipe's latest).")
    var to: String?

    @Option(name: .customLong("members"), help: ArgumentHelp("Family recipes: mark which members a run with this --members pattern takes.", valueName: "pattern"))
    var membersPattern: String?

    @Option(name: .customLong("max-members"), help: ArgumentHelp("Family recipes: mark which members a run with this --max-members takes.", valueName: "n"))
    var maxMembers: Int?

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            if recipe.family != nil {
                let runner = try FamilyRunner(recipe: recipe, cluster: try global.clusterConfig(), journal: try global.journal())
                let plan = try runner.plan(from: from, to: to)
                return familyPlanLines(plan, selection: MemberSelection(pattern: membersPattern, maxMembers: maxMembers), style: TextStyle.forTerminal(STDOUT_FILENO, noColor: false)).forEach(printOut)
            }
            let migrator = try Migrator(recipe: recipe, cluster: try global.clusterConfig(), journal: try global.journal())
            try migrator.preview(from: from, to: to).lines.forEach(printOut)
        }
    }
}
