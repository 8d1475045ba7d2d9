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
        try checkKeys(manifest)
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
            // No script: a mapping-only edge (the same document under the new mapping).
            let script = try optionalString(entry, "script", field: "\(field).script")
            for v in [from, to] where !versions.contains(v) {
                throw RecipeError("\(path): \(field) uses version \(v), which is not in 'versions'")
            }
            // A loop does nothing useful, and a second edge between the same versions would never run.
            guard from != to else { throw RecipeError("\(path): \(field) goes from \(from) to itself") }
            if let first = steps.firstIndex(where: { $0.from == from && $0.to == to }) {
                throw RecipeError("\(path): \(field) repeats steps[\(first + 1)] (\(from)→\(to)); only the first would ever run")
            }
            let scriptPath = script.map { "\(folder)/\($0)" }
            if let scriptPath, !FileManager.default.fileExists(atPath: scriptPath) {
                throw RecipeError("\(path): \(field).script: \(scriptPath) not found")
            }
            steps.append(StepSpec(from: from, to: to, script: scriptPath))
        }
        if let problem = VersionGraph(versions: versions, steps: steps).edgeProblems().first {
            throw RecipeError("\(path): \(problem)")
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
                guard case .int(let n) = size, n > 0 else { throw RecipeError("\(path): batch.size must be a positive integer") }
                batch.size = Int(n)
            }
            if let bytes = b["bytes"] {
                guard case .int(let n) = bytes, n > 0 else { throw RecipeError("\(path): batch.bytes must be a positive integer (bytes)") }
                batch.bytes = Int(n)
            }
        }

        let versionField = try optionalString(manifest, "version_field", field: "version_field")
        var recipe = Recipe(
            name: name,
            description: try optionalString(manifest, "description", field: "description") ?? "",
            folder: folder,
            modules: .init(path: transformsFolder, origin: "beside the recipes folder"),
            readAlias: read,
            writeAlias: write,
            versions: versions,
            steps: steps,
            lookups: lookups,
            changedField: try optionalString(manifest, "changed_field", field: "changed_field"),
            batch: batch,
            canaries: try canaries(manifest["canaries"]))
        recipe.versionField = versionField
        recipe.family = try FamilySpec.parse(manifest["family"], path: path, readAlias: read, writeAlias: write)
        return recipe
    }

    /// `canaries = { { name = "...", query = { ... }, compare = "count" | "ids", size = 100,
    /// expect = "same" | "differ" }, ... }`
    private func canaries(_ value: JSONValue?) throws(RecipeError) -> [Canary] {
        guard let value, !value.isNull else { return [] }
        // An empty Lua table encodes as {}: treat it as an empty list.
        if value.objectValue?.isEmpty == true { return [] }
        guard let list = value.arrayValue else {
            throw RecipeError("\(path): 'canaries' must be a list, e.g. canaries = { { name = \"all\", query = { match_all = {} } } }")
        }
        var result: [Canary] = []
        for (i, entry) in list.enumerated() {
            let field = "canaries[\(i + 1)]"
            guard entry.objectValue != nil else {
                throw RecipeError("\(path): \(field) must be a table with name and query")
            }
            let name = try string(entry, "name", field: "\(field).name")
            guard !result.contains(where: { $0.name == name }) else {
                throw RecipeError("\(path): \(field).name: canary '\(name)' is listed twice")
            }
            guard let query = entry["query"], let clauses = query.objectValue, clauses.count == 1 else {
                throw RecipeError("\(path): \(field).query must be a table with one query clause, e.g. query = { term = { author = \"alice\" } }")
            }
            let compareText = try optionalString(entry, "compare", field: "\(field).compare") ?? "count"
            guard let compare = Canary.Compare(rawValue: compareText) else {
                throw RecipeError("\(path): \(field).compare must be \"count\" or \"ids\", not \"\(compareText)\"")
            }
            let expectText = try optionalString(entry, "expect", field: "\(field).expect") ?? "same"
            guard let expect = Canary.Expectation(rawValue: expectText) else {
                throw RecipeError("\(path): \(field).expect must be \"same\" or \"differ\", not \"\(expectText)\"")
            }
            var size = 100
            if let sizeValue = entry["size"], !sizeValue.isNull {
                guard case .int(let n) = sizeValue, (1...10_000).contains(n) else {
                    throw RecipeError("\(path): \(field).size must be an integer from 1 to 10000")
                }
                size = Int(n)
            }
            result.append(Canary(name: name, query: query, compare: compare, size: size, expect: expect))
        }
        return result
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
