import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

extension Operations {
    public struct CleanupCandidate: Sendable {
        public let index: String
        public let ageDays: Double
        public let deletable: Bool
        public let reason: String
    }

    /// Superseded indices of this recipe (created by ferry, named `<read alias>-…`; for an index
    /// family also the members its runs replaced, which the application's template made):
    /// deletable when no alias points to them, no unfinished run uses them, and they are older
    /// than `olderThan`.
    public func cleanupCandidates(olderThan: Duration) throws -> [CleanupCandidate] {
        let pattern = recipe.family?.pattern ?? "\(recipe.readAlias)-*"
        let rows = try client.request(.GET, RequestPath(["_cat", "indices", pattern], query: [("format", "json"), ("h", "index,creation.date")]))
            .json().arrayValue ?? []
        if let holder = try Lease.liveHolder(of: recipe.readAlias, client: client) {
            throw FerryError("a runner holds the lease on '\(recipe.readAlias)' (\(holder.name)): not cleaning up during a run",
                             hint: "wait for it to finish (`ferry status \(recipe.name)`)")
        }
        let open = try journal.unfinishedRun(recipe: recipe.name)
        let busy = Set([open?.plan.targetIndex, open?.plan.sourceIndex, open?.plan.preservedIndex].compactMap { $0 })
        // Retention runs from when an index stopped serving (the run that replaced it ended),
        // not from its creation: an old source is otherwise past retention the day it is replaced.
        var supersededAt: [String: Double] = [:]
        for run in try journal.runs(recipe: recipe.name, limit: 1000) where run.phase == .completed || run.phase == .rolledBack {
            guard let at = ISODate.date(from: run.updatedAt)?.timeIntervalSince1970 else { continue }
            let replaced = run.phase == .completed ? run.plan.sourceIndex : run.plan.targetIndex
            supersededAt[replaced] = max(supersededAt[replaced] ?? 0, at * 1000)
        }
        let now = Date().timeIntervalSince1970 * 1000
        var out: [CleanupCandidate] = []
        for row in rows {
            guard let index = row["index"]?.stringValue else { continue }
            // A family member ferry replaced is the family's even when the application's
            // template made it (no _meta.ferry): the journal names it.
            let replacedMember = recipe.family != nil && supersededAt[index] != nil
            guard try replacedMember || FerryMeta(mapping: client.getMapping(index))?.recipe == recipe.name else { continue }
            let created = Double(row["creation.date"]?.stringValue ?? "") ?? now
            let age = (now - (supersededAt[index] ?? created)) / 86_400_000
            let aliases = try client.aliasesOfIndex(index)
            let reason: String
            if !aliases.isEmpty {
                reason = "in use: aliases \(aliases.joined(separator: ", "))"
            } else if busy.contains(index) {
                reason = "used by unfinished run \(open!.runID)"
            } else if age * 86_400 < olderThan / .seconds(1) {
                reason = String(format: "kept: %.1f days old, retention not reached", age)
            } else {
                reason = String(format: "superseded, %.1f days old", age)
                out.append(CleanupCandidate(index: index, ageDays: age, deletable: true, reason: reason))
                continue
            }
            out.append(CleanupCandidate(index: index, ageDays: age, deletable: false, reason: reason))
        }
        return out.sorted { $0.index < $1.index }
    }

    /// Deletes one candidate, checking again that no alias points to it, and then that the
    /// cluster no longer has it (what `ferry cleanup` prints as deleted).
    public func delete(_ candidate: CleanupCandidate) throws {
        guard candidate.deletable, try client.aliasesOfIndex(candidate.index).isEmpty else {
            throw FerryError("not deleting \(candidate.index): an alias points to it now")
        }
        try client.deleteIndex(candidate.index)
        guard try !client.indexExists(candidate.index) else {
            throw FerryError("DELETE \(candidate.index) was acknowledged but the cluster still has the index")
        }
    }
}
