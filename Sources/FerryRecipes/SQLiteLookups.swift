import Foundation
import FerryCore
import FerryScripting
import FerryStore

/// Serves `ctx.lookup(name, key)` from the recipe's SQLite tables: one prepared statement per
/// table, rows cached as JSON bytes by key, each table's cache bounded in bytes. Owns SQLite
/// handles, so one instance per worker.
public final class SQLiteLookups: LookupProvider {
    private struct Table {
        let database: SQLiteDatabase
        let statement: SQLiteStatement
        /// Column names, read once: every row is built with them.
        let columns: [String]
    }

    /// One table's rows (nil: no row) by key, with what they cost. Emptied when full: keys
    /// that repeat come back at once, and a table whose keys never repeat (per-document data
    /// keyed by `_id`) costs at most `limit` bytes instead of a copy of the table.
    private struct RowCache {
        var rows: [LookupKey: [UInt8]?] = [:]
        var bytes = 0

        /// Dictionary entry, String and Array headers: what a cached row costs beyond its bytes.
        static let overhead = 96

        static func cost(_ key: LookupKey, _ row: [UInt8]?) -> Int {
            let keyBytes: Int
            switch key {
            case .integer: keyBytes = 8
            case .text(let s): keyBytes = s.utf8.count
            }
            return overhead + keyBytes + (row?.count ?? 0)
        }

        mutating func insert(_ key: LookupKey, _ row: [UInt8]?, cost: Int, limit: Int) {
            if bytes + cost > limit {
                rows.removeAll(keepingCapacity: true)
                bytes = 0
            }
            rows[key] = .some(row)
            bytes += cost
        }
    }

    private var tables: [String: Table] = [:]
    /// Lookups whose key column has no index in a read-only database file: every lookup
    /// reads the whole table (`ferry check` warns; SQL-script tables get an index).
    public private(set) var unindexed: [String] = []
    private var caches: [String: RowCache] = [:]
    /// Most bytes one table's cache holds (keys, rows and overhead).
    let cacheBytes: Int

    /// The default per-table cache: 4 MiB, some 30,000 rows of a typical lookup table.
    public static let defaultCacheBytes = 4 << 20

    /// Opens every lookup of the recipe and checks its table and key column exist.
    public init(_ specs: [LookupSpec], cacheBytes: Int = SQLiteLookups.defaultCacheBytes) throws(RecipeError) {
        self.cacheBytes = cacheBytes
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
                    // Keep the shared lock once taken: otherwise every lookup is its own read
                    // transaction, locking, checking and unlocking the file (fcntl + fstat),
                    // a tenth of a lookup's cost. Readers share the lock; nothing writes it.
                    try database.execute("PRAGMA locking_mode = EXCLUSIVE")
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
                let statement = try database.prepare(sql)
                let names = (0..<statement.columnCount).map { statement.columnName($0) }
                tables[spec.name] = Table(database: database, statement: statement, columns: names)
            } catch let error as RecipeError {
                throw error
            } catch {
                throw RecipeError("lookup '\(spec.name)': \(error)")
            }
        }
    }

    /// Bytes `table`'s cache holds now.
    func cachedBytes(_ table: String) -> Int { caches[table]?.bytes ?? 0 }

    public func lookupRow(table name: String, key: LookupKey) throws -> [UInt8]? {
        if let hit = caches[name]?.rows[key] { return hit }
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
            for (column, columnName) in table.columns.enumerated() {
                members[columnName] = Self.json(table.statement.value(at: column))
            }
            row = JSONValue.object(members).serializedBytes()
        }
        remember(row, for: key, in: name)
        return row
    }

    private func remember(_ row: [UInt8]?, for key: LookupKey, in table: String) {
        let cost = RowCache.cost(key, row)
        guard cost <= cacheBytes / 4 else { return }   // a huge row would empty the cache for itself
        caches[table, default: RowCache()].insert(key, row, cost: cost, limit: cacheBytes)
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
