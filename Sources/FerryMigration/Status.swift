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
    public var explanation: String
    public var nextCommand: String
    /// Indices the application writes to whose writes are blocked (setting or journal).
    public var writesBlocked: [String] = []
    /// What the passes after the first copy did, by kind (catch-up, frozen pass, dead-letter
    /// retry, …): `totals` holds the first copy's slices only.
    public var passes: [PassTotals] = []

    /// Documents written by every pass of the run.
    public var writtenInAll: Int { (totals?.written ?? 0) + passes.reduce(0) { $0 + $1.written } }
    /// Documents dropped by the steps in every pass of the run.
    public var droppedInAll: Int { (totals?.dropped ?? 0) + passes.reduce(0) { $0 + $1.dropped } }

    /// "written 20000" after the first copy alone, else by pass (see `PassTotals.writtenText`).
    public var writtenText: String { PassTotals.writtenText(copy: totals?.written ?? 0, later: passes) }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "recipe": .string(recipe), "state": .string(state.rawValue),
            "read_alias": .array(readAliasIndices.map { .string($0) }),
            "write_alias": .array(writeAliasIndices.map { .string($0) }),
            "explanation": .string(explanation), "next": .string(nextCommand),
            "dead_letters": .int(Int64(deadLetters)),
            "lease_holder": leaseHolder.map { .string($0) } ?? .null,
            "writes_blocked": .array(writesBlocked.map { .string($0) }),
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
            // The same counts by pass: "copy" is the first copy's slices.
            var byPass: [String: JSONValue] = [
                "copy": ["passes": 1, "read": .int(Int64(totals.read)), "written": .int(Int64(totals.written)), "dropped": .int(Int64(totals.dropped))],
            ]
            for pass in passes {
                let counts: [String: JSONValue] = [
                    "passes": .int(Int64(pass.passes)), "read": .int(Int64(pass.read)), "written": .int(Int64(pass.written)),
                    "dropped": .int(Int64(pass.dropped)), "failed": .int(Int64(pass.failed)),
                ]
                byPass[pass.kind] = .object(counts)
            }
            let progress: [String: JSONValue] = [
                "slices": .int(Int64(totals.slices)), "slices_done": .int(Int64(totals.done)),
                "read": .int(Int64(totals.read)), "written": .int(Int64(writtenInAll)),
                "dropped": .int(Int64(droppedInAll)), "dead_letters": .int(Int64(deadLetters)),
                "by_pass": .object(byPass),
            ]
            object["progress"] = .object(progress)
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

    /// Where the run stands by its phase (see `status()`, which adds the write block).
    func phaseStatus() throws -> StatusReport {
        let run = try runToRollBack()  // an abandoned rollback run stands for the run it undoes
        let readIndices = try indices(of: recipe.readAlias)
        let writeIndices = try indices(of: recipe.writeAlias)
        // The same rule `ferry run` applies to take over: a holder is live until its lease
        // expires or, on this host, its process is gone.
        let holder = try Lease.holder(of: recipe.readAlias, client: client)
        let lease = holder.flatMap { $0.isLive ? $0.name : nil }
        let gone = holder.flatMap { $0.isDeadHere ? "; its runner (\($0.name)) is gone, so the next `ferry run` takes over at once" : nil } ?? ""
        let totals = try run.map { try journal.totals($0.runID) }
        let passes = try run.map { try journal.passTotals($0.runID) } ?? []
        let letters = try run.map { try journal.deadLetters($0.runID).count } ?? 0
        let name = recipe.name
        // What the run's mode adds (e.g. write-new-first: where the application writes now).
        let note = run.flatMap { MigrationMode(record: $0.plan).strategy.statusNote($0, recipe: recipe) }
        func report(_ state: MigrationState, _ explanation: String, _ next: String) -> StatusReport {
            StatusReport(
                recipe: name, state: state, run: run, totals: totals, deadLetters: letters,
                readAliasIndices: readIndices, writeAliasIndices: writeIndices, leaseHolder: lease,
                explanation: note.map { "\(explanation); \($0)" } ?? explanation, nextCommand: next, passes: passes)
        }

        guard let run, !(run.phase == .abandoned || run.phase == .rolledBack) else {
            let why = run.map { "the last run (\($0.runID)) was \($0.phase.rawValue.lowercased().replacingOccurrences(of: "_", with: " ")); " } ?? ""
            let missing = try run == nil ? runsMissingFromJournal(readIndices: readIndices) : nil
            let lost = missing.map { "\($0.text); " } ?? ""
            if let step = try nextWithoutRun(readIndices: readIndices) {
                let state: MigrationState = missing?.switched == true ? .postSwitch : .preMigration
                return report(state, "\(lost)\(why)\(state == .preMigration ? "no migration in progress; " : "")\(step.explanation)", step.command)
            }
            return report(.preMigration, "\(lost)\(why)no migration in progress; \(recipe.readAlias) → \(readIndices.joined(separator: ", "))",
                          "ferry run \(name) --yes")
        }
        if run.plan.rollbackOf != nil, !run.phase.isFinal {
            return rollbackRunReport(run, readIndices: readIndices, report)
        }
        let target = run.plan.targetIndex
        // A resumed run has --max-errors 0 unless told: with dead letters it would stop again.
        let runAgain = "ferry run \(name) --yes" + (letters > 0 ? " --max-errors \(letters)" : "")
        let source = run.plan.sourceIsConcrete ? (run.plan.preservedIndex ?? run.plan.sourceIndex) : run.plan.sourceIndex
        let targetExists = try client.indexExists(target)
        let readOnTarget = readIndices.contains(target)
        let writeOnTarget = writeIndices.contains(target) || (recipe.writeAlias == recipe.readAlias && readOnTarget)

        switch run.phase {
        case .validating where !targetExists:
            return report(.preMigration, "run \(run.runID) was validating; nothing was created", "\(runAgain)  (continues it)")
        case .validating, .targetCreated:
            return report(.partialSchemaChange, "\(target) exists but no data has been copied", "\(runAgain)  (or `ferry rollback \(name) --yes` to delete \(target))")
        case .copying:
            let done = totals.map { "\($0.done) of \($0.slices) slices, \($0.written) documents written" } ?? ""
            return report(.midReindex, "copying \(run.plan.sourceIndex) → \(target): \(done)" + (lease == nil ? "; no runner holds the lease (interrupted)\(gone)" : "")
                            + (letters > 0 ? "; \(letters) dead letter\(letters == 1 ? "" : "s") so far (a run switches only with at most --max-errors of them)" : ""),
                          lease == nil ? "\(runAgain)  (continues where it stopped)" : "wait: \(lease!) is running it")
        case .copied, .catchingUp, .frozen, .verified:
            if readOnTarget && writeOnTarget && readIndices == [target] {
                return report(.postSwitch, "the aliases point to \(target) but run \(run.runID) stopped before recording the switch",
                              "\(runAgain)  (records the completion)")
            }
            if readOnTarget != writeOnTarget || readIndices.count > 1 {
                return report(.midSwitch, "aliases are split: \(recipe.readAlias) → \(readIndices.joined(separator: ", ")), \(recipe.writeAlias) → \(writeIndices.joined(separator: ", "))",
                              "\(runAgain)  (completes the switch)  or  ferry rollback \(name) --yes")
            }
            if run.phase == .frozen || run.phase == .verified {
                // Whether writes are blocked is read from the index and the journal: see `status()`.
                return report(.postReindexPreSwitch, "\(target) is copied and was being checked for the switch; the aliases still point to \(run.plan.sourceIndex)",
                              "\(runAgain)  (finishes and switches)  or  ferry rollback \(name) --yes")
            }
            return report(.postReindexPreSwitch, "\(target) is copied; the aliases still point to \(run.plan.sourceIndex)",
                          "\(runAgain)  (catches up, verifies and switches)")
        case .switched, .completed:
            if readOnTarget != writeOnTarget {
                return report(.midSwitch, "aliases are split after the switch: \(recipe.readAlias) → \(readIndices.joined(separator: ", ")), \(recipe.writeAlias) → \(writeIndices.joined(separator: ", "))",
                              "ferry rollback \(name) --yes  or fix the aliases by hand")
            }
            if try client.indexExists(source) {
                return report(.postSwitch, "\(recipe.readAlias) → \(target); the previous index \(source) is kept as the rollback point",
                              "ferry cleanup \(name) --older-than 7d --yes  (deletes it once 7 days have passed)  or  ferry rollback \(name) --yes")
            }
            return report(.cleanup, "\(recipe.readAlias) → \(target); the previous index is gone", "nothing to do")
        case .abandoned, .rolledBack:
            return report(.preMigration, "no migration in progress", "ferry run \(name) --yes")
        }
    }

    private func indices(of alias: String) throws -> [String] {
        switch try client.resolve(alias) {
        case .alias(let indices): return indices.sorted()
        case .index: return [alias]
        case .missing: return []
        }
    }
}
