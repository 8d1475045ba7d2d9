/// What `ferry status` says about an unfinished rollback run.
import FerryCore
import FerryJournal

extension Operations {
    func rollbackRunReport(
        _ run: RunRecord, readIndices: [String], _ report: (MigrationState, String, String) -> StatusReport
    ) -> StatusReport {
        let (new, old, name) = (run.plan.sourceIndex, run.plan.targetIndex, recipe.name)
        let where_ = readIndices == [old] ? "the aliases already point back to \(old)" : "\(recipe.readAlias) → \(readIndices.joined(separator: ", "))"
        let blocked = readIndices != [old] && (run.phase == .frozen || run.phase == .verified)
        return report(
            .postSwitch,
            "rollback run \(run.runID) of run \(run.plan.rollbackOf ?? "?") (\(new) → \(old) through the reverse steps) stopped at \(run.phase.rawValue); \(where_)"
                + (blocked ? "; WRITES TO \(new) ARE BLOCKED (frozen for the switch back)" : ""),
            "ferry rollback \(name)  (continues the rollback)")
    }
}
