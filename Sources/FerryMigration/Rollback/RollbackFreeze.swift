/// The one seam between rollback and the forward run's write-block machinery (`WriteBlock`):
/// outside a rollback run (the flip, the discard) and the old index's block. Inside one, the
/// freeze is the forward run's own (`ReverseStrategy` runs `BlueGreenStrategy`'s phases).
import Foundation
import FerryCluster
import FerryCore
import FerryJournal

enum RollbackFreeze {
    /// The old index was write-blocked at the forward switch as the rollback point; the copy
    /// back writes into it. Journaled: no alias names the index until the switch back.
    static func liftForCopyBack(_ old: String, scope: RunScope) throws {
        try scope.client.unblockWrites(old)
        try scope.journal.event(scope.runID, scope.record.phase, "block lifted on \(old): the copy back writes into it (no alias points to it until the switch back)")
        scope.say("lifted the write block on \(old) for the copy back; no alias points to it until the switch back")
    }

    /// A rollback run given up: the old index is the rollback point again, write-blocked.
    static func blockAgain(_ old: String, client: ClusterClient, journal: Journal, record: RunRecord) throws {
        try client.blockWrites(old, on: try client.info())
        try journal.event(record.runID, record.phase, "block set on \(old): the rollback point again")
    }

    /// Outside a rollback run (the instant flip, the discard): the forward run's block, on
    /// the new index, journaled under the forward run.
    static func writeBlock(_ client: ClusterClient, _ cluster: ClusterConfig, _ journal: Journal, say: @escaping (String) -> Void) -> WriteBlock {
        // Its own guard: the rollback command does not install the run's signal handler yet.
        WriteBlock(client: client, cluster: cluster, journal: journal, freezeGuard: FreezeGuard(), say: say)
    }

    /// The bound on the instant flip's freeze (the forward run's default `--max-freeze`).
    static let maxFreeze = Duration.seconds(30)

    static func freeze(_ index: String, _ block: WriteBlock, record: RunRecord) throws {
        try block.freezeWrites(index, record: record, maxFreeze: maxFreeze)
    }

    static func unfreeze(_ index: String, _ block: WriteBlock, record: RunRecord) throws {
        try block.unfreezeWrites(index, record: record, reason: "rollback")
    }
}
