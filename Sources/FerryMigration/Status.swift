import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

/// The recovery states of a migration (after seed 001), from journal + cluster.
public enum MigrationState: String, Sendable {
    case preMigration = "Pre-Migration"
    case partialSchemaChange = "Partial Schema Change"
    case midReindex = "Mid-Reindex"
    case postReindexPreSwitch = "Post-Reindex Pre-Switch"
    case midSwitch = "Mid-Switch"
    case postSwitch = "Post-Switch"
    case cleanup = "Cleanup"
}

/// What `ferry status` tells: where the recipe's migration stands and what to do next.
public struct StatusReport: Sendable {
    public let recipe: String
    public let state: MigrationState
    public let run: RunRecord?
    public let totals: SliceTotals?
    public let deadLetters: Int
    public let readAliasIndices: [String]
    public let writeAliasIndices: [String]
    public let leaseHolder: String?
    public let explanation: String
    public let nextCommand: String

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "recipe": .string(recipe), "state": .string(state.rawValue),
            "read_alias": .array(readAliasIndices.map { .string($0) }),
            "write_alias": .array(writeAliasIndices.map { .string($0) }),
            "explanation": .string(explanation), "next": .string(nextCommand),
            "dead_letters": .int(Int64(deadLetters)),
            "lease_holder": leaseHolder.map { .string($0) } ?? .null,
        ]
        if let run {
            object["run"] = [
                "id": .string(run.runID), "phase": .string(run.phase.rawValue), "started_at": .string(run.startedAt),
                "updated_at": .string(run.updatedAt), "source": .string(run.plan.sourceIndex),
                "target": .string(run.plan.targetIndex), "from": .string(run.plan.sourceVersion),
                "to": .string(run.plan.targetVersion),
            ]
        }
        if let totals {
            object["progress"] = [
                "slices": .int(Int64(totals.slices)), "slices_done": .int(Int64(totals.done)),
                "read": .int(Int64(totals.read)), "written": .int(Int64(totals.written)),
                "dropped": .int(Int64(totals.dropped)), "failed": .int(Int64(totals.failed)),
            ]
        }
        return .object(object)
    }
}

/// `ferry status`, `ferry rollback`, `ferry cleanup` and `ferry deadletters`: the operator's view
/// of runs after the fact.
public struct Operations {
    public let recipe: Recipe
    public let journal: Journal
    let client: ClusterClient

    public init(recipe: Recipe, cluster: ClusterConfig, journal: Journal) throws {
        self.recipe = recipe
        self.journal = journal
        self.client = try ClusterClient(config: cluster)
    }

    public func status() throws -> StatusReport {
        let run = try journal.latestRun(recipe: recipe.name)
        let readIndices = try indices(of: recipe.readAlias)
        let writeIndices = try indices(of: recipe.writeAlias)
        let lease = try client.fetchDocument(index: Lease.index, id: recipe.readAlias).flatMap { doc -> String? in
            guard (doc.source["expires_at_ms"]?.intValue ?? 0) > Lease.nowMilliseconds() else { return nil }
            return doc.source["holder"]?.stringValue
        }
        let totals = try run.map { try journal.totals($0.runID) }
        let letters = try run.map { try journal.deadLetters($0.runID).count } ?? 0
        let name = recipe.name
        func report(_ state: MigrationState, _ explanation: String, _ next: String) -> StatusReport {
            StatusReport(
                recipe: name, state: state, run: run, totals: totals, deadLetters: letters,
                readAliasIndices: readIndices, writeAliasIndices: writeIndices, leaseHolder: lease,
                explanation: explanation, nextCommand: next)
        }

        guard let run, !(run.phase == .abandoned || run.phase == .rolledBack) else {
            let why = run.map { "the last run (\($0.runID)) was \($0.phase.rawValue.lowercased().replacingOccurrences(of: "_", with: " ")); " } ?? ""
            return report(.preMigration, "\(why)no migration in progress; \(recipe.readAlias) → \(readIndices.joined(separator: ", "))",
                          "ferry run \(name)")
        }
        let target = run.plan.targetIndex
        let source = run.plan.sourceIsConcrete ? (run.plan.preservedIndex ?? run.plan.sourceIndex) : run.plan.sourceIndex
        let targetExists = try client.indexExists(target)
        let readOnTarget = readIndices.contains(target)
        let writeOnTarget = writeIndices.contains(target) || (recipe.writeAlias == recipe.readAlias && readOnTarget)

        switch run.phase {
        case .validating where !targetExists:
            return report(.preMigration, "run \(run.runID) was validating; nothing was created", "ferry run \(name)")
        case .validating, .targetCreated:
            return report(.partialSchemaChange, "\(target) exists but no data has been copied", "ferry run \(name)  (or `ferry rollback \(name)` to delete \(target))")
        case .copying:
            let done = totals.map { "\($0.done) of \($0.slices) slices, \($0.written) documents written" } ?? ""
            return report(.midReindex, "copying \(run.plan.sourceIndex) → \(target): \(done)" + (lease == nil ? "; no runner holds the lease (interrupted)" : ""),
                          lease == nil ? "ferry run \(name)  (continues where it stopped)" : "wait: \(lease!) is running it")
        case .copied, .catchingUp, .frozen, .verified:
            if readOnTarget && writeOnTarget && readIndices == [target] {
                return report(.postSwitch, "the aliases point to \(target) but run \(run.runID) stopped before recording the switch",
                              "ferry run \(name)  (records the completion)")
            }
            if readOnTarget != writeOnTarget || readIndices.count > 1 {
                return report(.midSwitch, "aliases are split: \(recipe.readAlias) → \(readIndices.joined(separator: ", ")), \(recipe.writeAlias) → \(writeIndices.joined(separator: ", "))",
                              "ferry run \(name)  (completes the switch)  or  ferry rollback \(name)")
            }
            if run.phase == .frozen || run.phase == .verified {
                return report(.postReindexPreSwitch, "\(target) is copied; WRITES TO \(run.plan.sourceIndex) ARE BLOCKED (frozen for the switch) and the aliases still point to it",
                              "ferry run \(name)  now (finishes and switches)  or  ferry rollback \(name)  (lifts the block)")
            }
            return report(.postReindexPreSwitch, "\(target) is copied; the aliases still point to \(run.plan.sourceIndex)",
                          "ferry run \(name)  (catches up, verifies and switches)")
        case .switched, .completed:
            if readOnTarget != writeOnTarget {
                return report(.midSwitch, "aliases are split after the switch: \(recipe.readAlias) → \(readIndices.joined(separator: ", ")), \(recipe.writeAlias) → \(writeIndices.joined(separator: ", "))",
                              "ferry rollback \(name)  or fix the aliases by hand")
            }
            if try client.indexExists(source) {
                return report(.postSwitch, "\(recipe.readAlias) → \(target); the previous index \(source) is kept as the rollback point",
                              "ferry cleanup \(name) --older-than 7d  (or `ferry rollback \(name)`)")
            }
            return report(.cleanup, "\(recipe.readAlias) → \(target); the previous index is gone", "nothing to do")
        case .abandoned, .rolledBack:
            return report(.preMigration, "no migration in progress", "ferry run \(name)")
        }
    }

    private func indices(of alias: String) throws -> [String] {
        switch try client.resolve(alias) {
        case .alias(let indices): return indices.sorted()
        case .index: return [alias]
        case .missing: return []
        }
    }

    // MARK: Rollback

    /// Before the switch: abandons the run (deletes its new index). After: one atomic
    /// `_aliases` call back to the previous index, refusing when that index is gone.
    /// Returns a line describing what was done.
    public func rollback(cluster: ClusterConfig) throws -> String {
        guard let run = try journal.latestRun(recipe: recipe.name), !run.phase.isFinal || run.phase == .completed else {
            throw FerryError("nothing to roll back: recipe \(recipe.name) has no run in progress or completed",
                             hint: "`ferry status \(recipe.name)` shows where it stands")
        }
        let lease = try Lease.acquire(alias: recipe.readAlias, runID: "rollback-\(run.runID)", cluster: cluster, ttl: .seconds(60))
        defer { lease.release() }
        if run.phase < .switched {
            let migrator = try Migrator(recipe: recipe, cluster: cluster, journal: journal)
            try migrator.abandon(run, reason: "rolled back before the switch")
            return "abandoned run \(run.runID) before the switch; deleted \(run.plan.targetIndex); \(recipe.readAlias) still → \(run.plan.sourceIndex)"
        }
        guard run.plan.mode == MigrationMode.blueGreen.rawValue else {
            throw FerryError(
                "run \(run.runID) was \(run.plan.mode): there is no previous index holding the data to switch back to"
                    + (run.plan.mode == MigrationMode.inPlace.rawValue ? " (the documents were rewritten where they are)" : " (the old index was drained into the new one)"),
                hint: "migrate back with a recipe step from \(run.plan.targetVersion) to \(run.plan.sourceVersion)")
        }
        let previous = run.plan.sourceIsConcrete ? run.plan.preservedIndex! : run.plan.sourceIndex
        guard try client.indexExists(previous) else {
            throw FerryError("cannot roll back run \(run.runID): the previous index \(previous) is gone (cleaned up?)",
                             hint: "a new migration to the older version is the way back now")
        }
        // The rollback point is write-blocked after a blue-green switch; the application
        // writes to it again once the aliases point back.
        try client.putSettings(previous, body: ["index": ["blocks": ["write": .null]]])
        var actions: [AliasAction] = [.remove(index: run.plan.targetIndex, alias: recipe.readAlias)]
        if recipe.writeAlias != recipe.readAlias {
            actions.append(.remove(index: run.plan.targetIndex, alias: recipe.writeAlias))
            actions.append(.add(index: previous, alias: recipe.readAlias, isWriteIndex: nil))
            actions.append(.add(index: previous, alias: recipe.writeAlias, isWriteIndex: true))
        } else {
            actions.append(.add(index: previous, alias: recipe.readAlias, isWriteIndex: true))
        }
        try client.updateAliases(actions)
        try journal.setPhase(run.runID, .rolledBack, "aliases switched back to \(previous)")
        return "rolled back run \(run.runID): \(recipe.readAlias) and \(recipe.writeAlias) → \(previous); \(run.plan.targetIndex) is kept (writes made to it since the switch are not in \(previous))"
    }

    // MARK: Cleanup

    public struct CleanupCandidate: Sendable {
        public let index: String
        public let ageDays: Double
        public let deletable: Bool
        public let reason: String
    }

    /// Superseded indices of this recipe (created by ferry, named `<read alias>-…`): deletable
    /// when no alias points to them, no unfinished run uses them, and they are older than
    /// `olderThan`.
    public func cleanupCandidates(olderThan: Duration) throws -> [CleanupCandidate] {
        let rows = try client.request(.GET, RequestPath(["_cat", "indices", "\(recipe.readAlias)-*"], query: [("format", "json"), ("h", "index,creation.date")]))
            .json().arrayValue ?? []
        if let lease = try client.fetchDocument(index: Lease.index, id: recipe.readAlias),
           (lease.source["expires_at_ms"]?.intValue ?? 0) > Lease.nowMilliseconds() {
            throw FerryError("a runner holds the lease on '\(recipe.readAlias)' (\(lease.source["holder"]?.stringValue ?? "unknown")): not cleaning up during a run")
        }
        let open = try journal.unfinishedRun(recipe: recipe.name)
        let busy = Set([open?.plan.targetIndex, open?.plan.sourceIndex, open?.plan.preservedIndex].compactMap { $0 })
        // Retention runs from when an index stopped serving (the run that replaced it ended),
        // not from its creation: an old source is otherwise past retention the day it is replaced.
        var supersededAt: [String: Double] = [:]
        for run in try journal.runs(recipe: recipe.name, limit: 1000) where run.phase == .completed || run.phase == .rolledBack {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let at = formatter.date(from: run.updatedAt)?.timeIntervalSince1970 else { continue }
            let replaced = run.phase == .completed ? run.plan.sourceIndex : run.plan.targetIndex
            supersededAt[replaced] = max(supersededAt[replaced] ?? 0, at * 1000)
        }
        let now = Date().timeIntervalSince1970 * 1000
        var out: [CleanupCandidate] = []
        for row in rows {
            guard let index = row["index"]?.stringValue else { continue }
            guard try client.getMapping(index)["_meta"]?["ferry"]?["recipe"]?.stringValue == recipe.name else { continue }
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

    /// Deletes one candidate, checking again that no alias points to it.
    public func delete(_ candidate: CleanupCandidate) throws {
        guard candidate.deletable, try client.aliasesOfIndex(candidate.index).isEmpty else {
            throw FerryError("not deleting \(candidate.index): an alias points to it now")
        }
        try client.deleteIndex(candidate.index)
    }

    // MARK: Evidence

    /// Writes what an incident review needs: indices, aliases, health, mappings and settings of
    /// the recipe's indices, and the journal's runs, events and dead letters.
    public func saveEvidence(to folder: String, status: StatusReport) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written: [String] = []
        func save(_ name: String, _ value: JSONValue) throws {
            let path = "\(folder)/\(name)"
            try Data(value.serializedBytes(sortedKeys: true)).write(to: URL(fileURLWithPath: path))
            written.append(path)
        }
        func get(_ segments: [String], _ query: [(String, String)] = []) -> JSONValue {
            (try? client.request(.GET, RequestPath(segments, query: query)).json()) ?? .null
        }
        try save("status.json", status.json)
        try save("indices.json", get(["_cat", "indices"], [("format", "json")]))
        try save("aliases.json", get(["_alias"]))
        try save("health.json", get(["_cluster", "health"]))
        try save("mappings.json", get(["\(recipe.readAlias)*", "_mapping"]))
        try save("settings.json", get(["\(recipe.readAlias)*", "_settings"]))
        var runs: [JSONValue] = []
        for run in try journal.runs(recipe: recipe.name) {
            let events = try journal.events(run.runID).map { JSONValue.object(["at": .string($0.at), "phase": .string($0.phase), "message": .string($0.message)]) }
            let letters = try journal.deadLetters(run.runID, limit: 1000).map { l -> JSONValue in
                ["id": .string(l.id), "stage": .string(l.stage), "location": .string(l.location), "type": .string(l.errorType),
                 "status": l.status.map { .int(Int64($0)) } ?? .null, "message": .string(l.message)]
            }
            let totals = try journal.totals(run.runID)
            runs.append([
                "id": .string(run.runID), "phase": .string(run.phase.rawValue), "started_at": .string(run.startedAt),
                "updated_at": .string(run.updatedAt), "fingerprint": .string(run.fingerprint), "plan": run.plan.json,
                "slices": .int(Int64(totals.slices)), "slices_done": .int(Int64(totals.done)),
                "events": .array(events), "dead_letters": .array(letters),
            ])
        }
        try save("journal.json", .array(runs))
        return written
    }
}
