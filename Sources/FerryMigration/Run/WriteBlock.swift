import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

/// Blocking and unblocking writes to the source around a blue-green switch, journaled so that
/// `ferry status` always knows ("block set" before the request, "block lifted" only once the
/// cluster confirmed it), under the guard (signals) and the deadline (`--max-freeze`).
struct WriteBlock {
    let client: ClusterClient
    let cluster: ClusterConfig
    let journal: Journal
    let freezeGuard: FreezeGuard
    let say: (String) -> Void
    /// The run's `GET /` answer, which says whether the cluster has `_block/write`.
    var clusterInfo: ClusterInfo? = nil

    /// Blocks writes: the `_block/write` API where the cluster has it (it waits for in-flight
    /// writes), else the `index.blocks.write` setting. Starts the freeze's clock: from here
    /// every request of the run has a timeout derived from what is left of `maxFreeze`.
    func freezeWrites(_ index: String, record: RunRecord, maxFreeze: Duration) throws {
        let fresh: Bool = try freezeGuard.whileNotInterrupted {
            freezeGuard.blockSet(FreezeGuard.Block(index: index, runID: record.runID))
            // Once per freeze: the same request again (a resumed run) is covered by the record.
            var frozenAt = try journal.frozenAt(record.runID)
            let fresh = frozenAt == nil
            if fresh {
                frozenAt = Lease.nowMilliseconds()
                try journal.setFrozenAt(record.runID, milliseconds: frozenAt)
                try journal.event(record.runID, record.phase, "block set on \(index)")
            }
            setDeadline(Date(timeIntervalSince1970: Double(frozenAt!) / 1000 + maxFreeze.inSeconds))
            try client.blockWrites(index, on: clusterInfo ?? client.info())
            Failpoints.hit("block-set")
            return fresh
        }
        if fresh { say("froze writes to \(index)") }
    }

    /// Lifts the block (see `lift`), stops the freeze's clock and says so once: `saying`, or
    /// a plain line.
    func unfreezeWrites(_ index: String, record: RunRecord, reason: String, saying line: String? = nil) throws {
        try Self.lift(index, runID: record.runID, phase: record.phase, reason: reason, cluster: cluster, journal: journal)
        freezeGuard.blockLifted()
        setDeadline(nil)
        say(line ?? "lifted the write block on \(index)")
    }

    /// After a failure under the freeze: lifts the block unless the aliases already moved, and
    /// only then journals the return to CATCHING_UP (the next attempt freezes again). If the
    /// lift fails, the journal keeps its phase and the "block set", so `status` says so.
    func liftFreezeAfterFailure(_ plan: MigrationPlan, record: RunRecord, cause: any Error) {
        setDeadline(nil)
        let recipe = plan.recipe
        if (try? Self.liftingClient(cluster).resolve(recipe.readAlias))?.hasSwitched(from: plan.source.index, to: plan.targetIndex) == true { return }
        do {
            try unfreezeWrites(plan.source.index, record: record, reason: "failed under the freeze (\(cause))")
            try journal.setPhase(record.runID, .catchingUp, "failed under the freeze; the write block is lifted")
        } catch {
            say("COULD NOT LIFT THE WRITE BLOCK on \(plan.source.index): \(error); run `ferry rollback \(recipe.name)` or PUT \(plan.source.index)/_settings {\"index.blocks.write\": null}")
        }
    }

    func isWriteBlocked(_ index: String) throws -> Bool {
        try Self.isBlocked(index, client: client)
    }

    /// True once the freeze's deadline has passed (a request failing at it may end a few
    /// milliseconds early: curl's timeout is rounded to milliseconds).
    var pastDeadline: Bool {
        freezeGuard.deadline.map { $0.timeIntervalSinceNow < 0.05 } ?? false
    }

    /// The run's client and the copy passes (through `FreezeGuard.deadline`) follow it.
    private func setDeadline(_ deadline: Date?) {
        freezeGuard.deadline = deadline
        client.deadline = deadline
    }

    /// Lifts the block through a client of its own, without the run's circuit breaker or any
    /// deadline: cluster trouble, the likeliest reason to be here, may have opened the breaker,
    /// and this request matters most. Journals "block lifted" (with `reason`) once confirmed.
    static func lift(_ index: String, runID: String, phase: Phase, reason: String, cluster: ClusterConfig, journal: Journal) throws {
        try liftingClient(cluster).unblockWrites(index)
        try journal.setFrozenAt(runID, milliseconds: nil)
        try journal.event(runID, phase, "block lifted on \(index): \(reason)")
    }

    static func liftingClient(_ cluster: ClusterConfig) throws -> ClusterClient {
        var config = cluster
        config.circuitBreaker = nil
        config.deadline = nil
        config.requestTimeout = .seconds(30)
        config.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(200), maxDelay: .seconds(5))
        return try ClusterClient(config: config)
    }

    /// Whether the index has `index.blocks.write` set (what the application's writes meet).
    static func isBlocked(_ index: String, client: ClusterClient) throws -> Bool {
        let value = try client.getSettings(index)["index"]?["blocks"]?["write"]
        return value == .bool(true) || value == .string("true")
    }
}
