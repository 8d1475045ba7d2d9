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

            A family recipe (`family = { pattern, template }`: monthly indices behind one \
            read alias, docs/families.md) runs the family: the old template is journaled and \
            the target version's put first, then each member, oldest first, is migrated as its \
            own unit (new index <member>-<version>-<hash8>, copy, catch-up, freeze of that \
            member, checks scoped to its two indices, one _aliases call swapping it inside the \
            family aliases; the write alias moves with the member holding it). Members already \
            at the target version, including ones created from the new template meanwhile, are \
            skipped. A failing member stops the run: the members before it stay switched, it \
            stays as it was, and the same command continues at it. --members and \
            --max-members take part of the family per run; the same command continues with \
            the rest. If documents of the members' version do not fit the new template's \
            mapping (e.g. a removed field under a strict mapping), the run refuses until the \
            application writes the new version and --app-writes-target-version says so.

            Exit codes: 0 done (or nothing to do); 1 failed, state saved where there is a run; \
            3 documents failed beyond --max-errors; 4 the cluster was unavailable (state saved: \
            run again to continue); 5 another runner holds the lease on the alias; 64 bad usage; \
            130/143 interrupted by SIGINT/SIGTERM (any write block lifted).

            Examples:
              ferry run blog_posts --yes
              ferry run blog_posts --from 1.0 --to 3.0 --workers 2
              ferry run blog_posts --restart --yes
              ferry run events --app-writes-target-version --max-members 2 --yes
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

    @Flag(name: .customLong("client-copy"), help: "Copy through ferry even when no step changes the documents (a mapping-only path); by default the cluster's own _reindex copies then, and `ferry plan` says which copy will run.")
    var clientCopy = false

    @Option(name: .customLong("reindex-timeout"), help: ArgumentHelp(
        "When the cluster copies (mapping-only path): how long one slice's _reindex may take, in seconds. Past it the run stops (exit 4) while the cluster may still be copying; the same command resumes.",
        valueName: "seconds"))
    var reindexTimeout: Double = 3600

    @Option(help: ArgumentHelp("blue-green (default), write-new-first or in-place; `ferry plan` says which the change allows.", valueName: "mode"))
    var mode: String = MigrationMode.blueGreen.rawValue

    @Option(name: .customLong("verify-sample"), help: "Blue-green: documents whose T(source) is recomputed and compared with the target before the switch (0: none; 'all').")
    var verifySample: String = "100"

    @Option(name: .customLong("members"), help: ArgumentHelp("Family recipes: migrate only members whose name matches this pattern (* is any run of characters).", valueName: "pattern"))
    var membersPattern: String?

    @Option(name: .customLong("max-members"), help: ArgumentHelp("Family recipes: migrate at most this many members in this run (skipped members do not count); run again for the rest.", valueName: "n"))
    var maxMembers: Int?

    @Flag(name: .customLong("app-writes-target-version"), help: "Family recipes: put the new template although documents of the members' current version do not fit its mapping, because the application already writes the target version.")
    var appWritesTargetVersion = false

    func validate() throws {
        if let maxMembers, maxMembers < 1 { throw ValidationError("--max-members must be 1 or more") }
        guard (1...1024).contains(slices) else { throw ValidationError("--slices must be between 1 and 1024") }
        guard reindexTimeout > 0 else { throw ValidationError("--reindex-timeout must be more than 0 seconds") }
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
            if recipe.family != nil { return try runFamily(recipe) }
            guard membersPattern == nil, maxMembers == nil, !appWritesTargetVersion else {
                throw ValidationError("--members, --max-members and --app-writes-target-version are for family recipes; \(recipe.name) has no 'family'")
            }
            let migrator = try Migrator(recipe: recipe, cluster: try global.clusterConfig(), journal: try global.journal())
            let options = runOptions
            let display = attachOutput(migrator)

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

extension RunCommand {
    /// Ctrl-C/SIGTERM handling, phase lines and the progress line, for `migrator`'s runs.
    func attachOutput(_ migrator: Migrator) -> ProgressDisplay {
        SignalGuard.install(migrator.interrupter)
        let display = ProgressDisplay()
        migrator.say = { display.finishLine(); printOut($0) }
        migrator.progress = { label, counts in display.update(label: label, counts: counts) }
        return display
    }

    var runOptions: RunOptions {
        var options = RunOptions()
        options.from = from
        options.to = to
        options.restart = restart
        copy.apply(to: &options)
        options.slices = slices
        options.clientCopy = clientCopy
        options.reindexTimeout = .milliseconds(Int64(reindexTimeout * 1000))
        options.mode = MigrationMode(rawValue: mode)!
        options.verifySample = verifySample == "all" ? nil : Int(verifySample)
        options.members = MemberSelection(pattern: membersPattern, maxMembers: maxMembers)
        options.appWritesTargetVersion = appWritesTargetVersion
        return options
    }
}
