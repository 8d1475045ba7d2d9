/// Which journal this is: the file's identity (device and inode, taken when it was opened) and
/// an id kept inside it. A run checks both at each phase, so a journal deleted or replaced
/// under a running process (which would go on writing to the unlinked file) stops the run;
/// the id goes into `_meta.ferry` of the indices a run creates, so `ferry status` can tell an
/// index made with another (or a lost) journal.
import Foundation
import FerryCore

public struct JournalFileIdentity: Sendable, Equatable {
    public let device: UInt64
    public let inode: UInt64

    /// The identity of the file at `path` now, or nil when there is none.
    public static func of(_ path: String) -> JournalFileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return JournalFileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}

extension Journal {
    /// The journal's own id, made the first time it is asked for and kept in the file.
    public func journalID() throws -> String {
        try db.execute("CREATE TABLE IF NOT EXISTS journal_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        try db.prepare("INSERT OR IGNORE INTO journal_info (key, value) VALUES ('id', ?)")
            .run([.text(UUID().uuidString.lowercased())])
        guard let row = try db.prepare("SELECT value FROM journal_info WHERE key = 'id'").rows().first, case .text(let id) = row[0] else {
            throw FerryError("journal \(path): no id")
        }
        return id
    }

    /// Throws unless the file at `path` is still the one this process opened and still holds
    /// run `runID`.
    public func checkInPlace(runID: String) throws {
        let now = JournalFileIdentity.of(path)
        let what: String?
        if now == nil {
            what = "was deleted"
        } else if let openedIdentity, now != openedIdentity {
            what = "was replaced by another file"
        } else if try db.prepare("SELECT 1 FROM runs WHERE run_id = ?").rows([.text(runID)]).isEmpty {
            what = "no longer holds run \(runID)"
        } else {
            what = nil
        }
        guard let what else { return }
        throw FerryError(
            "the journal \(path) \(what) during run \(runID); stopping before changing anything else (what this run records would be lost)",
            hint: "restore the journal (the same file) and run the same command again to continue; otherwise `ferry status` reads the run from the indices' _meta.ferry and says what to do")
    }
}
