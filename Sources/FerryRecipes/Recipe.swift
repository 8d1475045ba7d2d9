import FerryCore

/// A named recipe: `recipes/<name>/recipe.lua` plus its mappings, steps and lookups,
/// validated and with every path resolved.
public struct Recipe: Sendable {
    public let name: String
    public let description: String
    /// The recipe folder, e.g. `recipes/blog_posts`.
    public let folder: String
    /// The shared modules folder, searched by `require` after the recipe folder, and where
    /// that setting came from (RecipeCatalog sets it after reading the manifest).
    public var modules: RecipeCatalog.ModulesFolder
    public var transformsFolder: String { modules.path }
    public let readAlias: String
    public let writeAlias: String
    /// Versions in the order the recipe declares them; the last is the default target.
    public let versions: [String]
    public let steps: [StepSpec]
    public let lookups: [LookupSpec]
    /// A timestamp field the application maintains, for cheap catch-up passes.
    public let changedField: String?
    /// A field the steps set to the document's version (e.g. `schema_version`); in-place
    /// migrations read it to know which documents are done.
    public var versionField: String? = nil
    public let batch: BatchSettings
    /// Queries `ferry verify` runs against the old and the new index and compares.
    public let canaries: [Canary]
    /// The index family the recipe migrates (`family` in `recipe.lua`), nil for one index.
    public var family: FamilySpec? = nil

    public var latestVersion: String { versions.last! }

    /// Refuses a version the recipe does not declare, naming it, the flag that gave it (e.g.
    /// `--to`) and the versions it declares; nil passes.
    public func checkDeclared(_ version: String?, flag: String? = nil) throws(RecipeError) {
        guard let version, !versions.contains(version) else { return }
        throw RecipeError("unknown version \(version)\(flag.map { " (\($0))" } ?? ""); recipe \(name) declares \(versions.joined(separator: ", "))")
    }
    public var graph: VersionGraph { VersionGraph(versions: versions, steps: steps) }
    public var requireRoots: [String] { [folder, transformsFolder] }

    public func mappingPath(for version: String) -> String {
        "\(folder)/mappings/\(version).json"
    }
}

/// A table scripts read through `ctx.lookup(name, key)`.
public struct LookupSpec: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// An SQL script loaded into a private in-memory database.
        case sqlScript(path: String)
        /// An SQLite database file, opened read-only.
        case database(path: String)

        public var path: String {
            switch self {
            case .sqlScript(let path), .database(let path): return path
            }
        }
    }

    public let name: String
    public let source: Source
    public let table: String
    public let keyColumn: String
}

/// A query that must give the same answer on the old and the new index (`canaries` in
/// `recipe.lua`): the application's view of the data, checked before the switch.
public struct Canary: Sendable, Hashable {
    public enum Compare: String, Sendable, Hashable {
        /// The numbers of matching documents.
        case count
        /// The sets of matching ids (every match must fit in `size`).
        case ids
    }

    public enum Expectation: String, Sendable, Hashable {
        /// A different answer fails verification.
        case same
        /// The mapping changed what the query means: the answers are reported, never failed.
        case differ
    }

    public let name: String
    /// The value of `"query"` in a search body (Elasticsearch query DSL).
    public let query: JSONValue
    public let compare: Compare
    /// Most ids compared (`compare = "ids"`).
    public let size: Int
    public let expect: Expectation

    public init(name: String, query: JSONValue, compare: Compare = .count, size: Int = 100, expect: Expectation = .same) {
        self.name = name
        self.query = query
        self.compare = compare
        self.size = size
        self.expect = expect
    }
}

public struct BatchSettings: Sendable, Hashable {
    /// Documents per bulk request.
    public var size: Int
    /// Upper bound on a bulk request body, in bytes.
    public var bytes: Int

    public static let `default` = BatchSettings(size: 500, bytes: 5 * 1024 * 1024)
}
