import Foundation
import FerryCore
import FerryScripting
import FerryStore

/// Serves `ctx.lookup(name, key)` from the recipe's SQLite tables: one prepared statement per
/// table, rows cached as JSON bytes by key. Owns SQLite handles, so one instance per worker.
public final class SQLiteLookups: LookupProvider {
    private struct Table {
        let database: SQLiteDatabase
        let statement: SQLiteStatement
    }

    private var tables: [String: Table] = [:]
    /// Lookups whose key column has no index in a read-only database file: every lookup
    /// reads the whole table (`ferry check` warns; SQL-script tables get an index).
    public private(set) var unindexed: [String] = []
    private var cache: [String: [LookupKey: [UInt8]?]] = [:]
    private(set) var cachedRows = 0
    private let cacheLimit: Int

    /// Opens every lookup of the recipe and checks its table and key column exist.
    public init(_ specs: [LookupSpec], cacheLimit: Int = 100_000) throws(RecipeError) {
        self.cacheLimit = cacheLimit
        for spec in specs {
            do {
                let database: SQLiteDatabase
                switch spec.source {
                case .sqlScript(let path):
                    database = try SQLiteDatabase(path: ":memory:")
                    guard let script = try? String(contentsOfFile: path, encoding: .utf8) else {
                        throw RecipeError("lookup '\(spec.name)': \(path) cannot be read")
                    }
                    try database.execute(script)
                case .database(let path):
                    database = try SQLiteDatabase(path: path, mode: .readOnly)
                }
                let columns = try database.prepare("SELECT name FROM pragma_table_info(?)").rows([.text(spec.table)])
                guard !columns.isEmpty else {
                    throw RecipeError("lookup '\(spec.name)': table '\(spec.table)' not found in \(spec.source.path)")
                }
                guard columns.contains(where: { $0.first == .text(spec.keyColumn) }) else {
                    throw RecipeError("lookup '\(spec.name)': table '\(spec.table)' has no column '\(spec.keyColumn)' (in \(spec.source.path))")
                }
                let sql = "SELECT * FROM \(Self.quote(spec.table)) WHERE \(Self.quote(spec.keyColumn)) = ? LIMIT 1"
                if try !Self.usesIndex(database, sql) {
                    if case .sqlScript = spec.source {
                        // Our own in-memory copy: index it, or every lookup reads the whole table.
                        try database.execute("CREATE INDEX \(Self.quote("ferry_key_\(spec.table)")) ON \(Self.quote(spec.table))(\(Self.quote(spec.keyColumn)))")
                    } else {
                        unindexed.append(spec.name)
                    }
                }
                tables[spec.name] = Table(database: database, statement: try database.prepare(sql))
            } catch let error as RecipeError {
                throw error
            } catch {
                throw RecipeError("lookup '\(spec.name)': \(error)")
            }
        }
    }

    public func lookupRow(table name: String, key: LookupKey) throws -> [UInt8]? {
        if let hit = cache[name]?[key] { return hit }
        guard let table = tables[name] else {
            let known = tables.keys.sorted().joined(separator: ", ")
            throw FerryError("unknown lookup table '\(name)' (the recipe declares: \(known.isEmpty ? "none" : known))")
        }
        let binding: SQLiteValue
        switch key {
        case .integer(let i): binding = .integer(i)
        case .text(let s): binding = .text(s)
        }
        try table.statement.bind([binding])
        defer { table.statement.reset() }
        var row: [UInt8]? = nil
        if try table.statement.step() {
            var members: [String: JSONValue] = [:]
            for column in 0..<table.statement.columnCount {
                members[table.statement.columnName(column)] = Self.json(table.statement.value(at: column))
            }
            row = JSONValue.object(members).serializedBytes()
        }
        if cachedRows >= cacheLimit {
            cache.removeAll(keepingCapacity: true)
            cachedRows = 0
        }
        cache[name, default: [:]][key] = row
        cachedRows += 1
        return row
    }

    private static func json(_ value: SQLiteValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .integer(let i): return .int(i)
        case .real(let d): return .double(d)
        case .text(let s): return .string(s)
        case .blob(let b): return .string(Data(b).base64EncodedString())
        }
    }

    private static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// True when SQLite answers `sql` (a lookup by key) through an index, not a table scan.
    private static func usesIndex(_ database: SQLiteDatabase, _ sql: String) throws -> Bool {
        let plan = try database.prepare("EXPLAIN QUERY PLAN " + sql).rows([.null])
        return !plan.contains { row in
            row.contains { if case .text(let detail) = $0 { detail.hasPrefix("SCAN") } else { false } }
        }
    }
}
