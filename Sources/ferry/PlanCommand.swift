import ArgumentParser
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes

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
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe.")
    var recipe: String

    @Option(help: "Version of the current index, for an index ferry did not create.")
    var from: String?

    @Option(help: "Version to migrate to (default: the recipe's latest).")
    var to: String?

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let config = try global.clusterConfig()
            let migrator = try Migrator(recipe: recipe, cluster: config, journal: try global.journal())
            let plan = try migrator.plan(from: from, to: to)
            let client = try ClusterClient(config: config)
            let count = try client.count(plan.source.index)
            printOut("\(recipe.name): \(recipe.readAlias) → \(plan.source.index), version \(plan.source.version) (from \(plan.source.evidence.rawValue)), \(count) documents")
            if plan.isUpToDate {
                printOut("already at \(plan.targetVersion) with the recipe's mapping: nothing to do")
                return
            }
            printOut("target: \(plan.targetVersion) through \(plan.pathDescription)")
            if let open = try migrator.journal.unfinishedRun(recipe: recipe.name) {
                printOut("note: run \(open.runID) is unfinished (\(open.phase.rawValue)); `ferry run` continues it")
            }
            let analysis = ModeAnalysis(
                live: try client.getMapping(plan.source.index), target: try recipe.indexBody(for: plan.targetVersion),
                sameVersion: plan.source.version == plan.targetVersion)
            printOut("")
            for verdict in analysis.verdicts {
                var allowed = verdict.allowed
                var reason = verdict.reason
                if verdict.mode == .inPlace, allowed, recipe.versionField == nil {
                    allowed = false
                    reason = "the recipe declares no version_field"
                }
                printOut("\(allowed ? "✓" : "✗") \(verdict.mode.rawValue): \(reason)")
                guard allowed else { continue }
                for line in actions(verdict.mode, plan, recipe) { printOut("    \(line)") }
            }
        }
    }

    private func actions(_ mode: MigrationMode, _ plan: MigrationPlan, _ recipe: Recipe) -> [String] {
        let target = plan.targetIndex
        switch mode {
        case .blueGreen:
            var lines = ["create \(target) (\(plan.targetVersion) mapping, bulk-load settings)"]
            if let preserved = plan.preservedIndex { lines.append("copy the concrete index \(plan.source.index) as it is into \(preserved) (rollback point)") }
            lines += [
                "copy \(plan.source.index) → \(target) through \(plan.pathDescription); catch-up passes while the application writes",
                "block writes to \(plan.source.index), final delta and id/version check, then one _aliases call:",
                plan.source.isConcreteIndex ? "  remove index \(plan.source.index); add \(recipe.readAlias) → \(target)" : "  \(recipe.readAlias): \(plan.source.index) → \(target)",
                "  \(recipe.writeAlias) → \(target) (write index); \(plan.source.index) stays write-blocked as the rollback point",
            ]
            return lines
        case .writeNewFirst:
            return [
                "create \(target); one _aliases call: \(recipe.writeAlias) → \(target), \(recipe.readAlias) → \(plan.source.index) + \(target)",
                "backfill with op_type=create (live writes win), deleting each copied document from \(plan.source.index)",
                "\(plan.source.index) leaves \(recipe.readAlias) and, empty, is deleted",
            ]
        case .inPlace:
            return [
                "put the \(plan.targetVersion) fields on \(plan.source.index) (no new index, no alias change)",
                "rewrite each document lacking \(recipe.versionField ?? "?") = \(plan.targetVersion), if unchanged since read (if_seq_no)",
                "record version \(plan.targetVersion) in \(plan.source.index)'s _meta.ferry",
            ]
        }
    }
}
