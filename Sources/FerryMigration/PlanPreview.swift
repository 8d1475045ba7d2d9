/// What `ferry plan` shows: the plan, the document count, an unfinished run, and for each mode
/// whether the mapping change allows it and what it would do. Changes nothing.
import FerryCluster
import FerryCore
import FerryRecipes

public struct PlanPreview: Sendable {
    public struct ModeOption: Sendable {
        public let verdict: ModeAnalysis.Verdict
        /// What a run in this mode would do (empty when the mode is not allowed).
        public var actions: [String]
        /// What `ferry rollback` would mean after this mode's switch.
        public var rollback = ""
    }

    public let plan: MigrationPlan
    public let documents: Int
    public let unfinished: RunRecord?
    public let modes: [ModeOption]

    public var lines: [String] {
        let (recipe, source) = (plan.recipe, plan.source)
        var out = ["\(recipe.name): \(recipe.readAlias) → \(source.index), version \(source.version) (from \(source.evidence.rawValue)), \(documents) documents"]
        if plan.isUpToDate {
            return out + ["already at \(plan.targetVersion) with the recipe's mapping: nothing to do"]
        }
        out.append("target: \(plan.targetVersion) through \(plan.pathDescription)")
        if let unfinished {
            out.append("note: run \(unfinished.runID) is unfinished (\(unfinished.phase.rawValue)); `ferry run` continues it")
        }
        out.append("")
        for option in modes {
            out.append("\(option.verdict.allowed ? "✓" : "✗") \(option.verdict.mode.rawValue): \(option.verdict.reason)")
            out += option.actions.map { "    \($0)" }
            if option.verdict.allowed { out.append("    rollback after the switch: \(option.rollback)") }
        }
        return out
    }
}

extension Migrator {
    /// `ferry plan`: the plan from the current version (or `from`) to `to`, and every mode's verdict.
    public func preview(from: String?, to: String?) throws -> PlanPreview {
        let plan = try self.plan(from: from, to: to)
        let analysis = ModeAnalysis(
            live: try client.getMapping(plan.source.index), target: try recipe.indexBody(for: plan.targetVersion),
            sameVersion: plan.source.version == plan.targetVersion, recipe: recipe)
        let modes = analysis.verdicts.map { verdict in
            var inMode = plan
            inMode.mode = verdict.mode
            var option = PlanPreview.ModeOption(verdict: verdict, actions: verdict.allowed ? inMode.actions : [])
            if verdict.allowed, let delta = verdict.mode.strategy.plannedFreezeDelta(inMode, client: client) {
                option.actions.append(delta)
            }
            option.rollback = inMode.rollbackMeaning
            return option
        }
        return PlanPreview(
            plan: plan, documents: try client.count(plan.source.index),
            unfinished: try journal.unfinishedRun(recipe: recipe.name), modes: modes)
    }
}
