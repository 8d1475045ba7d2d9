import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

extension Operations {
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
        // Which ferry (and Lua, libcurl, SQLite) saw this, for whoever reads it later.
        var withVersion = status.json.objectValue ?? [:]
        withVersion["ferry_version"] = .string(FerryVersion.description)
        withVersion["versions"] = FerryVersion.json
        try save("status.json", .object(withVersion))
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
                "passes": .array(try journal.passTotals(run.runID).map { p -> JSONValue in
                    ["kind": .string(p.kind), "passes": .int(Int64(p.passes)), "read": .int(Int64(p.read)),
                     "written": .int(Int64(p.written)), "dropped": .int(Int64(p.dropped)), "failed": .int(Int64(p.failed))]
                }),
            ])
        }
        try save("journal.json", .array(runs))
        return written
    }
}
