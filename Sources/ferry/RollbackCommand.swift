import ArgumentParser
import FerryCore
import FerryCluster
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

            An index family (a recipe with `family`) is rolled back member by member, newest \
            first, each by the rules above (inside the family aliases: the member leaves the \
            read alias and the old member joins it; the write alias moves only with the member \
            that held it); members of an unfinished family run that never switched are \
            abandoned like an unfinished run. Then the template the family run replaced is put \
            back (or deleted, when there was none). --member limits it to one member, and the \
            template stays (the other members are still migrated). Each member is journaled \
            as it comes back: killed anywhere, the same command finishes the rest. With \
            --discarded-ids, each member's ids go to <file> with -<member> before the extension.

            Exit codes: 0 done; 1 refused or failed (state saved: run again to continue); 3 \
            documents failed the reverse steps beyond --max-errors; 4 the cluster was \
            unavailable; 5 another runner holds the lease.

            Examples:
              ferry rollback blog_posts --yes
              ferry rollback blog_posts --yes --discard-writes-since-switch
              ferry rollback events --yes
              ferry rollback events --member events-2024-06 --yes
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

    @Option(help: ArgumentHelp("Index family: roll back only this member (its name, e.g. events-2024-06, or its new index's); the template stays.", valueName: "name"))
    var member: String?

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
            if recipe.family != nil { return try rollBackFamily(operations, config) }
            if let member {
                throw FerryError("--member \(member): recipe \(recipe.name) is not an index family (no `family` in recipe.lua)")
            }
            let status = try operations.status()
            printOut("\(recipe.name): \(status.state.rawValue) — \(status.explanation)")
            try confirm(yes, "roll back?")
            let options = self.options
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

    /// A new value (and FreezeGuard) each time: take it once per command.
    private var options: RollbackOptions {
        var options = RollbackOptions()
        options.discardWritesSinceSwitch = discardWritesSinceSwitch
        options.discardedIDsPath = discardedIDs
        options.restart = restart
        copy.apply(to: &options.run)
        return options
    }

    /// Members newest first, then the template; the member table first, so the operator
    /// sees what will come back before confirming.
    private func rollBackFamily(_ operations: Operations, _ config: ClusterConfig) throws {
        try operations.familyStatus().lines.dropLast().forEach(printOut)
        try confirm(yes, member.map { "roll back member \($0)?" } ?? "roll back every switched member and the template?")
        var family = FamilyRollbackOptions()
        family.member = member
        family.pair = options
        // Every member's pair rollback shares this guard (copies of the options share it).
        SignalGuard.install(operations.rollbackInterrupter(cluster: config, freezeGuard: family.pair.freezeGuard))
        let display = ProgressDisplay()
        let outcome = try operations.rollbackFamily(
            cluster: config, options: family, say: { display.finishLine(); printOut($0) },
            progress: { label, counts in display.update(label: label, counts: counts) })
        display.finishLine()
        printOut(outcome.template)
        printOut(outcome.totals)
    }
}
