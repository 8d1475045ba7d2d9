import Foundation
import FerryCore
import FerryPipeline
import FerryStore

/// The run journal: a SQLite database (default `.ferry/state.db`) that records each run's
/// plan, phase, per-slice progress, dead letters and an event log. Every write is its own
/// transaction with `synchronous=FULL`, so a kill -9 loses at most the work since the last
/// commit, which the phases redo idempotently. Owns one connection: use from one thread.
public final class Journal {
    public let path: String
    /// The journal's connection, for scratch tables the catch-up joins in (see `DeltaScanner`).
    public let db: SQLiteDatabase
    /// The file's device and inode when it was opened (see `checkInPlace`).
    public let openedIdentity: JournalFileIdentity?

    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        try db.execute(Self.schema)
        try db.execute(Self.familySchema)
        openedIdentity = JournalFileIdentity.of(path)
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY,
            recipe TEXT NOT NULL,
            read_alias TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            plan TEXT NOT NULL,
            phase TEXT NOT NULL,
            slices INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            frozen_at_ms INTEGER,
            freeze_ms INTEGER
        );
        CREATE INDEX IF NOT EXISTS runs_by_recipe ON runs(recipe, started_at);
        CREATE TABLE IF NOT EXISTS slices (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            slice INTEGER NOT NULL,
            done INTEGER NOT NULL DEFAULT 0,
            read INTEGER NOT NULL DEFAULT 0,
            written INTEGER NOT NULL DEFAULT 0,
            dropped INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, slice)
        );
        CREATE TABLE IF NOT EXISTS dead_letters (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            slice INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            location TEXT NOT NULL,
            error_type TEXT NOT NULL,
            status INTEGER,
            message TEXT NOT NULL,
            source BLOB,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS dead_letters_by_run ON dead_letters(run_id, slice);
        CREATE TABLE IF NOT EXISTS skipped (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            doc_id TEXT NOT NULL,
            version INTEGER,
            reason TEXT NOT NULL,
            PRIMARY KEY (run_id, doc_id)
        );
        CREATE TABLE IF NOT EXISTS checkpoints (
            run_id TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run_id, name)
        );
        CREATE TABLE IF NOT EXISTS events (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            at TEXT NOT NULL,
            phase TEXT NOT NULL,
            message TEXT NOT NULL
        );
        """

    static func now() -> String { ISODate.now(fractionalSeconds: true) }

    // MARK: Runs

    public func begin(_ record: RunRecord) throws {
        try db.transaction {
            try db.prepare("""
                INSERT INTO runs (run_id, recipe, read_alias, fingerprint, plan, phase, slices, started_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([
                    .text(record.runID), .text(record.recipe), .text(record.readAlias), .text(record.fingerprint),
                    .text(record.plan.json.serialized()), .text(record.phase.rawValue), .integer(Int64(record.sliceCount)),
                    .text(record.startedAt), .text(Self.now()),
                ])
            let insert = try db.prepare("INSERT INTO slices (run_id, slice) VALUES (?, ?)")
            for slice in 0..<record.sliceCount {
                try insert.run([.text(record.runID), .integer(Int64(slice))])
            }
            try logEvent(record.runID, record.phase, "run started")
        }
    }

    public func setPhase(_ runID: String, _ phase: Phase, _ message: String) throws {
        try db.transaction {
            try db.prepare("UPDATE runs SET phase = ?, updated_at = ? WHERE run_id = ?")
                .run([.text(phase.rawValue), .text(Self.now()), .text(runID)])
            try logEvent(runID, phase, message)
        }
    }

    /// When writes to the source were blocked (epoch ms), kept across a resume so the freeze
    /// window is measured from the real start.
    public func setFrozenAt(_ runID: String, milliseconds: Int64?) throws {
        try db.prepare("UPDATE runs SET frozen_at_ms = ? WHERE run_id = ?")
            .run([milliseconds.map { .integer($0) } ?? .null, .text(runID)])
    }

    public func frozenAt(_ runID: String) throws -> Int64? {
        guard let row = try db.prepare("SELECT frozen_at_ms FROM runs WHERE run_id = ?").rows([.text(runID)]).first,
              case .integer(let ms) = row[0]
        else { return nil }
        return ms
    }

    public func setFreezeWindow(_ runID: String, milliseconds: Int) throws {
        try db.prepare("UPDATE runs SET freeze_ms = ? WHERE run_id = ?").run([.integer(Int64(milliseconds)), .text(runID)])
    }

    /// Records documents the target is meant not to have (dropped, or dead letters) at the
    /// source version seen, replacing earlier records of the same ids.
    public func recordSkipped(_ runID: String, _ documents: [SkippedDocument]) throws {
        guard !documents.isEmpty else { return }
        try db.transaction { try insertSkipped(runID, documents) }
    }

    private func insertSkipped(_ runID: String, _ documents: [SkippedDocument]) throws {
        let insert = try db.prepare("INSERT OR REPLACE INTO skipped (run_id, doc_id, version, reason) VALUES (?, ?, ?, ?)")
        for doc in documents {
            try insert.run([.text(runID), .text(doc.id), doc.version.map { .integer($0) } ?? .null, .text(doc.reason)])
        }
    }

    /// Forgets the dead letters of ids about to be copied again from a newer version.
    public func clearDeadLetters(_ runID: String, ids: [String]) throws {
        guard !ids.isEmpty else { return }
        try db.transaction {
            let delete = try db.prepare("DELETE FROM dead_letters WHERE run_id = ? AND doc_id = ?")
            for id in ids { try delete.run([.text(runID), .text(id)]) }
        }
    }

    /// Forgets skipped records for ids that were copied after all (the source changed).
    public func clearSkipped(_ runID: String, ids: [String]) throws {
        guard !ids.isEmpty else { return }
        try db.transaction {
            let delete = try db.prepare("DELETE FROM skipped WHERE run_id = ? AND doc_id = ?")
            for id in ids { try delete.run([.text(runID), .text(id)]) }
        }
    }

    public func event(_ runID: String, _ phase: Phase, _ message: String) throws {
        try logEvent(runID, phase, message)
    }

    private func logEvent(_ runID: String, _ phase: Phase, _ message: String) throws {
        try db.prepare("INSERT INTO events (run_id, at, phase, message) VALUES (?, ?, ?, ?)")
            .run([.text(runID), .text(Self.now()), .text(phase.rawValue), .text(message)])
    }

    /// The newest run of `recipe`, finished or not.
    public func latestRun(recipe: String) throws -> RunRecord? {
        try runs(where: "recipe = ?", [.text(recipe)], limit: 1).first
    }

    /// The newest run of `recipe` that is not over, if any: the one `ferry run` resumes.
    public func unfinishedRun(recipe: String) throws -> RunRecord? {
        let open = Phase.allCases.filter { !$0.isFinal }.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try runs(where: "recipe = ? AND phase IN (\(open))", [.text(recipe)], limit: 1).first
    }

    /// Runs of `recipe`, newest first.
    public func runs(recipe: String, limit: Int = 20) throws -> [RunRecord] {
        try runs(where: "recipe = ?", [.text(recipe)], limit: limit)
    }

    func runs(where condition: String, _ values: [SQLiteValue], limit: Int) throws -> [RunRecord] {
        let rows = try db.prepare("""
            SELECT run_id, recipe, read_alias, fingerprint, plan, phase, slices, started_at, updated_at, freeze_ms
            FROM runs WHERE \(condition) ORDER BY started_at DESC, rowid DESC LIMIT \(limit)
            """).rows(values)
        return try rows.map { row in
            guard case .text(let runID) = row[0], case .text(let recipe) = row[1], case .text(let alias) = row[2],
                  case .text(let fingerprint) = row[3], case .text(let planText) = row[4], case .text(let phaseText) = row[5],
                  case .integer(let slices) = row[6], case .text(let started) = row[7], case .text(let updated) = row[8],
                  let phase = Phase(rawValue: phaseText)
            else { throw FerryError("journal \(path): malformed run row") }
            var freeze: Int? = nil
            if case .integer(let ms) = row[9] { freeze = Int(ms) }
            return RunRecord(
                runID: runID, recipe: recipe, readAlias: alias, fingerprint: fingerprint,
                plan: try PlanRecord(json: try JSONValue.parse(planText)), phase: phase, sliceCount: Int(slices),
                startedAt: started, updatedAt: updated, freezeMilliseconds: freeze)
        }
    }

    // MARK: Slices

    public func pendingSlices(_ runID: String) throws -> [Int] {
        try db.prepare("SELECT slice FROM slices WHERE run_id = ? AND done = 0 ORDER BY slice").rows([.text(runID)]).compactMap {
            if case .integer(let s) = $0[0] { return Int(s) }
            return nil
        }
    }

    /// Records a finished slice with its counts and dead letters in one transaction. Dead
    /// letters from an earlier, interrupted attempt at the slice are replaced.
    public func completeSlice(_ runID: String, _ result: SliceResult) throws {
        try db.transaction {
            try db.prepare("UPDATE slices SET done = 1, read = ?, written = ?, dropped = ?, failed = ? WHERE run_id = ? AND slice = ?")
                .run([
                    .integer(Int64(result.read)), .integer(Int64(result.written)), .integer(Int64(result.dropped)),
                    .integer(Int64(result.failures.count)), .text(runID), .integer(Int64(result.slice)),
                ])
            try db.prepare("DELETE FROM dead_letters WHERE run_id = ? AND slice = ?")
                .run([.text(runID), .integer(Int64(result.slice))])
            try insertDeadLetters(runID, slice: result.slice, result.failures)
            try insertSkipped(runID, result.skippedDocuments)
        }
    }

    /// Records the dead letters of a slice that did not complete, replacing earlier ones of it.
    /// With `replacingSlice: false` (catch-up passes), earlier letters are replaced per document only.
    public func recordDeadLetters(_ runID: String, slice: Int, _ failures: [DocumentFailure], replacingSlice: Bool = true) throws {
        try db.transaction {
            if replacingSlice {
                try db.prepare("DELETE FROM dead_letters WHERE run_id = ? AND slice = ?").run([.text(runID), .integer(Int64(slice))])
            }
            try insertDeadLetters(runID, slice: slice, failures)
        }
    }

    private func insertDeadLetters(_ runID: String, slice: Int, _ failures: [DocumentFailure]) throws {
        let insert = try db.prepare("""
            INSERT INTO dead_letters (run_id, slice, doc_id, stage, location, error_type, status, message, source, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let now = Self.now()
        // A document keeps one dead letter, its latest failure (a catch-up pass may fail it again).
        let forget = try db.prepare("DELETE FROM dead_letters WHERE run_id = ? AND doc_id = ?")
        for failure in failures {
            try forget.run([.text(runID), .text(failure.id)])
            try insert.run([
                .text(runID), .integer(Int64(slice)), .text(failure.id), .text(failure.stage.rawValue),
                .text(failure.location), .text(failure.errorType), failure.status.map { .integer(Int64($0)) } ?? .null,
                .text(failure.message), failure.source.map { .blob($0) } ?? .null, .text(now),
            ])
        }
    }

    /// Documents the run's steps dropped (at their latest version seen).
    public func droppedCount(_ runID: String) throws -> Int {
        guard let row = try db.prepare("SELECT COUNT(*) FROM skipped WHERE run_id = ? AND reason LIKE 'dropped%'").rows([.text(runID)]).first,
              case .integer(let n) = row[0]
        else { return 0 }
        return Int(n)
    }

    public func deadLetterCount(_ runID: String) throws -> Int {
        guard let row = try db.prepare("SELECT COUNT(*) FROM dead_letters WHERE run_id = ?").rows([.text(runID)]).first,
              case .integer(let n) = row[0]
        else { return 0 }
        return Int(n)
    }

    /// Totals over the finished slices.
    public func totals(_ runID: String) throws -> SliceTotals {
        let row = try db.prepare("""
            SELECT COUNT(*), COALESCE(SUM(done),0), COALESCE(SUM(read),0), COALESCE(SUM(written),0),
                   COALESCE(SUM(dropped),0), COALESCE(SUM(failed),0)
            FROM slices WHERE run_id = ?
            """).rows([.text(runID)]).first ?? []
        func int(_ i: Int) -> Int {
            if i < row.count, case .integer(let v) = row[i] { return Int(v) }
            return 0
        }
        return SliceTotals(slices: int(0), done: int(1), read: int(2), written: int(3), dropped: int(4), failed: int(5))
    }

    // MARK: Dead letters and events

    public func deadLetters(_ runID: String, limit: Int = Int.max) throws -> [DeadLetter] {
        let rows = try db.prepare("""
            SELECT doc_id, stage, location, error_type, status, message, source, recorded_at
            FROM dead_letters WHERE run_id = ? ORDER BY id LIMIT ?
            """).rows([.text(runID), .integer(Int64(min(limit, Int(Int64.max))))])
        return rows.map { row in
            func text(_ i: Int) -> String {
                if case .text(let s) = row[i] { return s }
                return ""
            }
            var status: Int? = nil
            if case .integer(let s) = row[4] { status = Int(s) }
            var source: [UInt8]? = nil
            if case .blob(let b) = row[6] { source = b }
            return DeadLetter(
                id: text(0), stage: text(1), location: text(2), errorType: text(3), status: status,
                message: text(5), source: source, recordedAt: text(7))
        }
    }

    public func events(_ runID: String) throws -> [(at: String, phase: String, message: String)] {
        try db.prepare("SELECT at, phase, message FROM events WHERE run_id = ? ORDER BY id").rows([.text(runID)]).map { row in
            func text(_ i: Int) -> String {
                if case .text(let s) = row[i] { return s }
                return ""
            }
            return (text(0), text(1), text(2))
        }
    }
}
