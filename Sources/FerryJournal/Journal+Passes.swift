/// What the passes after the first copy wrote (catch-up, frozen pass, rewrite, in-place,
/// backfill, dead-letter retry), by kind: the first copy's counts are in `slices`, and status
/// must add these to say how many documents were written in all.
import FerryCore
import FerryStore

/// One kind of later pass, summed over every pass of that kind in a run.
public struct PassTotals: Sendable, Hashable {
    /// "catch-up", "frozen pass", "dead-letter retry", …
    public let kind: String
    public let passes: Int
    public let read: Int
    public let written: Int
    public let dropped: Int
    public let failed: Int

    /// "written 200" after the first copy alone, else by pass: "written 210: 200 in the copy,
    /// 10 in frozen pass" (status and the run report say it alike).
    public static func writtenText(copy: Int, later: [PassTotals]) -> String {
        let wrote = later.filter { $0.written > 0 }
        guard !wrote.isEmpty else { return "written \(copy)" }
        return "written \(copy + wrote.reduce(0) { $0 + $1.written }): \(copy) in the copy, "
            + wrote.map { "\($0.written) in \($0.kind)" }.joined(separator: ", ")
    }
}

extension Journal {
    private func ensurePassTable() throws {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS pass_totals (
                run_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                passes INTEGER NOT NULL,
                read INTEGER NOT NULL,
                written INTEGER NOT NULL,
                dropped INTEGER NOT NULL,
                failed INTEGER NOT NULL,
                PRIMARY KEY (run_id, kind)
            );
            """)
    }

    /// Adds one pass's counts to its kind (`label` without a pass number: "catch-up 2" → "catch-up").
    public func recordPass(_ runID: String, label: String, read: Int, written: Int, dropped: Int, failed: Int) throws {
        try ensurePassTable()
        let kind = Self.passKind(label)
        try db.prepare("""
            INSERT INTO pass_totals (run_id, kind, passes, read, written, dropped, failed) VALUES (?, ?, 1, ?, ?, ?, ?)
            ON CONFLICT (run_id, kind) DO UPDATE SET passes = passes + 1, read = read + excluded.read,
                written = written + excluded.written, dropped = dropped + excluded.dropped, failed = failed + excluded.failed
            """).run([.text(runID), .text(kind), .integer(Int64(read)), .integer(Int64(written)), .integer(Int64(dropped)), .integer(Int64(failed))])
    }

    /// The later passes' totals by kind, in the order each kind first ran.
    public func passTotals(_ runID: String) throws -> [PassTotals] {
        try ensurePassTable()
        return try db.prepare("SELECT kind, passes, read, written, dropped, failed FROM pass_totals WHERE run_id = ? ORDER BY rowid")
            .rows([.text(runID)]).compactMap { row in
                guard case .text(let kind) = row[0] else { return nil }
                func int(_ i: Int) -> Int {
                    if case .integer(let v) = row[i] { return Int(v) }
                    return 0
                }
                return PassTotals(kind: kind, passes: int(1), read: int(2), written: int(3), dropped: int(4), failed: int(5))
            }
    }

    static func passKind(_ label: String) -> String {
        var words = label.split(separator: " ")
        if words.count > 1, Int(words.last!) != nil { words.removeLast() }
        return words.joined(separator: " ")
    }
}
