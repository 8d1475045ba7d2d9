import FerryCore
import FerryStore

/// Named values a run keeps between its passes (where the last catch-up pass started, for
/// the frozen pass to read only what changed since), and the skipped ids the freeze's count
/// comparison needs.
extension Journal {
    public func setCheckpoint(_ runID: String, _ name: String, _ value: String) throws {
        try db.prepare("INSERT OR REPLACE INTO checkpoints (run_id, name, value) VALUES (?, ?, ?)")
            .run([.text(runID), .text(name), .text(value)])
    }

    public func checkpoint(_ runID: String, _ name: String) throws -> String? {
        guard let row = try db.prepare("SELECT value FROM checkpoints WHERE run_id = ? AND name = ?").rows([.text(runID), .text(name)]).first,
              case .text(let value) = row[0]
        else { return nil }
        return value
    }

    /// Ids the target is meant not to have (dropped by a step, or dead letters).
    public func skippedIDs(_ runID: String) throws -> [String] {
        try db.prepare("SELECT doc_id FROM skipped WHERE run_id = ? ORDER BY doc_id").rows([.text(runID)]).compactMap {
            if case .text(let id) = $0[0] { return id }
            return nil
        }
    }

    /// The newest event of a run whose message starts with one of `prefixes`.
    public func lastEvent(_ runID: String, startingWith prefixes: [String]) throws -> String? {
        let clause = prefixes.map { _ in "message LIKE ? || '%'" }.joined(separator: " OR ")
        let rows = try db.prepare("SELECT message FROM events WHERE run_id = ? AND (\(clause)) ORDER BY id DESC LIMIT 1")
            .rows([.text(runID)] + prefixes.map { .text($0) })
        guard let row = rows.first, case .text(let message) = row[0] else { return nil }
        return message
    }
}
