import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

extension Operations {
    /// Writes what an incident review needs: `status.json` (what `ferry status --json` prints),
    /// indices, aliases, health, mappings and settings of the recipe's indices, and the
    /// journal's runs, events and dead letters.
    public func saveEvidence(to folder: String, status: StatusReport) throws -> [String] {
        try saveEvidence(to: folder, statusJSON: status.json, indices: "\(recipe.readAlias)*")
    }

    /// For an index family: `status.json` is the member table (what `ferry status <family>
    /// --json` prints), mappings and settings cover the members too, and `family_runs.json`
    /// adds the family runs: their members as journaled and the template rollback restores.
    public func saveEvidence(to folder: String, status: FamilyStatus) throws -> [String] {
        var written = try saveEvidence(to: folder, statusJSON: status.json, indices: "\(recipe.readAlias)*,\(status.pattern)")
        let runs = try journal.familyRuns(recipe: recipe.name, limit: 1_000).map { run -> JSONValue in
            let members = try journal.members(of: run.familyRunID).map { m -> JSONValue in
                ["position": .int(Int64(m.position)), "member": .string(m.member), "state": .string(m.state.rawValue),
                 "run_id": m.runID.map { .string($0) } ?? .null, "target_index": m.targetIndex.map { .string($0) } ?? .null,
                 "holds_write_alias": .bool(m.holdsWriteAlias), "note": m.note.map { .string($0) } ?? .null,
                 "started_at": m.startedAt.map { .string($0) } ?? .null, "finished_at": m.finishedAt.map { .string($0) } ?? .null,
                 "documents": m.documents.map { .int(Int64($0)) } ?? .null,
                 "freeze_ms": m.freezeMilliseconds.map { .int(Int64($0)) } ?? .null]
            }
            return [
                "id": .string(run.familyRunID), "phase": .string(run.phase.rawValue), "target_version": .string(run.targetVersion),
                "template": .string(run.template), "template_kind": .string(run.templateKind),
                "old_template_recorded": .bool(run.oldTemplateRecorded), "old_template": run.oldTemplate ?? .null,
                "started_at": .string(run.startedAt), "updated_at": .string(run.updatedAt),
                "events": .array(try Self.eventsJSON(journal, run.familyRunID)), "members": .array(members),
            ]
        }
        written.append(try Self.save(.array(runs), as: "family_runs.json", in: folder))
        return written
    }

    private func saveEvidence(to folder: String, statusJSON: JSONValue, indices: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written: [String] = []
        func save(_ name: String, _ value: JSONValue) throws {
            written.append(try Self.save(value, as: name, in: folder))
        }
        func get(_ segments: [String], _ query: [(String, String)] = []) -> JSONValue {
            (try? client.request(.GET, RequestPath(segments, query: query)).json()) ?? .null
        }
        // Which ferry (and Lua, libcurl, SQLite) saw this, for whoever reads it later.
        var withVersion = statusJSON.objectValue ?? [:]
        withVersion["ferry_version"] = .string(FerryVersion.description)
        withVersion["versions"] = FerryVersion.json
        try save("status.json", .object(withVersion))
        try save("indices.json", get(["_cat", "indices"], [("format", "json")]))
        try save("aliases.json", get(["_alias"]))
        try save("health.json", get(["_cluster", "health"]))
        try save("mappings.json", get([indices, "_mapping"]))
        try save("settings.json", get([indices, "_settings"]))
        var runs: [JSONValue] = []
        for run in try journal.runs(recipe: recipe.name) {
            let events = try Self.eventsJSON(journal, run.runID)
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
                "passes": .array(try journal.passTotals(run.runID).map { p -> JSONValue in
                    ["kind": .string(p.kind), "passes": .int(Int64(p.passes)), "read": .int(Int64(p.read)),
                     "written": .int(Int64(p.written)), "dropped": .int(Int64(p.dropped)), "failed": .int(Int64(p.failed))]
                }),
            ])
        }
        try save("journal.json", .array(runs))
        return written
    }

    private static func save(_ value: JSONValue, as name: String, in folder: String) throws -> String {
        let path = "\(folder)/\(name)"
        try Data(value.serializedBytes(sortedKeys: true)).write(to: URL(fileURLWithPath: path))
        return path
    }

    private static func eventsJSON(_ journal: Journal, _ runID: String) throws -> [JSONValue] {
        try journal.events(runID).map { ["at": .string($0.at), "phase": .string($0.phase), "message": .string($0.message)] }
    }
}
