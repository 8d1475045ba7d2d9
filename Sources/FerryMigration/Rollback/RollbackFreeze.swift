/// The one seam between rollback and the forward run's write-block machinery (`WriteBlock`):
/// outside a rollback run (the flip, the discard) and the old index's block. Inside one, the
/// freeze is the forward run's own (`ReverseStrategy` runs `BlueGreenStrategy`'s phases).
import Foundation
import FerryCluster
import FerryCore
import FerryJournal

enum RollbackFreeze {
    /// The old index was write-blocked at the forward switch as the rollback point, and stays
    /// so through a rollback run: the block is lifted only while ferry's own writes go into it
    /// (a write block admits no writer), and for good at the switch back. Outside a rollback
    /// run (`plan.rollbackOf` nil), `body` just runs.
    static func whileWritable<T>(_ scope: RunScope, _ body: () throws -> T) throws -> T {
        guard scope.plan.rollbackOf != nil else { return try body() }
        let (client, old) = (scope.client, scope.plan.targetIndex)
        try client.unblockWrites(old)
        let result: T
        do {
            result = try body()
        } catch {
            try? client.blockWrites(old, on: try client.info())
            throw error
        }
        try client.blockWrites(old, on: try client.info())
        return result
    }

    /// A rollback run starts with the old index write-blocked (it is after a forward switch;
    /// a kill between `whileWritable`'s lift and block may have left it open).
    static func keepBlocked(_ old: String, scope: RunScope) throws {
        guard try !scope.writeBlock.isWriteBlocked(old) else { return }
        try scope.client.blockWrites(old, on: try scope.client.info())
        try scope.journal.event(scope.runID, scope.record.phase, "block set on \(old): the rollback point stays blocked until the switch back")
    }

    /// Right before the switch back: the application writes to the old index from the alias
    /// call on.
    static func liftForSwitchBack(_ old: String, scope: RunScope) throws {
        guard try scope.writeBlock.isWriteBlocked(old) else { return }
        try scope.client.unblockWrites(old)
        try scope.journal.event(scope.runID, scope.record.phase, "block lifted on \(old): the switch back")
    }

    /// A rollback run given up: the old index is the rollback point again, write-blocked.
    static func blockAgain(_ old: String, client: ClusterClient, journal: Journal, record: RunRecord) throws {
        try client.blockWrites(old, on: try client.info())
        try journal.event(record.runID, record.phase, "block set on \(old): the rollback point again")
    }

    /// Outside a rollback run (the instant flip, the discard): the forward run's block, on
    /// the new index, journaled under the forward run.
    static func writeBlock(
        _ client: ClusterClient, _ cluster: ClusterConfig, _ journal: Journal, _ freezeGuard: FreezeGuard, say: @escaping (String) -> Void
    ) -> WriteBlock {
        WriteBlock(client: client, cluster: cluster, journal: journal, freezeGuard: freezeGuard, say: say)
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
