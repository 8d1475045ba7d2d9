import ArgumentParser
import FerryCore
import FerryMigration

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Where the recipe's migration stands, and the next command to run.",
        discussion: """
            Reads the journal and the cluster and names one of the recovery states: \
            Pre-Migration, Partial Schema Change, Mid-Reindex, Post-Reindex Pre-Switch, \
            Mid-Switch, Post-Switch, Cleanup; with the run's phase, progress, dead letters, the \
            lease holder and the recommended next command. Changes nothing.

            For an index family (a recipe with `family`): the template (its version now and \
            what the journal keeps for rollback), then one row per member, oldest first: old \
            index → new index, state (done, current with its phase and documents written, \
            pending, skipped, rolled back, FAILED with the reason), documents, time and the \
            freeze of its switch; then an ETA for the rest (documents left ÷ the documents per \
            second so far). It reads the journal while `ferry run` runs in another process.

            --save-evidence DIR writes the status (as --json prints it), indices, aliases, \
            health, mappings, settings and the journal (runs, events, dead letters) as JSON \
            files for an incident review; for a family, the member table and the family runs \
            (members as journaled, the template rollback restores) too.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe.")
    var recipe: String

    @Flag(help: "Print the status as JSON.")
    var json = false

    @Option(name: .customLong("save-evidence"), help: ArgumentHelp("Write evidence files to this folder.", valueName: "dir"))
    var saveEvidence: String?

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let operations = try Operations(recipe: recipe, cluster: try global.clusterConfig(), journal: try global.journal())
            if recipe.family != nil {
                // An index family: the member table (its runs are per member, not one run).
                let family = try operations.familyStatus()
                if json { printOut(family.json.serialized(sortedKeys: true)) } else { family.lines.forEach(printOut) }
                if let folder = saveEvidence {
                    let files = try operations.saveEvidence(to: folder, status: family)
                    printOut("evidence: \(files.count) files in \(folder)")
                }
                return
            }
            let status = try operations.status()
            if json {
                printOut(status.json.serialized(sortedKeys: true))
            } else {
                printOut("\(recipe.name): \(status.state.rawValue)")
                printOut("  \(status.explanation)")
                if let run = status.run {
                    printOut("  run \(run.runID): \(run.phase.rawValue), \(run.plan.sourceIndex) (\(run.plan.sourceVersion)) → \(run.plan.targetIndex) (\(run.plan.targetVersion)), started \(run.startedAt)")
                }
                if let t = status.totals, t.slices > 0 {
                    // Dead letters from the journal's own table: a slice that stopped on
                    // failures has its letters recorded but no finished-slice counts.
                    printOut("  progress: \(t.done)/\(t.slices) slices, read \(t.read), \(status.writtenText), dropped \(status.droppedInAll), dead letters \(status.deadLetters)")
                }
                if status.deadLetters > 0 { printOut("  dead letters: \(status.deadLetters) (`ferry deadletters \(recipe.name)`)") }
                printOut("  \(recipe.readAlias) → \(status.readAliasIndices.joined(separator: ", "))")
                if recipe.writeAlias != recipe.readAlias {
                    printOut("  \(recipe.writeAlias) → \(status.writeAliasIndices.joined(separator: ", "))")
                }
                printOut("  lease: \(status.leaseHolder ?? "free")")
                printOut("next: \(status.nextCommand)")
            }
            if let folder = saveEvidence {
                let files = try operations.saveEvidence(to: folder, status: status)
                printOut("evidence: \(files.count) files in \(folder)")
            }
        }
    }
}

struct CleanupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete superseded indices of the recipe past their retention.",
        discussion: """
            Lists the indices ferry created for the recipe (<read alias>-<version>-<hash8>) and \
            deletes those that no alias points to, that no unfinished run uses, and that are \
            older than --older-than (default 7d; units s, m, h, d). Until then they stay, \
            write-blocked, as rollback points. Retention counts from when an index stopped \
            serving (the switch that replaced it, or the rollback that left it). For an index \
            family, members are handled like single indices: the members its runs replaced \
            (even those the application's template made) and rolled-back members' new indices; \
            an index any alias points to is never deleted. Each "deleted" line is printed once \
            the cluster no longer has the index. --dry-run only lists; --index limits it to one \
            index. It asks before deleting: --yes to run it from a script.

            Examples:
              ferry cleanup blog_posts --dry-run
              ferry cleanup blog_posts --older-than 7d --yes
              ferry cleanup blog_posts --index blog_posts-3.0-1a2b3c4d --older-than 0s --yes
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe.")
    var recipe: String

    @Option(name: .customLong("older-than"), help: "Retention, e.g. 7d, 12h, 30m.")
    var olderThan: String = "7d"

    @Option(name: .customLong("index"), help: ArgumentHelp("Only this index (one of the recipe's, e.g. a rolled-back run's index that a new run would re-create).", valueName: "name"))
    var index: String?

    @Flag(name: .customLong("dry-run"), help: "List what would be deleted; delete nothing.")
    var dryRun = false

    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
    var yes = false

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            guard let retention = parseDuration(olderThan) else {
                throw FerryError("--older-than \(olderThan): expected a number with s, m, h or d, e.g. 7d")
            }
            let recipe = try global.catalog().load(self.recipe)
            let operations = try Operations(recipe: recipe, cluster: try global.clusterConfig(), journal: try global.journal())
            var candidates = try operations.cleanupCandidates(olderThan: retention)
            if let index {
                candidates = candidates.filter { $0.index == index }
                guard !candidates.isEmpty else {
                    throw FerryError("--index \(index): not an index ferry made for recipe \(recipe.name)",
                                     hint: "`ferry cleanup \(recipe.name) --dry-run` lists the recipe's indices")
                }
            }
            for c in candidates { printOut("\(c.deletable ? "delete" : "keep  ")  \(c.index)  \(c.reason)") }
            let doomed = candidates.filter(\.deletable)
            guard !doomed.isEmpty else { return printOut("nothing to delete") }
            if dryRun { return printOut("dry run: \(doomed.count) index(es) would be deleted") }
            try confirm(yes, "delete \(doomed.count) index(es)?")
            for c in doomed {
                try operations.delete(c)
                printOut("deleted \(c.index)")
            }
        }
    }
}

/// `7d`, `12h`, `30m`, `45s`.
func parseDuration(_ text: String) -> Duration? {
    guard let unit = text.last, let value = Double(text.dropLast()), value >= 0 else { return nil }
    switch unit {
    case "s": return .seconds(value)
    case "m": return .seconds(value * 60)
    case "h": return .seconds(value * 3600)
    case "d": return .seconds(value * 86_400)
    default: return nil
    }
}
