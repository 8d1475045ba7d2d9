/// Rollback after a switch for one (old index, new index) pair — the unit an index family calls
/// per member. With nothing changed in the new index since the switch: the alias flip. With
/// changes and reverse steps: a rollback run (`ReverseStrategy`). With changes and no reverse
/// steps: a refusal naming the two ways on, or, with `--discard-writes-since-switch`, the flip
/// and an NDJSON file of the ids left behind.
import Foundation
import FerryCluster
import FerryCore
import FerryRecipes
import FerryJournal
import FerryPipeline

public struct RollbackOptions: Sendable {
    /// Roll back without reverse steps, leaving the writes since the switch in the new index.
    public var discardWritesSinceSwitch = false
    /// Where the discarded ids go (default: next to the journal).
    public var discardedIDsPath: String? = nil
    /// Give up an unfinished rollback run (its copies back stay) and start the rollback over.
    public var restart = false
    /// Workers, writers, `--max-errors` and catch-up limits of the rollback run.
    public var run = RunOptions()
    /// Shared with the SIGINT/SIGTERM handler (`Operations.rollbackInterrupter`).
    public var freezeGuard = FreezeGuard()

    public init() {
        run.slices = 1
        run.verifySample = 0
    }
}

/// What a rollback did, with the figures its report gives.
public struct RollbackOutcome: Sendable {
    public enum Kind: String, Sendable { case abandoned, flipped, discarded, reversed }
    public var kind: Kind
    public var lines: [String] = []
    /// In the new index since the switch (at the first look): written or updated, deleted.
    public var writtenSinceSwitch: Int? = nil
    public var deletedSinceSwitch: Int? = nil
    public var broughtBack = 0
    public var deleted = 0
    public var dropped = 0
    public var failed = 0
    public var freezeMilliseconds: Int? = nil
    public var seconds = 0.0
    public var discardedFile: String? = nil
    public var rollbackRunID: String? = nil

    public var summary: String { lines.joined(separator: "\n") }
}

struct PairRollback {
    let forward: RunRecord
    let old: String
    let new: String
    let recipe: Recipe
    let cluster: ClusterConfig
    let journal: Journal
    let client: ClusterClient
    let say: (String) -> Void
    let progress: (String, CopyCounts) -> Void
    /// Set when the pair is a member of an index family (see `FamilyRollback`): only this
    /// member moves inside the family aliases.
    var member: FamilyMemberContext? = nil
    /// The family rollback's lease, held across its members: used instead of taking one.
    var heldLease: Lease? = nil

    func rollBack(_ options: RollbackOptions) throws -> RollbackOutcome {
        let began = Date()
        guard try client.indexExists(old) else {
            throw FerryError("cannot roll back run \(forward.runID): the previous index \(old) is gone (cleaned up?)",
                             hint: "a new migration to the older version is the way back now")
        }
        let lease = try heldLease ?? Lease.acquire(alias: recipe.readAlias, runID: "rollback-\(forward.runID)", cluster: cluster, ttl: .seconds(60))
        var leaseHeld = heldLease == nil  // ours to release
        defer { if leaseHeld { lease.release() } }
        let block = RollbackFreeze.writeBlock(client, cluster, journal, options.freezeGuard, say: say)

        // Taken before the look: whatever changes in the new index from here is above it.
        let selector = DeltaSelector.choose(recipe: recipe, client: client, source: new)
        let checkpoint = try selector.checkpointNow(client: client, source: new)
        var delta = try changedSinceSwitch()
        var frozen = false
        if delta.size == 0 {
            // Nothing to bring back, as far as a look without the freeze can tell: freeze the
            // new index and make sure nothing changed since, so no write slips in before the
            // flip — by the checkpoint and a count when the cluster allows, else exactly.
            try RollbackFreeze.freeze(new, block, record: forward)
            frozen = true
            if try !unchanged(since: checkpoint, selector, listed: delta.sourceCount) {
                delta = try changedSinceSwitch(exact: true)
            }
        }
        var outcome = RollbackOutcome(kind: .reversed)
        outcome.writtenSinceSwitch = delta.toCopy.count + delta.lowerVersion.count
        outcome.deletedSinceSwitch = delta.toDelete.count
        do {
            if delta.size == 0 {
                try flip(options.freezeGuard)
                outcome.kind = .flipped
                outcome.lines = ["rolled back run \(forward.runID): nothing changed in \(new) since the switch; \(try aliasesBack()) (one _aliases call); \(new) is kept, write-blocked"]
                outcome.seconds = Date().timeIntervalSince(began)
                return outcome
            }
            let steps: [StepSpec]
            do {
                steps = try recipe.graph.path(from: forward.plan.targetVersion, to: forward.plan.sourceVersion)
            } catch {
                guard options.discardWritesSinceSwitch else { throw refusal(delta, cause: error) }
                if !frozen {
                    try RollbackFreeze.freeze(new, block, record: forward)
                    frozen = true
                    delta = try changedSinceSwitch(exact: true)
                }
                let file = try writeDiscarded(delta, path: options.discardedIDsPath)
                try flip(options.freezeGuard)
                outcome.kind = .discarded
                outcome.writtenSinceSwitch = delta.toCopy.count + delta.lowerVersion.count
                outcome.deletedSinceSwitch = delta.toDelete.count
                outcome.discardedFile = file
                outcome.lines = [
                    "rolled back run \(forward.runID) discarding the writes since the switch: \(try aliasesBack())",
                    "left behind in \(new) (write-blocked): \(outcome.writtenSinceSwitch!) document(s) written or updated, \(outcome.deletedSinceSwitch!) deleted there but back in \(old); ids in \(file)",
                ]
                outcome.seconds = Date().timeIntervalSince(began)
                return outcome
            }
            if frozen {
                try RollbackFreeze.unfreeze(new, block, record: forward)
                frozen = false
            }
            let (record, plan) = try beginRun(steps: steps)
            if leaseHeld { lease.release() }
            leaseHeld = false
            var result = try execute(record, plan, options: options)
            result.writtenSinceSwitch = outcome.writtenSinceSwitch
            result.deletedSinceSwitch = outcome.deletedSinceSwitch
            result.seconds = Date().timeIntervalSince(began)
            return result
        } catch {
            // The application writes to the new index until the aliases move: never leave it blocked.
            if frozen, (try? switchedBack()) != true {
                do { try RollbackFreeze.unfreeze(new, block, record: forward) } catch {
                    say("COULD NOT LIFT THE WRITE BLOCK on \(new): \(error); PUT \(new)/_settings {\"index.blocks.write\": null}")
                }
            }
            throw error
        }
    }

    /// Documents of the new index written, updated or deleted since the switch: the new index
    /// holds every document at the version it had in the old one (the forward copy wrote it
    /// with that version) unless the application changed it since; documents the forward run
    /// dropped are in the old index only and do not count.
    func changedSinceSwitch(exact: Bool = false) throws -> Delta {
        try client.refresh(new)
        try client.refresh(old)
        return try DeltaScanner(client: client, journal: journal, runID: "", keptInTarget: forward.runID)
            .scan(source: new, target: old, exact: exact)
    }

    /// Under the flip's freeze: nothing in the new index is above the checkpoint taken before
    /// the look that found no change, and it still holds the documents that look listed (a
    /// delete leaves nothing to select, but lowers the count). False when it cannot tell.
    private func unchanged(since checkpoint: String?, _ selector: DeltaSelector, listed: Int) throws -> Bool {
        guard let checkpoint, let query = selector.query(since: checkpoint) else { return false }
        try client.refresh(new)
        let changed = try client.count(new, query: query)
        let count = try client.count(new)
        say("checked under the freeze of \(new) by \(selector.summary): \(changed) changed since the look, \(count) of \(listed) documents there")
        return changed == 0 && count == listed
    }

    /// Lifts the old index's block and moves both aliases back in one call (a family member:
    /// the member back inside the family aliases), under the guard (a signal arriving
    /// meanwhile waits, then finds the switch back done).
    private func flip(_ freezeGuard: FreezeGuard) throws {
        try freezeGuard.whileNotInterrupted {
            try client.unblockWrites(old)
            try journal.event(forward.runID, .switched, "block lifted on \(old): the switch back")
            let actions = AliasActions(recipe: recipe)
            if let member {
                // After a rollover the new index may sit in the write alias as a non-write index:
                // the old one takes that place, not the write index (two would be refused).
                let isWriteIndex = try member.holdsWriteAlias && FamilyDiscovery.writeIndices(client: client, recipe: recipe).contains(new)
                let swap = actions.swapMember(
                    new, to: old, movesWrites: member.holdsWriteAlias, isWriteIndex: isWriteIndex,
                    memberAliases: try client.aliasesOfIndex(new), targetAliases: try client.aliasesOfIndex(old))
                if !swap.isEmpty { try client.updateAliases(swap) }
            } else {
                try client.updateAliases(actions.switchBack(from: new, to: old))
            }
            // The new index stays blocked: no longer the signal handler's to lift.
            freezeGuard.blockLifted()
        }
        try journal.setPhase(forward.runID, .rolledBack, "aliases switched back to \(old)")
    }

    /// Whether the aliases already point back to the old index, as the cluster says: the read
    /// alias names only it, or, for a family member, names it and no longer the new index.
    func switchedBack() throws -> Bool {
        let now = try client.resolve(recipe.readAlias)
        return member == nil ? now == .alias(indices: [old]) : now.hasSwitched(from: new, to: old)
    }

    /// Where the aliases went back, for the report: for a family member, whether the write
    /// alias came along is asked of the cluster (it stays on a newer month that took it since).
    func aliasesBack() throws -> String {
        guard member != nil else { return "\(recipe.readAlias) and \(recipe.writeAlias) → \(old)" }
        let write = try recipe.writeAlias != recipe.readAlias && client.aliasesOfIndex(old).contains(recipe.writeAlias)
        return "\(recipe.readAlias)\(write ? " and \(recipe.writeAlias)" : "") → \(old) instead of \(new)"
    }

    private func refusal(_ delta: Delta, cause: any Error) -> FerryError {
        let (from, to) = (forward.plan.targetVersion, forward.plan.sourceVersion)
        return FerryError(
            "refusing to roll back run \(forward.runID): \(delta.toCopy.count + delta.lowerVersion.count + delta.toDelete.count) document(s) changed in \(new) since the switch (\(delta.toCopy.count + delta.lowerVersion.count) written or updated, \(delta.toDelete.count) deleted) and the recipe cannot take them back to \(to) (\(cause)); nothing was changed",
            hint: "either add reverse steps to \(recipe.folder)/recipe.lua (e.g. { from = \"\(from)\", to = \"\(to)\", script = \"steps/...\" }; see docs/lua-api.md) and run `ferry rollback \(recipe.name)` again, "
                + "or run `ferry rollback \(recipe.name) --discard-writes-since-switch`, which leaves those writes in \(new) and lists their ids in an NDJSON file")
    }

    /// One line per id left behind: `{"id": ..., "change": "written" | "deleted", "index": new}`.
    private func writeDiscarded(_ delta: Delta, path: String?) throws -> String {
        let file = path ?? ((journal.path as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("rollback-\(forward.runID)-discarded.ndjson")
        var text = ""
        for (ids, change) in [(delta.toCopy + delta.lowerVersion, "written"), (delta.toDelete, "deleted")] {
            for id in ids.sorted() {
                let line: JSONValue = ["id": .string(id), "change": .string(change), "index": .string(new)]
                text += line.serialized(sortedKeys: true) + "\n"
            }
        }
        do {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            throw FerryError("cannot write the discarded ids to \(file): \(error); nothing was rolled back")
        }
        return file
    }
}
