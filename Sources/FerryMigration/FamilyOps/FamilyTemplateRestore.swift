/// The family's template after its members are rolled back: the body the family run journaled
/// before replacing it PUT back, or the template deleted when there was none; what the report
/// says is what the cluster answers when asked again.
import Foundation
import FerryCluster
import FerryCore
import FerryJournal

extension Operations {
    /// Puts back (or deletes) the template and marks the family run ROLLED_BACK, under the
    /// family rollback's lease. Idempotent: after a kill, the same command does it again.
    func restoreTemplate(_ run: FamilyRunRecord) throws -> String {
        let (name, info) = (run.template, try client.info())
        // What is replaced, as the cluster has it: the run's own template, or one changed since.
        var replaced = ""
        if let current = try client.templateBody(name, on: info) {
            let version = Self.templateVersion(current)
            if version != run.targetVersion {
                replaced = " (it was \(version.map { "version \($0)" } ?? "a template without _meta.ferry"), not the \(run.targetVersion) one the family run put: changed since?)"
            }
        }
        let line: String
        if !run.oldTemplateRecorded {
            line = "template \(name) left as it is: family run \(run.familyRunID) stopped before replacing it"
        } else if let body = run.oldTemplate {
            try client.putTemplateBody(name, body: body, on: info)
            guard let now = try client.templateBody(name, on: info) else {
                throw FerryError("template \(name): the PUT was acknowledged but the cluster has no such template when asked again")
            }
            line = "template \(name) restored to the one the family run replaced (\(Self.templateVersion(now).map { "version \($0)" } ?? "no _meta.ferry version"), as the cluster reports it now)\(replaced)"
        } else {
            try client.deleteIndexTemplate(name, on: info, ignoreMissing: true)
            guard try client.templateBody(name, on: info) == nil else {
                throw FerryError("template \(name): the DELETE was acknowledged but the cluster still has it")
            }
            line = "template \(name) deleted: there was none before family run \(run.familyRunID) (the cluster has none now)\(replaced)"
        }
        try journal.setFamilyPhase(run.familyRunID, .rolledBack, line)
        return line
    }

    /// With `--member`: the template stays, and why.
    func templateStaysLine(_ run: FamilyRunRecord) throws -> String {
        let current = try client.templateBody(run.template, on: client.info())
        let version = current.flatMap(Self.templateVersion).map { "at \($0)" } ?? (current == nil ? "absent" : "as it is")
        var migrated: [String] = []
        for m in try journal.members(of: run.familyRunID) where m.state == .done {
            if let id = m.runID, let unit = try journal.run(id: id), unit.phase == .switched || unit.phase == .completed {
                migrated.append(m.member)
            }
        }
        guard !migrated.isEmpty else {
            return "template \(run.template) stays \(version) although no member is migrated now: `ferry rollback \(recipe.name)` (without --member) restores it"
        }
        return "template \(run.template) stays \(version): \(migrated.count) other member(s) are still migrated (\(migrated.joined(separator: ", "))); `ferry rollback \(recipe.name)` without --member rolls them back and restores it"
    }

    /// `_meta.ferry.version` of a template body, composable (top-level `_meta` or the
    /// mappings') or legacy (the mappings').
    static func templateVersion(_ body: JSONValue) -> String? {
        body["_meta"]?["ferry"]?["version"]?.stringValue
            ?? body["template"]?["mappings"]?["_meta"]?["ferry"]?["version"]?.stringValue
            ?? body["mappings"]?["_meta"]?["ferry"]?["version"]?.stringValue
    }
}
