/// `ferry run` for a family recipe: under one lease on the read alias, the template first
/// (the old one journaled, the target version's put), then each member oldest first as its
/// own unit run through the ordinary phase machine (`Migrator.drive`), journaled member by
/// member so the same command continues where a kill or Ctrl-C stopped it.
import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

/// What `ferry run <family recipe>` will do once it has looked at the journal and the cluster.
public enum FamilyStart: Sendable {
    /// The template and every member are at the target version.
    case upToDate(FamilyPlan)
    /// An unfinished family run, continued at its phase and member.
    case resume(FamilyRunRecord, FamilyPlan)
    case new(FamilyPlan)
}

public final class FamilyRunner {
    /// Runs each member's unit; its `say`, `progress` and `interrupter` are the family run's.
    public let migrator: Migrator
    var recipe: Recipe { migrator.recipe }
    var journal: Journal { migrator.journal }
    var client: ClusterClient { migrator.client }
    var say: (String) -> Void { migrator.say }

    public init(recipe: Recipe, cluster: ClusterConfig, journal: Journal) throws {
        guard recipe.family != nil else { throw FerryError("recipe \(recipe.name) has no 'family'") }
        migrator = try Migrator(recipe: recipe, cluster: cluster, journal: journal)
    }

    /// The members and the template as they are now, planned to `to` (default: the latest).
    public func plan(from: String?, to: String?) throws -> FamilyPlan {
        try FamilyPlanner(client: client, recipe: recipe, info: try migrator.clusterInfo()).plan(from: from, to: to)
    }

    /// Continues an unfinished family run (if the recipe is unchanged), or plans a new one;
    /// refuses a template whose mapping the members' documents do not fit, unless told.
    public func prepare(_ options: RunOptions) throws -> FamilyStart {
        if let open = try journal.unfinishedFamilyRun(recipe: recipe.name) {
            guard !options.restart else {
                throw FerryError(
                    "family run \(open.familyRunID) of \(recipe.name) is unfinished (\(open.phase.rawValue)); --restart does not apply to a family",
                    hint: "continue it with `ferry run \(recipe.name)`, or undo it with `ferry rollback \(recipe.name)`")
            }
            guard open.fingerprint == (try recipe.fingerprint()) else {
                throw FerryError(
                    "recipe \(recipe.name) changed since family run \(open.familyRunID) started; it cannot be continued with different scripts, mappings or lookup data",
                    hint: "restore the recipe to continue, or `ferry rollback \(recipe.name)` to undo the switched members")
            }
            if let to = options.to, to != open.targetVersion {
                throw FerryError("family run \(open.familyRunID) to \(open.targetVersion) is unfinished; --to \(to) would start another",
                                 hint: "finish it with `ferry run \(recipe.name)`")
            }
            return .resume(open, try plan(from: options.from, to: open.targetVersion))
        }
        let plan = try plan(from: options.from, to: options.to)
        if plan.isUpToDate { return .upToDate(plan) }
        if !plan.template.misfits.isEmpty && !options.appWritesTargetVersion {
            throw FerryError(
                (["documents of the members' current version do not fit the \(plan.targetVersion) template's mapping:"]
                    + plan.template.misfits.map { "  " + $0 }
                    + ["once the template is \(plan.targetVersion), an index created from it (a new period, a rollover) would get such documents from an application that still writes the old version"]
                ).joined(separator: "\n"),
                hint: "make the application write \(plan.targetVersion) documents first, then run again with --app-writes-target-version")
        }
        return .new(plan)
    }

    /// Runs the template step and the selected members; returns what this invocation did.
    public func execute(_ start: FamilyStart, options: RunOptions) throws -> FamilyReport {
        var family: FamilyRunRecord
        switch start {
        case .upToDate(let plan):
            throw FerryError("\(recipe.name) is already at \(plan.targetVersion) (template and every member); nothing to do")
        case .resume(let record, _):
            family = record
        case .new(let plan):
            family = FamilyRunRecord(
                familyRunID: RunContext().runID, recipe: recipe.name, readAlias: recipe.readAlias, writeAlias: recipe.writeAlias,
                fingerprint: try recipe.fingerprint(), targetVersion: plan.targetVersion, template: plan.template.name,
                templateKind: plan.template.kind, startedAt: ISODate.now(fractionalSeconds: true))
        }
        // The lease first, so a second runner is refused before it journals anything.
        let lease = try Lease.acquire(alias: recipe.readAlias, runID: family.familyRunID, cluster: migrator.cluster, ttl: options.leaseTTL)
        defer { lease.release() }
        if case .new = start {
            try journal.beginFamilyRun(family)
            if options.appWritesTargetVersion { try journal.familyEvent(family.familyRunID, .template, "started with --app-writes-target-version") }
        } else {
            say("continuing family run \(family.familyRunID) (\(family.phase.rawValue))")
        }
        if family.phase == .template { try putTemplate(&family) }

        var report = FamilyReport(familyRunID: family.familyRunID, targetVersion: family.targetVersion)
        while true {
            try lease.check()
            // Discovered again before each member: one created meanwhile (from the new
            // template, so at the target version) is journaled as skipped and left alone.
            let plan = try plan(from: options.from, to: family.targetVersion)
            let rows = try syncMembers(family, plan)
            let open = rows.filter { [.pending, .running, .failed].contains($0.state) }
            guard let row = open.first(where: { options.members.selects($0.member) }) else { break }
            if let max = options.members.maxMembers, report.migrated.count >= max { break }
            if let outcome = try MemberUnit(runner: self, family: family, lease: lease, options: options).run(row, plan: plan) {
                report.migrated.append(outcome)
            }
            Failpoints.hit("family:member-done")
        }
        let rows = try journal.members(of: family.familyRunID)
        report.members = rows
        if rows.allSatisfy({ $0.state == .done || $0.state == .skipped }) {
            try journal.setFamilyPhase(family.familyRunID, .completed, "every member is done or skipped")
            report.completed = true
        }
        return report
    }

    /// Journals the template as it is (once: a resumed run must not read back its own), then
    /// puts the target version's.
    private func putTemplate(_ family: inout FamilyRunRecord) throws {
        let info = try migrator.clusterInfo()
        guard let spec = recipe.family else { return }
        if !family.oldTemplateRecorded {
            let current = try client.templateBody(spec.template, on: info)
            try journal.recordOldTemplate(family.familyRunID, current)
            family.oldTemplate = current
            family.oldTemplateRecorded = true
        }
        Failpoints.hit("family:template-journaled")
        let change = try TemplateChange.read(
            recipe: recipe, family: spec, targetVersion: family.targetVersion, sourceVersions: [], client: client, info: info)
        try client.putTemplateBody(spec.template, body: change.target, on: info)
        try journal.setFamilyPhase(family.familyRunID, .members, "put template \(spec.template) at \(family.targetVersion)")
        family.phase = .members
        say("put template \(spec.template) (\(change.kind)) at \(family.targetVersion): indices created from it from now on are at \(family.targetVersion); the old one is in the journal")
    }

    /// Adds the members discovery finds that the journal does not know yet (a member's new
    /// index is not a new member); returns every member row, oldest first.
    private func syncMembers(_ family: FamilyRunRecord, _ plan: FamilyPlan) throws -> [FamilyMemberRecord] {
        let rows = try journal.members(of: family.familyRunID)
        let known = Set(rows.map(\.member) + rows.compactMap(\.targetIndex))
        var position = (rows.map(\.position).max() ?? -1) + 1
        var added: [FamilyMemberRecord] = []
        for planned in plan.members where !known.contains(planned.member.name) {
            added.append(FamilyMemberRecord(
                familyRunID: family.familyRunID, position: position, member: planned.member.name,
                state: planned.migration == nil ? .skipped : .pending, targetIndex: planned.migration?.targetIndex,
                holdsWriteAlias: planned.member.holdsWriteAlias, note: planned.skipReason))
            position += 1
        }
        guard !added.isEmpty else { return rows }
        try journal.addMembers(added)
        for row in added where row.state == .skipped { say("\(row.member): skipped, \(row.note ?? "")") }
        return try journal.members(of: family.familyRunID)
    }
}
