/// One family member as a unit: its own journaled run (source: the member, target: its new
/// index) driven through the ordinary phase machine under the family's lease, with the
/// member's row in the journal saying where it stands.
import Foundation
import FerryCore

struct MemberUnit {
    let runner: FamilyRunner
    let family: FamilyRunRecord
    let lease: Lease
    let options: RunOptions

    private var journal: Journal { runner.journal }
    private var say: (String) -> Void { runner.say }

    /// Starts or continues the member's unit and drives it to its switch. Returns nil when
    /// there was nothing left to do (already switched, or no longer a member to migrate).
    func run(_ member: FamilyMemberRecord, plan: FamilyPlan) throws -> MemberOutcome? {
        var row = member
        let began = Date()
        let record: RunRecord
        let migration: MigrationPlan
        if let runID = row.runID, let existing = try journal.run(id: runID), existing.phase != .abandoned {
            if existing.phase == .completed {
                try finish(&row, documents: try runner.client.count(existing.plan.targetIndex), freeze: existing.freezeMilliseconds)
                return nil
            }
            record = existing
            migration = try runner.migrator.plan(from: existing)
            say("\(row.member): continuing its run \(runID) at \(existing.phase.rawValue)")
            // Aliases a template gave the new index come off again before any more copying.
            if existing.phase < .switched, try runner.client.indexExists(migration.targetIndex) {
                try RunScope.removeAliases(of: migration.targetIndex, client: runner.client, say: say)
            }
        } else {
            guard var planned = plan.members.first(where: { $0.member.name == row.member })?.migration else {
                let now = plan.members.first { $0.member.name == row.member }?.skipReason
                    ?? "no longer in alias \(family.readAlias)"
                row.state = .skipped
                row.note = now
                try journal.saveMember(row)
                say("\(row.member): skipped, \(now)")
                return nil
            }
            planned.familyRun = family.familyRunID
            let run = RunContext()
            try runner.migrator.validate(planned, run: run)
            record = try runner.migrator.journalNewRun(planned, run: run, options: options)
            migration = planned
            row.runID = record.runID
            row.targetIndex = planned.targetIndex
            row.holdsWriteAlias = planned.source.writeAliasIndices.contains(row.member)
            row.startedAt = ISODate.now(fractionalSeconds: true)
            say("\(row.member) → \(planned.targetIndex)" + (row.holdsWriteAlias ? " (holds \(family.writeAlias): live writes)" : ""))
        }
        row.state = .running
        row.note = nil
        try journal.saveMember(row)
        do {
            let report = try runner.migrator.drive(record, migration, lease: lease, options: options)
            let freeze = try report.freezeMilliseconds ?? journal.run(id: record.runID)?.freezeMilliseconds
            try finish(&row, documents: report.targetCount, freeze: freeze)
            return MemberOutcome(member: row, report: report, seconds: Date().timeIntervalSince(began))
        } catch {
            // An interrupted unit is not a failed one: the same command continues it.
            if !(error is Interrupted) {
                row.state = .failed
                row.note = "\(error)".split(separator: "\n").first.map(String.init)
                try? journal.saveMember(row)
                say("\(row.member) stopped: members before it are switched; its aliases are unchanged; `ferry run \(family.recipe)` continues at it")
            }
            throw error
        }
    }

    private func finish(_ row: inout FamilyMemberRecord, documents: Int, freeze: Int?) throws {
        row.state = .done
        row.documents = documents
        row.freezeMilliseconds = freeze
        row.finishedAt = ISODate.now(fractionalSeconds: true)
        row.note = nil
        try journal.saveMember(row)
    }
}

/// A member this invocation migrated, with its unit's report.
public struct MemberOutcome: Sendable {
    public let member: FamilyMemberRecord
    public let report: MigrationReport
    /// From starting (or continuing) the unit to its switch.
    public let seconds: Double
}

/// What one `ferry run` of a family recipe did.
public struct FamilyReport: Sendable {
    public let familyRunID: String
    public let targetVersion: String
    /// Members migrated by this invocation, in order.
    public var migrated: [MemberOutcome] = []
    /// Every member of the family run after this invocation, oldest first.
    public var members: [FamilyMemberRecord] = []
    /// Every member is done or skipped.
    public var completed = false

    public var lines: [String] {
        var out = migrated.map { m in
            let freeze = m.report.freezeMilliseconds.map { ", freeze \($0) ms" } ?? ""
            return "\(m.member.member) → \(m.member.targetIndex ?? "?"): \(m.report.targetCount) documents in \(String(format: "%.1f", m.seconds)) s (copy \(String(format: "%.1f", m.report.copySeconds)) s)\(freeze)\(m.report.throttleSuffix)"
        }
        let skipped = members.filter { $0.state == .skipped }
        if !skipped.isEmpty { out.append("skipped: " + skipped.map { "\($0.member) (\($0.note ?? ""))" }.joined(separator: ", ")) }
        let left = members.filter { [.pending, .running, .failed].contains($0.state) }
        out.append(completed
            ? "family run \(familyRunID) complete: every member is at \(targetVersion) or skipped"
            : "\(left.count) member(s) left: \(left.map(\.member).joined(separator: ", ")); the same command continues")
        return out
    }
}
