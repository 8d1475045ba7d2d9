import Foundation
import FerryCluster
import FerryCore

/// Setting and lifting the write block on a source index, journaled so that `ferry status`
/// always knows: "block set" is recorded before the request (a crash after it leaves a journal
/// that says writes may be blocked), "block lifted" only once the cluster confirmed it.
struct WriteBlock {
    let cluster: ClusterConfig
    let journal: Journal

    /// Blocks writes: the `_block/write` API where the cluster has it (it waits for in-flight
    /// writes), else the `index.blocks.write` setting. `client` carries the freeze deadline.
    func set(_ index: String, runID: String, phase: Phase, client: ClusterClient) throws {
        if try journal.frozenAt(runID) == nil {
            try journal.setFrozenAt(runID, milliseconds: Lease.nowMilliseconds())
        }
        try journal.event(runID, phase, "block set on \(index)")
        do {
            try client.request(.PUT, RequestPath([index, "_block", "write"]))
        } catch let error as ClusterError where error.status == 404 || error.status == 405 || error.status == 400 {
            try client.putSettings(index, body: ["index": ["blocks": ["write": true]]])
        }
        Failpoints.hit("block-set")
    }

    /// Lifts the block through a client of its own, without the run's circuit breaker or any
    /// deadline: cluster trouble, the likeliest reason to be here, may have opened the breaker,
    /// and this request matters most. Journals "block lifted" (with `reason`) once confirmed.
    func lift(_ index: String, runID: String, phase: Phase, reason: String) throws {
        try Self.liftingClient(cluster).putSettings(index, body: ["index": ["blocks": ["write": .null]]])
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
