import ArgumentParser
import FerryCore
import FerryMigration

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Undo the recipe's latest run, losing none of the writes made since its switch.",
        discussion: """
            Before the switch: abandons the run and deletes the index it created; the aliases \
            were never moved.

            After the switch, ferry compares the new index with the previous one (the rollback \
            point, write-blocked since the switch) id by id and version by version:
              - nothing changed since the switch: one atomic _aliases call moves the read and \
            write aliases back (after a short write block on the new index confirms it);
              - documents written, updated or deleted since the switch, and the recipe has \
            reverse steps (e.g. { from = "3.0", to = "2.0", ... }): a rollback run brings them \
            back through the reverse steps, with the new index's _version, deletes what was \
            deleted, catches up while the application writes, blocks writes to the new index \
            briefly, checks what changed since the last pass and the counts (every id and \
            version only when they disagree or nothing can select the changes), then switches \
            both aliases back at once. The old index stays write-blocked until that switch, \
            except while ferry's own writes go into it. It \
            is journaled like a run: killed anywhere, the same command finishes it; `ferry \
            status` shows it; --restart gives up an unfinished one (e.g. after fixing a \
            reverse step that failed documents) and starts over;
              - such writes and no reverse steps: refuses (changing nothing) and says how many \
            documents changed. --discard-writes-since-switch rolls back anyway, leaving them in \
            the new index and listing their ids in an NDJSON file it names.
            Ctrl-C (SIGINT) or SIGTERM while writes to the new index are blocked lifts that \
            block first, then exits 130/143 naming the command that continues. The new index \
            is kept, write-blocked. Write-new-first and in-place runs have no \
            rollback point (`ferry plan` says what rollback means for each mode).

            Exit codes: 0 done; 1 refused or failed (state saved: run again to continue); 3 \
            documents failed the reverse steps beyond --max-errors; 4 the cluster was \
            unavailable; 5 another runner holds the lease.

            Examples:
              ferry rollback blog_posts --yes
              ferry rollback blog_posts --yes --discard-writes-since-switch
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe.")
    var recipe: String

    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
    var yes = false

    @Flag(name: .customLong("discard-writes-since-switch"), help: "Without reverse steps: roll back anyway, leaving the writes made since the switch in the new index (their ids go to an NDJSON file).")
    var discardWritesSinceSwitch = false

    @Option(name: .customLong("discarded-ids"), help: ArgumentHelp("Where --discard-writes-since-switch lists the ids (default: rollback-<run>-discarded.ndjson next to the journal).", valueName: "file"))
    var discardedIDs: String?

    @Flag(help: "Give up an unfinished rollback run (what it copied back stays; the old index is write-blocked again) and start the rollback over, e.g. after fixing a reverse step.")
    var restart = false

    @OptionGroup var copy: CopyOptions

    func validate() throws {
        if discardedIDs != nil && !discardWritesSinceSwitch {
            throw ValidationError("--discarded-ids goes with --discard-writes-since-switch")
        }
    }

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let config = try global.clusterConfig()
            let operations = try Operations(recipe: recipe, cluster: config, journal: try global.journal())
            let status = try operations.status()
            printOut("\(recipe.name): \(status.state.rawValue) — \(status.explanation)")
            try confirm(yes, "roll back?")
            var options = RollbackOptions()
            options.discardWritesSinceSwitch = discardWritesSinceSwitch
            options.discardedIDsPath = discardedIDs
            options.restart = restart
            copy.apply(to: &options.run)
            // Ctrl-C or SIGTERM while the rollback blocks writes to the new index lifts the block first.
            SignalGuard.install(operations.rollbackInterrupter(cluster: config, freezeGuard: options.freezeGuard))
            let display = ProgressDisplay()
            let outcome = try operations.rollback(
                cluster: config, options: options, say: { display.finishLine(); printOut($0) },
                progress: { label, counts in display.update(label: label, counts: counts) })
            display.finishLine()
            outcome.lines.forEach(printOut)
        }
    }
}
