/// `ferry rollback <family recipe>`: every switched member back, newest first, each through
/// `PairRollback` (flip, reverse steps over the delta, or refusal / discard), members of an
/// unfinished family run that never switched abandoned like a single unfinished run; then the
/// template the family run replaced is restored (or deleted when there was none). Each member
/// is journaled as it comes back, so the same command after a kill finishes the rest.
import Foundation
import FerryCluster
import FerryCore
import FerryJournal
import FerryPipeline

/// The pair is a member of an index family: its family run, and whether it held the write
/// alias (only then does the write alias move with it).
struct FamilyMemberContext: Sendable {
    let familyRunID: String
    let holdsWriteAlias: Bool
}

public struct FamilyRollbackOptions: Sendable {
    /// Only this member (its name, or its new index's); the template stays.
    public var member: String? = nil
    /// The rules each member's rollback follows (`--discard-writes-since-switch`, `--restart`, ...).
    public var pair = RollbackOptions()

    public init() {}
}

/// What a family rollback did: per member, then the template, then the totals.
public struct FamilyRollbackOutcome: Sendable {
    public struct Member: Sendable {
        public let member: String
        /// What the member's rollback did; nil when there was nothing to do (`line` says why).
        public let outcome: RollbackOutcome?
        public let line: String
    }

    public var familyRunID: String
    public var members: [Member] = []
    public var template: String = ""

    /// Documents brought back, deleted, dropped, failed and left behind, over every member.
    public var totals: String {
        let done = members.compactMap(\.outcome)
        func sum(_ f: (RollbackOutcome) -> Int) -> Int { done.reduce(0) { $0 + f($1) } }
        let counted = Dictionary(grouping: done, by: \.kind).mapValues(\.count)
        let kinds = [(RollbackOutcome.Kind.flipped, "flipped back"), (.reversed, "through the reverse steps"), (.discarded, "discarding writes"), (.abandoned, "abandoned before their switch")]
            .compactMap { kind, text in counted[kind].map { "\($0) \(text)" } }
        let discarded = done.filter { $0.kind == .discarded }.reduce(0) { $0 + ($1.writtenSinceSwitch ?? 0) + ($1.deletedSinceSwitch ?? 0) }
        let before = members.filter { $0.outcome == nil && $0.line.hasPrefix("already rolled back") }.count
        return "family run \(familyRunID): \(done.count) member(s) rolled back" + (kinds.isEmpty ? "" : " (\(kinds.joined(separator: ", ")))")
            + (before > 0 ? ", \(before) already back before" : "")
            + "; brought back \(sum(\.broughtBack)) document(s), deleted \(sum(\.deleted)), dropped \(sum(\.dropped)), failed \(sum(\.failed))"
            + (discarded > 0 ? "; left behind \(discarded) write(s) since the switch" : "")
    }
}

extension Operations {
    /// Rolls the recipe's latest family run back: members newest first, then the template.
    public func rollbackFamily(
        cluster: ClusterConfig, options: FamilyRollbackOptions, say: @escaping (String) -> Void = { _ in },
        progress: @escaping (String, CopyCounts) -> Void = { _, _ in }
    ) throws -> FamilyRollbackOutcome {
        guard recipe.family != nil else { throw FerryError("recipe \(recipe.name) is not an index family (no `family` in recipe.lua)") }
        guard let run = try journal.latestFamilyRun(recipe: recipe.name) else {
            throw FerryError("nothing to roll back: recipe \(recipe.name) has no family run in the journal \(journal.path)",
                             hint: "`ferry status \(recipe.name)` shows where the family stands")
        }
        guard run.phase != .rolledBack else {
            throw FerryError("nothing to roll back: family run \(run.familyRunID) of \(recipe.name) was rolled back already",
                             hint: "`ferry status \(recipe.name)` shows the members")
        }
        var members = try journal.members(of: run.familyRunID)
        if let name = options.member {
            guard let one = members.first(where: { $0.member == name || $0.targetIndex == name }) else {
                throw FerryError("--member \(name): not a member of family run \(run.familyRunID) (members: \(members.map(\.member).joined(separator: ", ")))",
                                 hint: "`ferry status \(recipe.name)` lists the members")
            }
            members = [one]
        }
        // One lease for the whole rollback: no `ferry run` continues the family between members.
        let lease = try Lease.acquire(alias: recipe.readAlias, runID: "rollback-\(run.familyRunID)", cluster: cluster, ttl: .seconds(60))
        defer { lease.release() }
        var outcome = FamilyRollbackOutcome(familyRunID: run.familyRunID)
        for member in members.sorted(by: { $0.position > $1.position }) {
            do {
                try lease.check()
                let done = try rollBackMember(member, run: run, lease: lease, cluster: cluster, options: options, say: say, progress: progress)
                say("\(member.member): \(done.line)")
                outcome.members.append(done)
                Failpoints.hit("family-rollback:member-done")
            } catch {
                let back = outcome.members.filter { $0.outcome != nil }.map(\.member)
                say("family rollback stopped at member \(member.member)"
                    + (back.isEmpty ? "" : "; rolled back before it: \(back.joined(separator: ", "))")
                    + "; the template is unchanged; run the same command again to continue")
                throw error
            }
        }
        if options.member == nil {
            try lease.check()
            outcome.template = try restoreTemplate(run)
        } else {
            outcome.template = try templateStaysLine(run)
        }
        return outcome
    }

    /// One member back, by where its unit run stands.
    private func rollBackMember(
        _ m: FamilyMemberRecord, run: FamilyRunRecord, lease: Lease, cluster: ClusterConfig, options: FamilyRollbackOptions,
        say: @escaping (String) -> Void, progress: @escaping (String, CopyCounts) -> Void
    ) throws -> FamilyRollbackOutcome.Member {
        guard let unitID = m.runID, let unit = try journal.run(id: unitID) else {
            return .init(member: m.member, outcome: nil, line: m.state == .skipped ? "skipped by the run (\(m.note ?? "already at the target version")); nothing to roll back" : "not started; nothing to roll back")
        }
        let context = FamilyMemberContext(familyRunID: run.familyRunID, holdsWriteAlias: m.holdsWriteAlias)
        var pairOptions = options.pair
        if let path = options.pair.discardedIDsPath, options.member == nil {
            pairOptions.discardedIDsPath = Self.perMember(path, m.member)
        }
        // An unfinished rollback run of this member (killed, or stopped): continue it.
        if let open = try journal.runs(recipe: recipe.name, limit: 1_000).first(where: { $0.plan.rollbackOf == unitID && !$0.phase.isFinal }) {
            if pairOptions.restart {
                try abandonRollback(open, cluster: cluster, member: context, heldLease: lease, freezeGuard: pairOptions.freezeGuard, say: say)
            } else {
                let done = try resumeRollback(
                    open, cluster: cluster, options: pairOptions, member: context, heldLease: lease, say: say, progress: progress)
                return try finished(m, run: run, done)
            }
        }
        let (member, new) = (unit.plan.sourceIndex, unit.plan.targetIndex)
        let read = try client.resolve(recipe.readAlias)
        switch unit.phase {
        case .rolledBack:
            try markRolledBack(m, run: run, note: "rolled back")
            guard case .alias(let indices) = read, indices.contains(member) else {
                return .init(member: m.member, outcome: nil, line: "already rolled back (run \(unitID)), but \(recipe.readAlias) does not name \(member) now (changed by hand?)")
            }
            return .init(member: m.member, outcome: nil, line: "already rolled back (run \(unitID)); \(recipe.readAlias) names \(member)")
        case .abandoned:
            return .init(member: m.member, outcome: nil, line: "its run \(unitID) was abandoned before the switch; nothing to roll back")
        case let phase where phase < .switched && !read.hasSwitched(from: member, to: new):
            // Never switched. The aliases an index template gave the new index at its creation
            // (a kill before the run took them off) would keep it from being deleted.
            if try client.indexExists(new) { try RunScope.removeAliases(of: new, client: client, say: say) }
            let migrator = try Migrator(recipe: recipe, cluster: cluster, journal: journal)
            migrator.say = say
            let deleted = try migrator.abandon(unit, reason: "family rollback before the member's switch")
            var abandoned = RollbackOutcome(kind: .abandoned)
            abandoned.lines = ["abandoned run \(unitID) before its switch; " + (try afterAbandonLine(unit, deleted: deleted))]
            return try finished(m, run: run, abandoned)
        default:
            // Switched (journaled, or killed between its `_aliases` call and the journal line).
            let old = try unit.plan.strategyForRollback.rollbackIndex(of: unit)
            let unitPair = try pair(unit, old: old, cluster: cluster, member: context, heldLease: lease, say: say, progress: progress)
            if try unitPair.switchedBack() {
                // Killed between the flip and its journal line: the cluster says it is back.
                try journal.setPhase(unitID, .rolledBack, "aliases found switched back to \(old)")
                try markRolledBack(m, run: run, note: "rolled back")
                return .init(member: m.member, outcome: nil, line: "found switched back to \(old) (\(recipe.readAlias) names it, not \(new))")
            }
            return try finished(m, run: run, try unitPair.rollBack(pairOptions))
        }
    }

    private func finished(_ m: FamilyMemberRecord, run: FamilyRunRecord, _ outcome: RollbackOutcome) throws -> FamilyRollbackOutcome.Member {
        try markRolledBack(m, run: run, note: outcome.kind == .abandoned ? "abandoned before its switch by ferry rollback" : "rolled back (\(outcome.kind.rawValue))")
        return .init(member: m.member, outcome: outcome, line: outcome.lines.joined(separator: "\n  "))
    }

    private func markRolledBack(_ m: FamilyMemberRecord, run: FamilyRunRecord, note: String) throws {
        guard m.state != .rolledBack else { return }
        try journal.setMemberState(run.familyRunID, member: m.member, .rolledBack, note: note)
    }

    /// `ids.ndjson` → `ids-events-2024-03.ndjson`: one file per member.
    static func perMember(_ path: String, _ member: String) -> String {
        let ext = (path as NSString).pathExtension
        let base = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return base + "-" + member + (ext.isEmpty ? "" : "." + ext)
    }
}
