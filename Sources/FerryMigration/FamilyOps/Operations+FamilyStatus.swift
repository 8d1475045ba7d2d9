/// `ferry status <family recipe>`: the `FamilyStatus` value from the journal (the latest family
/// run, its members and their unit runs, read while another process runs it) and the cluster
/// (the template, document counts, the lease). Changes nothing.
import Foundation
import FerryCluster
import FerryCore
import FerryJournal

extension Operations {
    public func familyStatus() throws -> FamilyStatus {
        guard let family = recipe.family else { throw FerryError("recipe \(recipe.name) is not an index family (no `family` in recipe.lua)") }
        let run = try journal.latestFamilyRun(recipe: recipe.name)
        let current = try client.templateBody(family.template, on: client.info())
        let before: String? = run.flatMap { run in
            // Once rolled back, the journaled template is what the cluster has again.
            guard run.oldTemplateRecorded, run.phase != .rolledBack else { return nil }
            guard let old = run.oldTemplate else { return "none" }
            return Self.templateVersion(old).map { "version \($0)" } ?? "not made by ferry"
        }
        let template = FamilyTemplateStatus(
            name: family.template, version: current.flatMap(Self.templateVersion), exists: current != nil, journaledBefore: before)
        let holder = try Lease.liveHolder(of: recipe.readAlias, client: client)?.name
        let name = recipe.name
        // The members as the cluster has them, all pending: before a family run, and while
        // one is at its template step (it journals the members after).
        let pending = {
            try self.clusterMembers(family.pattern).map {
                FamilyMemberStatus(member: $0, oldIndex: $0, newIndex: nil, state: .pending, documents: try self.client.count($0))
            }
        }
        guard let run else {
            return FamilyStatus(recipe: name, pattern: family.pattern, template: template, leaseHolder: holder, members: try pending(),
                                nextCommand: "ferry plan \(name)  (the template change and the members; then `ferry run \(name) --yes`)")
        }
        // Rollback runs not finished yet, by the member unit run they undo.
        var rollingBack: [String: RunRecord] = [:]
        for r in try journal.runs(recipe: name, limit: 1_000) where !r.phase.isFinal {
            if let of = r.plan.rollbackOf { rollingBack[of] = r }
        }
        let rows = try journal.members(of: run.familyRunID)
        let members = rows.isEmpty && run.phase == .template ? try pending() : try rows.map { try memberStatus($0, rollingBack: rollingBack) }
        return FamilyStatus(
            recipe: name, pattern: family.pattern, template: template, runID: run.familyRunID, runPhase: run.phase.rawValue,
            targetVersion: run.targetVersion, leaseHolder: holder, members: members,
            nextCommand: Self.familyNext(run, members: members, holder: holder, recipe: name))
    }

    /// One member: its journaled state, with the unit run's phase and progress while it runs.
    private func memberStatus(_ m: FamilyMemberRecord, rollingBack: [String: RunRecord]) throws -> FamilyMemberStatus {
        let unit = try m.runID.flatMap { try journal.run(id: $0) }
        let started = m.startedAt.flatMap { ISODate.date(from: $0) }
        let ended = m.finishedAt.flatMap { ISODate.date(from: $0) }
        let seconds = started.map { (ended ?? Date()).timeIntervalSince($0) }
        let freeze = m.freezeMilliseconds ?? unit?.freezeMilliseconds
        let exists = { (index: String) in try self.client.indexExists(index) }
        func row(_ state: FamilyMemberStatus.State, documents: Int?, seconds: Double? = seconds) -> FamilyMemberStatus {
            // A pending member's new index is only planned: no arrow to an index that does not exist.
            let started = m.runID != nil && state != .pending
            return FamilyMemberStatus(member: m.member, oldIndex: m.member, newIndex: started ? m.targetIndex : nil, state: state,
                                      documents: documents, seconds: seconds, freezeMilliseconds: freeze)
        }
        if unit?.phase == .rolledBack { return row(.rolledBack, documents: m.documents) }
        if let id = m.runID, let back = rollingBack[id] { return row(.rollingBack(phase: back.phase.rawValue), documents: m.documents) }
        switch m.state {
        case .pending:
            return row(.pending, documents: try exists(m.member) ? client.count(m.member) : nil, seconds: nil)
        case .skipped:
            return row(.skipped(m.note ?? "already at the target version"), documents: try exists(m.member) ? client.count(m.member) : nil, seconds: nil)
        case .done:
            return row(.done, documents: m.documents)
        case .rolledBack:
            return row(.rolledBack, documents: m.documents)
        case .failed:
            return row(.failed(m.note ?? "stopped (see `ferry status` events)"), documents: try exists(m.member) ? client.count(m.member) : nil)
        case .running:
            guard let unit else { return row(.current(phase: "starting", written: 0, of: 0), documents: nil) }
            let total = try exists(m.member) ? client.count(m.member) : 0
            let written = try journal.totals(unit.runID).written + journal.passTotals(unit.runID).reduce(0) { $0 + $1.written }
            return row(.current(phase: unit.phase.rawValue, written: min(written, total), of: total), documents: total)
        }
    }

    /// The members the cluster has now (indices matching the pattern), oldest first by name.
    private func clusterMembers(_ pattern: String) throws -> [String] {
        let rows = try client.request(.GET, RequestPath(["_cat", "indices", pattern], query: [("format", "json"), ("h", "index")]))
            .json().arrayValue ?? []
        return rows.compactMap { $0["index"]?.stringValue }.filter { !$0.hasPrefix(".") }.sorted()
    }

    static func familyNext(_ run: FamilyRunRecord, members: [FamilyMemberStatus], holder: String?, recipe name: String) -> String {
        if let holder { return "wait: \(holder) is running it (`ferry status \(name)` again shows the progress)" }
        if let back = members.first(where: { if case .rollingBack = $0.state { return true } else { return false } }) {
            return "ferry rollback \(name) --yes  (continues the rollback of \(back.member), then the rest)"
        }
        let someBack = members.contains { $0.state == .rolledBack }
        switch run.phase {
        case .template, .members:
            // Where it stopped: the member in progress or failed, else the next pending one.
            let next = members.first { $0.state.isOpen } ?? members.first { $0.state == .pending }
            return "ferry run \(name) --yes  (continues the family run" + (next.map { " at \($0.member)" } ?? "") + ")  or  ferry rollback \(name) --yes"
        case .completed where someBack:
            return "ferry rollback \(name) --yes  (rolls back the other members and restores the template)  or  ferry cleanup \(name) --older-than 7d --yes"
        case .completed:
            return "ferry cleanup \(name) --older-than 7d --yes  (deletes the replaced members once 7 days have passed)  or  ferry rollback \(name) --yes"
        case .rolledBack:
            return "ferry plan \(name)  (the template is back at its old version; `ferry run \(name) --yes` starts a new family run)"
        }
    }
}
