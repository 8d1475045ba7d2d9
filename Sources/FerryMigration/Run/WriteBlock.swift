import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

/// Blocking and unblocking writes to the source around a blue-green switch.
struct WriteBlock {
    let client: ClusterClient
    let cluster: ClusterConfig
    let journal: Journal
    let say: (String) -> Void
    /// The run's `GET /` answer, which says whether the cluster has `_block/write`.
    var clusterInfo: ClusterInfo? = nil

    /// Blocks writes to the source: the `_block/write` API where the cluster has it (it waits
    /// for in-flight writes), else the `index.blocks.write` setting.
    func freezeWrites(_ index: String, record: RunRecord) throws {
        if try journal.frozenAt(record.runID) == nil {
            try journal.setFrozenAt(record.runID, milliseconds: Lease.nowMilliseconds())
        }
        try client.blockWrites(index, on: clusterInfo ?? client.info())
        try journal.event(record.runID, .catchingUp, "writes to \(index) blocked")
        say("froze writes to \(index)")
    }

    /// Lifts the block through a client of its own, without the run's circuit breaker: cluster
    /// trouble, the likeliest reason to be here, may have opened it, and this request matters most.
    func unfreezeWrites(_ index: String, record: RunRecord) throws {
        var config = cluster
        config.circuitBreaker = nil
        config.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(200), maxDelay: .seconds(5))
        try ClusterClient(config: config).unblockWrites(index)
        try journal.setFrozenAt(record.runID, milliseconds: nil)
        say("lifted the write block on \(index)")
    }

    func liftFreezeAfterFailure(_ plan: MigrationPlan, record: RunRecord, cause: any Error) {
        let recipe = plan.recipe
        if (try? client.resolve(recipe.readAlias)) == .alias(indices: [plan.targetIndex]) { return }
        try? journal.setPhase(record.runID, .catchingUp, "failed under the freeze (\(cause)); lifting the write block")
        do {
            try unfreezeWrites(plan.source.index, record: record)
        } catch {
            say("COULD NOT LIFT THE WRITE BLOCK on \(plan.source.index): \(error); run `ferry rollback \(recipe.name)` or PUT \(plan.source.index)/_settings {\"index.blocks.write\": null}")
        }
    }

    func isWriteBlocked(_ index: String) throws -> Bool {
        let value = try client.getSettings(index)["index"]?["blocks"]?["write"]
        return value == .bool(true) || value == .string("true")
    }

}
