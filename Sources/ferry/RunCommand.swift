import ArgumentParser
import Foundation
import FerryCore
import FerryMigration

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Migrate the recipe's index to a version (default: the latest).",
        discussion: """
            Finds the current version (read alias → index → _meta.ferry; for an index ferry did \
            not create, --from or a mapping match), checks the recipe (scripts compile, lookups \
            open, mappings parse), creates <read alias>-<version>-<hash8>, copies every document \
            through the steps with bulk requests, refreshes, checks that source − dropped = \
            target, then switches the read and write aliases in one atomic _aliases call.

            Nothing switches unless every document made it. On failure the new index is deleted \
            and the aliases are untouched; each failed document is listed with its id and reason.

            A concrete index the application uses by name is adopted: it is first copied as it \
            is into <alias>-<version>-<hash8> (the rollback point), and the switch replaces it \
            with an alias of the same name.

            Running again at the target version does nothing and says so.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe (a folder under the recipes folder).")
    var recipe: String

    @Option(help: "Version of the current index, for an index ferry did not create.")
    var from: String?

    @Option(help: "Version to migrate to (default: the recipe's latest).")
    var to: String?

    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
    var yes = false

    @Option(help: "Transform workers, each with its own Lua state.")
    var workers: Int = 1

    @Option(help: "Bulk writers, each with its own connection.")
    var writers: Int = 1

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be between 1 and 64") }
        guard (1...64).contains(writers) else { throw ValidationError("--writers must be between 1 and 64") }
    }

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let migrator = try Migrator(recipe: recipe, cluster: try global.clusterConfig())
            migrator.workers = workers
            migrator.writers = writers
            let plan = try migrator.plan(from: from, to: to)
            if plan.isUpToDate {
                printOut("\(recipe.name) is already at \(plan.targetVersion): \(recipe.readAlias) → \(plan.targetIndex); nothing to do")
                return
            }
            printOut("plan: \(recipe.readAlias) \(plan.source.index) (\(plan.source.version), from \(plan.source.evidence.rawValue)) → \(plan.targetIndex)")
            printOut("      steps \(plan.pathDescription)")
            if let preserved = plan.preservedIndex {
                printOut("      adopting concrete index \(plan.source.index): kept as \(preserved), replaced by an alias")
            }
            try confirm()
            let display = ProgressDisplay()
            migrator.say = { display.finishLine(); printOut($0) }
            migrator.progress = { label, counts in display.update(label: label, counts: counts) }
            let report = try migrator.run(plan)
            display.finishLine()
            printOut("done")
            report.lines.forEach { printOut("  " + $0) }
        }
    }

    private func confirm() throws {
        if yes { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw FerryError("not starting without confirmation", hint: "pass --yes to run non-interactively")
        }
        print("proceed? [y/N] ", terminator: "")
        fflush(nil)
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else { throw FerryError("cancelled; nothing changed") }
    }
}
