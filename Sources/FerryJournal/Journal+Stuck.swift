/// Documents a transform worker was stuck on (the watchdog stopped the pass): the next attempt
/// of the run dead-letters them without running them again.
import FerryCore
import FerryPipeline
import FerryStore

extension Journal {
    private func ensureStuckTable() throws {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS stuck_documents (
                run_id TEXT NOT NULL,
                doc_id TEXT NOT NULL,
                step TEXT NOT NULL,
                message TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                PRIMARY KEY (run_id, doc_id)
            );
            """)
    }

    /// Records why the pass stopped: the document, its step, and the watchdog's message.
    public func recordStuck(_ runID: String, _ stuck: DocumentStuck, phase: Phase) throws {
        try ensureStuckTable()
        try db.transaction {
            try db.prepare("INSERT OR REPLACE INTO stuck_documents (run_id, doc_id, step, message, recorded_at) VALUES (?, ?, ?, ?, ?)")
                .run([.text(runID), .text(stuck.document.id), .text(stuck.document.step), .text(stuck.description), .text(Self.now())])
            try event(runID, phase, stuck.description)
        }
    }

    public func stuckDocuments(_ runID: String) throws -> [StuckDocument] {
        try ensureStuckTable()
        return try db.prepare("SELECT doc_id, step FROM stuck_documents WHERE run_id = ? ORDER BY recorded_at").rows([.text(runID)]).compactMap { row in
            guard case .text(let id) = row[0], case .text(let step) = row[1] else { return nil }
            return StuckDocument(id: id, step: step)
        }
    }
}
