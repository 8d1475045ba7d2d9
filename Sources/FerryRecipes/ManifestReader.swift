import Foundation
import FerryCore

/// Turns the table a `recipe.lua` returns into a `Recipe`, with an error naming the field
/// for anything missing or of the wrong type.
struct ManifestReader {
    let path: String
    let folder: String
    let transformsFolder: String

    func recipe(from manifest: JSONValue, expectedName: String) throws(RecipeError) -> Recipe {
        guard manifest.objectValue != nil else {
            throw RecipeError("\(path): must return a table, e.g. return { name = ..., versions = ... }")
        }
        let name = try string(manifest, "name")
        guard name == expectedName else {
            throw RecipeError("\(path): name is '\(name)' but the folder is '\(expectedName)'; they must match")
        }
        let aliases = try object(manifest, "aliases")
        let read = try string(aliases, "read", field: "aliases.read")
        let write = try optionalString(aliases, "write", field: "aliases.write") ?? read
        try checkIndexName(read, field: "aliases.read")
        try checkIndexName(write, field: "aliases.write")

        guard let versionList = manifest["versions"]?.arrayValue, !versionList.isEmpty else {
            throw RecipeError("\(path): 'versions' must be a non-empty list, e.g. { \"1.0\", \"2.0\" }")
        }
        var versions: [String] = []
        for (i, v) in versionList.enumerated() {
            guard let s = v.stringValue, !s.isEmpty else {
                throw RecipeError("\(path): versions[\(i + 1)] must be a string like \"2.0\"")
            }
            try checkIndexName(s, field: "versions[\(i + 1)]")
            guard !versions.contains(s) else { throw RecipeError("\(path): version \(s) is listed twice") }
            versions.append(s)
        }

        var steps: [StepSpec] = []
        for (i, entry) in (manifest["steps"]?.arrayValue ?? []).enumerated() {
            let field = "steps[\(i + 1)]"
            let from = try string(entry, "from", field: "\(field).from")
            let to = try string(entry, "to", field: "\(field).to")
            let script = try string(entry, "script", field: "\(field).script")
            for v in [from, to] where !versions.contains(v) {
                throw RecipeError("\(path): \(field) uses version \(v), which is not in 'versions'")
            }
            let scriptPath = "\(folder)/\(script)"
            guard FileManager.default.fileExists(atPath: scriptPath) else {
                throw RecipeError("\(path): \(field).script: \(scriptPath) not found")
            }
            steps.append(StepSpec(from: from, to: to, script: scriptPath))
        }

        var lookups: [LookupSpec] = []
        if let table = manifest["lookups"]?.objectValue {
            for (lookupName, spec) in table.sorted(by: { $0.key < $1.key }) {
                let field = "lookups.\(lookupName)"
                let source: LookupSpec.Source
                if let sql = try optionalString(spec, "sql", field: "\(field).sql") {
                    source = .sqlScript(path: "\(folder)/\(sql)")
                } else if let db = try optionalString(spec, "database", field: "\(field).database") {
                    source = .database(path: "\(folder)/\(db)")
                } else {
                    throw RecipeError("\(path): \(field) needs 'sql' (an SQL script) or 'database' (an SQLite file)")
                }
                guard FileManager.default.fileExists(atPath: source.path) else {
                    throw RecipeError("\(path): \(field): \(source.path) not found")
                }
                lookups.append(LookupSpec(
                    name: lookupName, source: source,
                    table: try optionalString(spec, "table", field: "\(field).table") ?? lookupName,
                    keyColumn: try optionalString(spec, "key", field: "\(field).key") ?? "id"))
            }
        }

        var batch = BatchSettings.default
        if let b = manifest["batch"] {
            if let size = b["size"] {
                guard let n = size.intValue, n > 0 else { throw RecipeError("\(path): batch.size must be a positive integer") }
                batch.size = Int(n)
            }
            if let bytes = b["bytes"] {
                guard let n = bytes.intValue, n > 0 else { throw RecipeError("\(path): batch.bytes must be a positive integer") }
                batch.bytes = Int(n)
            }
        }

        return Recipe(
            name: name,
            description: try optionalString(manifest, "description", field: "description") ?? "",
            folder: folder,
            transformsFolder: transformsFolder,
            readAlias: read,
            writeAlias: write,
            versions: versions,
            steps: steps,
            lookups: lookups,
            changedField: try optionalString(manifest, "changed_field", field: "changed_field"),
            batch: batch)
    }

    private func string(_ value: JSONValue, _ key: String, field: String? = nil) throws(RecipeError) -> String {
        guard let s = try optionalString(value, key, field: field ?? key) else {
            throw RecipeError("\(path): '\(field ?? key)' is required")
        }
        return s
    }

    private func optionalString(_ value: JSONValue, _ key: String, field: String) throws(RecipeError) -> String? {
        guard let member = value[key], !member.isNull else { return nil }
        guard let s = member.stringValue else { throw RecipeError("\(path): '\(field)' must be a string") }
        return s
    }

    private func object(_ value: JSONValue, _ key: String) throws(RecipeError) -> JSONValue {
        guard let member = value[key], member.objectValue != nil else {
            throw RecipeError("\(path): '\(key)' must be a table, e.g. aliases = { read = \"posts\", write = \"posts-write\" }")
        }
        return member
    }

    /// Index and alias names must be lowercase and free of the characters Elasticsearch forbids.
    private func checkIndexName(_ name: String, field: String) throws(RecipeError) {
        let forbidden = Set("\\/*?\"<>| ,#:")
        if name != name.lowercased() || name.contains(where: { forbidden.contains($0) }) || name.hasPrefix("_") || name.hasPrefix("-") {
            throw RecipeError("\(path): '\(field)' = \"\(name)\" is not a valid index name part (lowercase, no spaces or \\/*?\"<>|,#:)")
        }
    }
}
