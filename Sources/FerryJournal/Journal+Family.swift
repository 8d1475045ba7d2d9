/// Index families in the journal. The API status, rollback and cleanup read:
/// - `latestFamilyRun(recipe:)` / `unfinishedFamilyRun(recipe:)` / `familyRun(id)`: the family
///   run (`FamilyRunRecord`: phase, target version, the template and the body it replaced);
/// - `members(of:)`: its members oldest first (`FamilyMemberRecord`: state, the member's unit
///   `runID`, old `member` → `targetIndex`, documents, times, freeze, note);
/// - `run(id:)`: a member's unit run (an ordinary row of `runs`, so slices, passes, dead
///   letters and events are read as for a single index; its `plan.familyRun` names the family run);
/// - `setMemberState` / `setFamilyPhase`: what rollback records (`.rolledBack`).
/// Family-level events are in `events` under the family run id (`events(familyRunID)`).
import FerryCore
import FerryStore

extension Journal {
    static let familySchema = """
        CREATE TABLE IF NOT EXISTS family_runs (
            family_run_id TEXT PRIMARY KEY,
            recipe TEXT NOT NULL,
            read_alias TEXT NOT NULL,
            write_alias TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            target_version TEXT NOT NULL,
            template TEXT NOT NULL,
            template_kind TEXT NOT NULL,
            old_template TEXT,
            old_template_recorded INTEGER NOT NULL DEFAULT 0,
            phase TEXT NOT NULL,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS family_runs_by_recipe ON family_runs(recipe, started_at);
        CREATE TABLE IF NOT EXISTS family_members (
            family_run_id TEXT NOT NULL REFERENCES family_runs(family_run_id),
            position INTEGER NOT NULL,
            member TEXT NOT NULL,
            state TEXT NOT NULL,
            run_id TEXT,
            target_index TEXT,
            holds_write_alias INTEGER NOT NULL DEFAULT 0,
            note TEXT,
            started_at TEXT,
            finished_at TEXT,
            documents INTEGER,
            freeze_ms INTEGER,
            PRIMARY KEY (family_run_id, member)
        );
        """

    // MARK: Family runs

    public func beginFamilyRun(_ record: FamilyRunRecord) throws {
        try db.transaction {
            try db.prepare("""
                INSERT INTO family_runs (family_run_id, recipe, read_alias, write_alias, fingerprint, target_version,
                    template, template_kind, old_template, old_template_recorded, phase, started_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([
                    .text(record.familyRunID), .text(record.recipe), .text(record.readAlias), .text(record.writeAlias),
                    .text(record.fingerprint), .text(record.targetVersion), .text(record.template), .text(record.templateKind),
                    record.oldTemplate.map { .text($0.serialized()) } ?? .null, .integer(record.oldTemplateRecorded ? 1 : 0),
                    .text(record.phase.rawValue), .text(record.startedAt), .text(Self.now()),
                ])
            try familyEvent(record.familyRunID, record.phase, "family run started (target \(record.targetVersion))")
        }
    }

    /// Journals the template the run replaces (nil: there was none), before it is replaced.
    public func recordOldTemplate(_ familyRunID: String, _ body: JSONValue?) throws {
        try db.transaction {
            try db.prepare("UPDATE family_runs SET old_template = ?, old_template_recorded = 1, updated_at = ? WHERE family_run_id = ?")
                .run([body.map { .text($0.serialized()) } ?? .null, .text(Self.now()), .text(familyRunID)])
            try familyEvent(familyRunID, .template, body == nil ? "there was no template before the run" : "journaled the template before the run")
        }
    }

    public func setFamilyPhase(_ familyRunID: String, _ phase: FamilyPhase, _ message: String) throws {
        try db.transaction {
            try db.prepare("UPDATE family_runs SET phase = ?, updated_at = ? WHERE family_run_id = ?")
                .run([.text(phase.rawValue), .text(Self.now()), .text(familyRunID)])
            try familyEvent(familyRunID, phase, message)
        }
    }

    /// Logs a family-level event (under the family run id in `events`).
    public func familyEvent(_ familyRunID: String, _ phase: FamilyPhase, _ message: String) throws {
        try db.prepare("INSERT INTO events (run_id, at, phase, message) VALUES (?, ?, ?, ?)")
            .run([.text(familyRunID), .text(Self.now()), .text("FAMILY_" + phase.rawValue), .text(message)])
    }

    public func familyRun(_ familyRunID: String) throws -> FamilyRunRecord? {
        try familyRuns(where: "family_run_id = ?", [.text(familyRunID)], limit: 1).first
    }

    public func latestFamilyRun(recipe: String) throws -> FamilyRunRecord? {
        try familyRuns(where: "recipe = ?", [.text(recipe)], limit: 1).first
    }

    /// The family run `ferry run` continues, if one is not over.
    public func unfinishedFamilyRun(recipe: String) throws -> FamilyRunRecord? {
        let open = FamilyPhase.allCases.filter { !$0.isFinal }.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try familyRuns(where: "recipe = ? AND phase IN (\(open))", [.text(recipe)], limit: 1).first
    }

    /// Family runs of `recipe`, newest first.
    public func familyRuns(recipe: String, limit: Int = 20) throws -> [FamilyRunRecord] {
        try familyRuns(where: "recipe = ?", [.text(recipe)], limit: limit)
    }

    private func familyRuns(where condition: String, _ values: [SQLiteValue], limit: Int) throws -> [FamilyRunRecord] {
        let rows = try db.prepare("""
            SELECT family_run_id, recipe, read_alias, write_alias, fingerprint, target_version, template, template_kind,
                   old_template, old_template_recorded, phase, started_at, updated_at
            FROM family_runs WHERE \(condition) ORDER BY started_at DESC, rowid DESC LIMIT \(limit)
            """).rows(values)
        return try rows.map { row in
            let r = Row(row)
            guard let phase = FamilyPhase(rawValue: r.text(10)) else { throw FerryError("journal \(path): malformed family run row") }
            return FamilyRunRecord(
                familyRunID: r.text(0), recipe: r.text(1), readAlias: r.text(2), writeAlias: r.text(3), fingerprint: r.text(4),
                targetVersion: r.text(5), template: r.text(6), templateKind: r.text(7),
                oldTemplate: try r.optionalText(8).map { try JSONValue.parse($0) }, oldTemplateRecorded: r.int(9) == 1,
                phase: phase, startedAt: r.text(11), updatedAt: r.text(12))
        }
    }

    // MARK: Members

    /// Adds members found by discovery; members the run already knows keep their rows.
    public func addMembers(_ members: [FamilyMemberRecord]) throws {
        try db.transaction {
            let insert = try db.prepare("""
                INSERT OR IGNORE INTO family_members (family_run_id, position, member, state, run_id, target_index,
                    holds_write_alias, note, started_at, finished_at, documents, freeze_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for m in members { try insert.run(Self.values(m)) }
        }
    }

    /// Replaces a member's row with `member` (state, unit run, figures, note).
    public func saveMember(_ member: FamilyMemberRecord) throws {
        try db.transaction {
            try db.prepare("""
                INSERT OR REPLACE INTO family_members (family_run_id, position, member, state, run_id, target_index,
                    holds_write_alias, note, started_at, finished_at, documents, freeze_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run(Self.values(member))
            try familyEvent(member.familyRunID, .members, "\(member.member): \(member.state.rawValue)" + (member.note.map { " (\($0))" } ?? ""))
        }
    }

    /// Sets one member's state and note (what rollback records), keeping the rest of its row.
    public func setMemberState(_ familyRunID: String, member: String, _ state: MemberState, note: String? = nil) throws {
        guard var record = try members(of: familyRunID).first(where: { $0.member == member }) else {
            throw FerryError("journal \(path): family run \(familyRunID) has no member \(member)")
        }
        record.state = state
        if let note { record.note = note }
        try saveMember(record)
    }

    /// The members of a family run, oldest first.
    public func members(of familyRunID: String) throws -> [FamilyMemberRecord] {
        try db.prepare("""
            SELECT family_run_id, position, member, state, run_id, target_index, holds_write_alias, note, started_at,
                   finished_at, documents, freeze_ms
            FROM family_members WHERE family_run_id = ? ORDER BY position, member
            """).rows([.text(familyRunID)]).map { row in
            let r = Row(row)
            guard let state = MemberState(rawValue: r.text(3)) else { throw FerryError("journal \(path): malformed member row") }
            return FamilyMemberRecord(
                familyRunID: r.text(0), position: r.int(1) ?? 0, member: r.text(2), state: state, runID: r.optionalText(4),
                targetIndex: r.optionalText(5), holdsWriteAlias: r.int(6) == 1, note: r.optionalText(7),
                startedAt: r.optionalText(8), finishedAt: r.optionalText(9), documents: r.int(10), freezeMilliseconds: r.int(11))
        }
    }

    /// Any run (a member's unit run, or a single index's) by its id.
    public func run(id: String) throws -> RunRecord? {
        try runs(where: "run_id = ?", [.text(id)], limit: 1).first
    }

    private static func values(_ m: FamilyMemberRecord) -> [SQLiteValue] {
        func text(_ s: String?) -> SQLiteValue { s.map { .text($0) } ?? .null }
        func int(_ i: Int?) -> SQLiteValue { i.map { .integer(Int64($0)) } ?? .null }
        return [
            .text(m.familyRunID), .integer(Int64(m.position)), .text(m.member), .text(m.state.rawValue), text(m.runID),
            text(m.targetIndex), .integer(m.holdsWriteAlias ? 1 : 0), text(m.note), text(m.startedAt), text(m.finishedAt),
            int(m.documents), int(m.freezeMilliseconds),
        ]
    }
}

/// Reads the columns of one result row by position.
private struct Row {
    let values: [SQLiteValue]
    init(_ values: [SQLiteValue]) { self.values = values }

    func optionalText(_ i: Int) -> String? {
        if i < values.count, case .text(let s) = values[i] { return s }
        return nil
    }

    func text(_ i: Int) -> String { optionalText(i) ?? "" }

    func int(_ i: Int) -> Int? {
        if i < values.count, case .integer(let v) = values[i] { return Int(v) }
        return nil
    }
}
