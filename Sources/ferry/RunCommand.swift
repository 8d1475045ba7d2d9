import ArgumentParser
import Foundation
import FerryCore
import FerryMigration

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Migrate the recipe's index to a version (default: the latest), or continue an interrupted run.",
        discussion: """
            Finds the current version (read alias → index → _meta.ferry; for an index ferry did \
            not create, --from or a mapping match), checks the recipe (scripts compile, lookups \
            open, mappings parse) and the cluster (health, target name, disk), creates \
            <read alias>-<version>-<hash8>, copies every document through the steps with bulk \
            requests (each written with the source's _version, so a resent or stale copy never \
            overwrites a newer one), restores settings, refreshes, checks that \
            read − dropped − failed = target, then switches the read and write aliases in one \
            atomic _aliases call.

            Every phase is recorded in the journal (--state). If the process dies at any point, \
            running the same command again continues the run and ends with the same result; a \
            recipe changed in between is refused (--restart starts over). Documents that fail \
            their step or are rejected by the cluster are dead letters (`ferry deadletters`); \
            the run switches only if there are no more than --max-errors of them. A step stuck \
            on one document for 10 × the time limit stops the run (exit 1, naming the document \
            and step); running again dead-letters that document without running it.

            A concrete index the application uses by name is adopted: it is first copied as it \
            is into <alias>-<version>-<hash8> (the rollback point), and the switch replaces it \
            with an alias of the same name. Running again at the target version does nothing.

            Blue-green freezes writes to the old index for the switch (the application gets \
            HTTP 403 cluster_block_exception meanwhile). The freeze does what changed since the \
            last catch-up pass (selected by the recipe's changed_field, else by _seq_no when the \
            cluster passes a probe, else by comparing every id; `ferry plan` says which) plus \
            two counts, and lasts at most --max-freeze; the content sample and canaries run \
            before it (docs/modes.md). Ctrl-C (SIGINT) or SIGTERM at \
            any time stops the run; under the freeze the block is lifted first, and the same \
            command continues later.

            Exit codes: 0 done (or nothing to do); 1 failed, state saved where there is a run; \
            3 documents failed beyond --max-errors; 4 the cluster was unavailable (state saved: \
            run again to continue); 5 another runner holds the lease on the alias; 64 bad usage; \
            130/143 interrupted by SIGINT/SIGTERM (any write block lifted).

            Examples:
              ferry run blog_posts --yes
              ferry run blog_posts --from 1.0 --to 3.0 --workers 2
              ferry run blog_posts --restart --yes
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

    @Flag(help: "Abandon an unfinished run of this recipe (deleting the index it created) and start over.")
    var restart = false

    @OptionGroup var copy: CopyOptions

    @Option(help: "Slices the copy is cut into; an interrupted run redoes unfinished slices only.")
    var slices: Int = 8

    @Option(help: ArgumentHelp("blue-green (default), write-new-first or in-place; `ferry plan` says which the change allows.", valueName: "mode"))
    var mode: String = MigrationMode.blueGreen.rawValue

    @Option(name: .customLong("verify-sample"), help: "Blue-green: documents whose T(source) is recomputed and compared with the target before the switch (0: none; 'all').")
    var verifySample: String = "100"

    func validate() throws {
        guard (1...1024).contains(slices) else { throw ValidationError("--slices must be between 1 and 1024") }
        guard verifySample == "all" || Int(verifySample).map({ $0 >= 0 }) == true else {
            throw ValidationError("--verify-sample must be a number of documents or 'all'")
        }
        guard MigrationMode(rawValue: mode) != nil else {
            throw ValidationError("--mode must be one of \(MigrationMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let migrator = try Migrator(recipe: recipe, cluster: try global.clusterConfig(), journal: try global.journal())
            var options = RunOptions()
            options.from = from
            options.to = to
            options.restart = restart
            copy.apply(to: &options)
            options.slices = slices
            options.mode = MigrationMode(rawValue: mode)!
            options.verifySample = verifySample == "all" ? nil : Int(verifySample)
            SignalGuard.install(migrator.interrupter)
            let display = ProgressDisplay()
            migrator.say = { display.finishLine(); printOut($0) }
            migrator.progress = { label, counts in display.update(label: label, counts: counts) }

            let start = try migrator.prepare(options)
            switch start {
            case .upToDate(let plan):
                printOut("\(recipe.name) is already at \(plan.targetVersion): \(recipe.readAlias) → \(plan.targetIndex); nothing to do")
                return
            case .resume(let record, _):
                printOut("continuing run \(record.runID) (\(record.phase.rawValue)) → \(record.plan.targetIndex)")
            case .new(let plan):
                printOut("plan: \(recipe.readAlias) \(plan.source.index) (\(plan.source.version), from \(plan.source.evidence.rawValue)) → \(plan.targetIndex)")
                printOut("      steps \(plan.pathDescription), mode \(plan.mode.rawValue)")
                if let preserved = plan.preservedIndex {
                    printOut("      adopting concrete index \(plan.source.index): kept as \(preserved), replaced by an alias")
                }
                try confirm(yes, "proceed?")
            }
            let report = try migrator.execute(start, options: options)
            display.finishLine()
            printOut("done")
            report.lines.forEach { printOut("  " + $0) }
        }
    }
}
