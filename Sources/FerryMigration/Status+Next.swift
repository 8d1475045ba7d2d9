/// `ferry status` when no run is in progress: what a new `ferry run` would meet in the cluster
/// (no alias yet, already at the latest version, or its target name taken by an index left
/// from an earlier run), so the `next:` line is a command that succeeds when run as printed.
import FerryCluster
import FerryCore
import FerryRecipes

extension Operations {
    struct NextStep {
        let explanation: String
        let command: String
    }

    /// The next step with no run in progress; `nil` when `ferry run <recipe> --yes` is it.
    func nextWithoutRun(readIndices: [String]) throws -> NextStep? {
        let name = recipe.name
        if readIndices.isEmpty, try client.resolve(recipe.readAlias) == .missing {
            return NextStep(
                explanation: "\(recipe.readAlias) does not exist in the cluster: nothing to migrate yet",
                command: "ferry init \(name)  (creates the first index at \(recipe.latestVersion) and both aliases)")
        }
        let latest = try recipe.indexName(for: recipe.latestVersion)
        if readIndices == [latest] {
            return NextStep(explanation: "\(recipe.readAlias) → \(latest), already at \(recipe.latestVersion)", command: "nothing to do")
        }
        guard !readIndices.contains(latest), try client.indexExists(latest) else { return nil }
        let meta = FerryMeta(mapping: try client.getMapping(latest))
        guard let meta, meta.recipe == name else {
            return NextStep(
                explanation: "\(latest) exists but ferry did not make it for \(name); a new run to \(recipe.latestVersion) creates an index of that name",
                command: "inspect \(latest) and delete it if it is a leftover (DELETE /\(latest)), then ferry run \(name) --yes")
        }
        let left = meta.runID.map { "left by run \($0)" } ?? "made by ferry"
        return NextStep(
            explanation: "\(latest) (\(left)) is still in the cluster with no alias on it; a new run to \(recipe.latestVersion) creates an index of that name, so it must go first",
            command: "ferry cleanup \(name) --index \(latest) --older-than 0s --yes  (deletes it; then `ferry run \(name) --yes`)")
    }

    /// Indices of this recipe that a run made (their `_meta.ferry` names a source) but whose run
    /// the journal does not know: the journal was deleted or replaced, or another `--state` is
    /// in use. Said first, so status never reads "no migration" over a run it cannot see.
    func runsMissingFromJournal(readIndices: [String]) throws -> (text: String, switched: Bool)? {
        let known = Set(try journal.runs(recipe: recipe.name, limit: 10_000).map(\.runID))
        let rows = try client.request(.GET, RequestPath(["_cat", "indices", "\(recipe.readAlias)-*"], query: [("format", "json"), ("h", "index")]))
            .json().arrayValue ?? []
        var lines: [String] = []
        var switched = false
        for name in rows.compactMap({ $0["index"]?.stringValue }).sorted() {
            guard let meta = FerryMeta(mapping: try client.getMapping(name)), meta.recipe == recipe.name,
                  let source = meta.source, let runID = meta.runID, !known.contains(runID)
            else { continue }
            switched = switched || readIndices.contains(name)
            let serving = readIndices.contains(name) ? "the aliases point to it (the run switched)" : "no alias points to it"
            lines.append("\(name) was made by run \(runID) from \(source) at \(meta.version), which the journal \(journal.path) does not record (deleted or replaced, or another --state); \(serving)")
        }
        guard !lines.isEmpty else { return nil }
        return (lines.joined(separator: "; ") + "; `ferry rollback` needs that run's journal (restore the file to use it)", switched)
    }
}
