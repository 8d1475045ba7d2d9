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
        // Asked at most once, and only if some mode's first copy could be the cluster's.
        var probed: ReindexSupport?
        let probe = { [client] () throws -> ReindexSupport in
            if let probed { return probed }
            probed = try client.probeReindex(source: plan.source.index, target: plan.targetIndex, dest: ["version_type": "external"])
            return probed!
        }
        let modes = try analysis.verdicts.map { verdict in
            var inMode = plan
            inMode.mode = verdict.mode
            var actions = verdict.allowed ? inMode.actions : []
            if verdict.allowed, !plan.isUpToDate, let line = try CopyChoice.decide(
                steps: plan.steps, write: inMode.strategy.copyWrite, selection: nil, clientCopy: false, mode: verdict.mode, probe: probe
            ).line {
                actions.append("first copy: \(line)")
            }
            if verdict.allowed, let delta = verdict.mode.strategy.plannedFreezeDelta(inMode, client: client) {
                actions.append(delta)
            }
            var option = PlanPreview.ModeOption(verdict: verdict, actions: actions)
            option.rollback = inMode.rollbackMeaning
            return option
        }
        return PlanPreview(
            plan: plan, documents: try client.count(plan.source.index),
            unfinished: try journal.unfinishedRun(recipe: recipe.name), modes: modes)
    }
}
