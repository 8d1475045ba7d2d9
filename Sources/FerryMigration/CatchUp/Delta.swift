import Foundation
import FerryCluster
import FerryCore
import FerryStore

/// What differs between the source and the target, by id and `_version` (target documents
/// carry the source's version: every copy writes it with `version_type=external_gte`).
public struct Delta: Sendable {
    /// Source documents missing from the target, or newer there than in the target.
    public var toCopy: [String] = []
    /// Target documents whose source is gone: the application deleted them during the copy.
    public var toDelete: [String] = []
    /// Source documents with a *lower* version than the target's copy: deleted and created
    /// again after the delete was forgotten (`index.gc_deletes`). Only fixable under the
    /// freeze, with a plain overwrite.
    public var lowerVersion: [String] = []
    public var sourceCount = 0
    public var targetCount = 0

    public var size: Int { toCopy.count + toDelete.count + lowerVersion.count }
}

/// Compares (id, version) of the source and the target. Both lists go into temporary tables of
/// the journal's SQLite connection and are joined there, so memory stays flat whatever the
/// index size; documents the run dropped or dead-lettered at the same version are not copied
/// again.
struct DeltaScanner {
    let client: ClusterClient
    let journal: Journal
    let runID: String
    /// A rollback: the forward run whose dropped and dead-lettered documents stay in the
    /// target (the old index) although the source (the new index) never had them.
    var keptInTarget: String? = nil

    /// `exact` (under the freeze, nothing moves): the lists must hold as many ids as the
    /// indices count, or the scan is done again — a scroll page lost to a resent request would
    /// otherwise make present documents look deleted.
    ///
    /// `only` restricts the comparison to the source documents matching it (and their ids in
    /// the target): the frozen pass's delta, cheap when few documents changed.
    func scan(source: String, target: String, exact: Bool = false, only: JSONValue? = nil) throws -> Delta {
        for attempt in 1...3 {
            let delta = try scanOnce(source: source, target: target, only: only)
            guard exact else { return delta }
            let sourceCount = try client.count(source, query: only)
            // Restricted, the target is read by ids in plain searches: no page to lose.
            let targetCount = only == nil ? try client.count(target) : delta.targetCount
            if delta.sourceCount == sourceCount && delta.targetCount == targetCount { return delta }
            if attempt == 3 {
                throw FerryError("listing ids under the freeze: read \(delta.sourceCount)/\(sourceCount) of \(source) and \(delta.targetCount)/\(targetCount) of \(target) three times; not trusting the comparison")
            }
        }
        fatalError("unreachable")
    }

    private func scanOnce(source: String, target: String, only: JSONValue?) throws -> Delta {
        let db = journal.db
        try db.execute("""
            PRAGMA temp_store = FILE;
            DROP TABLE IF EXISTS temp.delta_source;
            DROP TABLE IF EXISTS temp.delta_target;
            CREATE TEMP TABLE delta_source (id TEXT PRIMARY KEY, version INTEGER) WITHOUT ROWID;
            CREATE TEMP TABLE delta_target (id TEXT PRIMARY KEY, version INTEGER) WITHOUT ROWID;
            """)
        defer { try? db.execute("DROP TABLE IF EXISTS temp.delta_source; DROP TABLE IF EXISTS temp.delta_target;") }
        var delta = Delta()
        delta.sourceCount = try load(source, query: only, into: "delta_source")
        if only == nil {
            delta.targetCount = try load(target, into: "delta_target")
        } else {
            delta.targetCount = try loadByID(target, ids: try ids(db, "SELECT id FROM delta_source ORDER BY id", []), into: "delta_target")
        }
        let run: [SQLiteValue] = [.text(runID)]
        let kept: [SQLiteValue] = [.text(keptInTarget ?? "")]
        // One pass over the source side finds both what to copy and what is lower in the
        // source, one over the target side what to delete (each row looked up by key once).
        for row in try db.prepare("""
            SELECT s.id, t.id IS NOT NULL AND s.version < t.version FROM delta_source s
            LEFT JOIN delta_target t ON t.id = s.id
            LEFT JOIN skipped k ON k.run_id = ? AND k.doc_id = s.id
            WHERE ((t.id IS NULL OR s.version > t.version)
                   AND NOT (k.doc_id IS NOT NULL AND k.version IS s.version))
               OR (t.id IS NOT NULL AND s.version < t.version)
            ORDER BY s.id
            """).rows(run) {
            guard case .text(let id) = row[0] else { continue }
            if case .integer(1) = row[1] { delta.lowerVersion.append(id) } else { delta.toCopy.append(id) }
        }
        // Also a target copy of a document the run now drops or dead-letters at the source's
        // current version: it is no longer T(source).
        delta.toDelete = try ids(db, """
            SELECT t.id FROM delta_target t
            LEFT JOIN delta_source s ON s.id = t.id
            LEFT JOIN skipped k ON k.run_id = ? AND k.doc_id = t.id
            LEFT JOIN skipped f ON f.run_id = ? AND f.doc_id = t.id
            WHERE (s.id IS NULL AND NOT (f.doc_id IS NOT NULL AND f.version IS t.version))
               OR (k.doc_id IS NOT NULL AND k.version IS s.version)
            ORDER BY t.id
            """, run + kept)
        return delta
    }

    /// Loads (id, version) of every document of `index` into a temporary table.
    private func load(_ index: String, query: JSONValue? = nil, into table: String) throws -> Int {
        let insert = try RowInserter(journal.db, table: table)
        var count = 0
        var body: [String: JSONValue] = ["sort": ["_doc"], "_source": false, "version": true]
        if let query { body["query"] = query }
        try client.scrollAll(index: index, body: .object(body), size: 5000, keepAlive: .seconds(120)) { page in
            try journal.db.transaction { try insert.add(page.hits) }
            count += page.hits.count
        }
        return count
    }

    /// Loads (id, version) of the documents of `index` with these ids.
    private func loadByID(_ index: String, ids: [String], into table: String) throws -> Int {
        let insert = try RowInserter(journal.db, table: table)
        var count = 0
        for chunk in ids.chunked(5000) {
            let body: JSONValue = [
                "query": ["ids": ["values": .array(chunk.map { .string($0) })]], "size": .int(Int64(chunk.count)),
                "_source": false, "version": true,
            ]
            let page = try client.search(index: index, body: body)
            try journal.db.transaction { try insert.add(page.hits) }
            count += page.hits.count
        }
        return count
    }

    private func ids(_ db: SQLiteDatabase, _ sql: String, _ values: [SQLiteValue]) throws -> [String] {
        try db.prepare(sql).rows(values).compactMap {
            if case .text(let id) = $0[0] { return id }
            return nil
        }
    }
}

/// Inserts (id, version) rows into a scratch table `rowsPerStatement` at a time: one prepared
/// statement run per hundred documents instead of one per document (binding, stepping and
/// finishing a statement cost more than the row itself).
private struct RowInserter {
    static let rowsPerStatement = 100
    let many: SQLiteStatement
    let one: SQLiteStatement

    init(_ db: SQLiteDatabase, table: String) throws {
        let rows = Array(repeating: "(?, ?)", count: Self.rowsPerStatement).joined(separator: ", ")
        many = try db.prepare("INSERT OR REPLACE INTO temp.\(table) (id, version) VALUES \(rows)")
        one = try db.prepare("INSERT OR REPLACE INTO temp.\(table) (id, version) VALUES (?, ?)")
    }

    func add(_ hits: [Hit]) throws {
        var values: [SQLiteValue] = []
        values.reserveCapacity(2 * Self.rowsPerStatement)
        var start = 0
        while hits.count - start >= Self.rowsPerStatement {
            values.removeAll(keepingCapacity: true)
            for hit in hits[start..<start + Self.rowsPerStatement] {
                values.append(.text(hit.id))
                values.append(hit.version.map { .integer($0) } ?? .null)
            }
            try many.run(values)
            start += Self.rowsPerStatement
        }
        for hit in hits[start...] {
            try one.run([.text(hit.id), hit.version.map { .integer($0) } ?? .null])
        }
    }
}
