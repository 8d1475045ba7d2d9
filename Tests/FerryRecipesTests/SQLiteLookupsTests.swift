import Foundation
import Testing
import FerryCore
import FerryStore
@testable import FerryRecipes

/// Lookups by key stay index lookups, and the row cache stays bounded, whatever the table size.
@Suite("SQLite lookups")
struct SQLiteLookupsTests {
    /// A database file with `rows` rows in `labels(doc, labels)`, `doc` indexed or not.
    func labelsDatabase(rows: Int, indexed: Bool) throws -> String {
        let path = NSTemporaryDirectory() + "ferry-lookup-\(UUID().uuidString).db"
        let db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE labels (doc TEXT, labels TEXT)")
        if indexed { try db.execute("CREATE INDEX labels_doc ON labels(doc)") }
        try db.transaction {
            let insert = try db.prepare("INSERT INTO labels VALUES (?, ?)")
            for i in 0..<rows { try insert.run([.text("d\(i)"), .text("l\(i)")]) }
        }
        return path
    }

    func spec(_ source: LookupSpec.Source) -> LookupSpec {
        LookupSpec(name: "labels", source: source, table: "labels", keyColumn: "doc")
    }

    @Test("a database file whose key column has no index is reported; with an index it is not")
    func unindexedFile() throws {
        let bare = try labelsDatabase(rows: 10, indexed: false)
        let indexed = try labelsDatabase(rows: 10, indexed: true)
        defer { for p in [bare, indexed] { try? FileManager.default.removeItem(atPath: p) } }
        let bareLookups = try SQLiteLookups([spec(.database(path: bare))])
        #expect(bareLookups.unindexed == ["labels"])
        #expect(try bareLookups.lookupRow(table: "labels", key: .text("d3")).map { try JSONValue.parse($0) }
            == ["doc": "d3", "labels": "l3"])
        #expect(try SQLiteLookups([spec(.database(path: indexed))]).unindexed.isEmpty)
    }

    @Test("an SQL-script table without an index on the key gets one in its in-memory copy")
    func sqlScriptIndexed() throws {
        let path = NSTemporaryDirectory() + "ferry-lookup-\(UUID().uuidString).sql"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "CREATE TABLE labels (doc TEXT, labels TEXT);\nINSERT INTO labels VALUES ('a', 'x');\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let lookups = try SQLiteLookups([spec(.sqlScript(path: path))])
        #expect(lookups.unindexed.isEmpty)
        #expect(try lookups.lookupRow(table: "labels", key: .text("a")) != nil)
        #expect(try lookups.lookupRow(table: "labels", key: .text("b")) == nil)
    }

    @Test("the row cache never holds more than its limit, and answers stay right after it is full")
    func boundedCache() throws {
        let path = try labelsDatabase(rows: 500, indexed: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lookups = try SQLiteLookups([spec(.database(path: path))], cacheLimit: 64)
        for round in 0..<2 {
            for i in 0..<500 {
                let row = try lookups.lookupRow(table: "labels", key: .text("d\(i)"))
                #expect(try row.map { try JSONValue.parse($0) } == ["doc": .string("d\(i)"), "labels": .string("l\(i)")], "round \(round)")
                #expect(lookups.cachedRows <= 64)
            }
        }
        #expect(try lookups.lookupRow(table: "labels", key: .text("nope")) == nil)
    }
}
