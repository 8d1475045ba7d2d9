/// The events application during a family run: indexes, updates and deletes events of the
/// current month through `events-write` at a steady rate, in the 1.0 shape while the write
/// alias is on a 1.0 index and in the 2.0 shape once it is on the member's 2.0 index, and logs
/// every write the cluster acknowledged. Refused writes (the freeze; a 1.0 event racing the
/// switch into the strict 2.0 index) are retried by the application: not lost, not logged.
import Foundation
import Synchronization
import FerryCluster
import FerryCore

final class EventsWriter: Sendable {
    struct Write: Sendable {
        let id: String
        /// nil: a delete.
        let body: JSONValue?
        /// Written in the 2.0 shape (kept as is by the migration, not transformed).
        let newShape: Bool
        /// The index the cluster says it landed in.
        let index: String
    }

    private struct State {
        var acknowledged: [Write] = []
        var refused = 0
        var stop = false
        var failure: String? = nil
    }

    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)
    private let config: ClusterConfig
    /// How a 2.0 member index's name ends (`-2.0-<hash8>`).
    private let newSuffix: String

    init(config: ClusterConfig, newSuffix: String) {
        self.config = config
        self.newSuffix = newSuffix
    }

    var acknowledged: [Write] { state.withLock { $0.acknowledged } }
    var refused: Int { state.withLock { $0.refused } }
    var failure: String? { state.withLock { $0.failure } }

    /// Starts writing; `existing` are ids already in the current month.
    func start(existing: [String], seed: UInt64) {
        let thread = Thread { [self] in
            defer { done.signal() }
            do { try loop(existing: existing, seed: seed) } catch { state.withLock { $0.failure = "\(error)" } }
        }
        thread.name = "events-writer"
        thread.start()
    }

    /// Waits (bounded) until `count` writes have landed in an index named `…<newSuffix>`.
    func waitForWritesToNewIndex(_ count: Int, timeout: Duration = .seconds(20)) {
        let deadline = ContinuousClock.now + timeout
        let pause = NSCondition()
        while acknowledged.filter({ $0.index.hasSuffix(newSuffix) }).count < count && ContinuousClock.now < deadline && failure == nil {
            pause.lock()
            _ = pause.wait(until: Date().addingTimeInterval(0.005))
            pause.unlock()
        }
    }

    func stop() {
        state.withLock { $0.stop = true }
        done.wait()
    }

    private func loop(existing: [String], seed: UInt64) throws {
        let client = try ClusterClient(config: config)
        var rng = SplitMix64(seed: seed)
        var live = existing
        var created = 0
        let tick = NSCondition()
        for n in 0..<50_000 {
            if state.withLock({ $0.stop }) { return }
            tick.lock()
            _ = tick.wait(until: Date().addingTimeInterval(0.003))
            tick.unlock()
            guard case .alias(let indices) = try client.resolve("events-write"), indices.count == 1 else { continue }
            let index = indices[0]
            let roll = rng.next() % 100
            if roll < 30 || live.isEmpty {
                created += 1
                if try write(client, id: "live-\(created)", n: n, newShape: index.hasSuffix(newSuffix)) { live.append("live-\(created)") }
            } else if roll < 80 {
                _ = try write(client, id: live[Int(rng.next() % UInt64(live.count))], n: n, newShape: index.hasSuffix(newSuffix))
            } else {
                let position = Int(rng.next() % UInt64(live.count))
                if try delete(client, id: live[position], index: index) { live.remove(at: position) }
            }
        }
    }

    private func write(_ client: ClusterClient, id: String, n: Int, newShape: Bool) throws -> Bool {
        var doc: [String: JSONValue] = ["type": "purchase", "user_id": .string(String(format: "u-%04d", n % 60)), "message": .string("live \(n)"), "amount": .double(Double(n))]
        doc[newShape ? "@timestamp" : "ts"] = "2024-03-20T12:00:00Z"
        if newShape { doc["schema_version"] = "2.0" }
        let landed: String
        do {
            landed = try client.indexDocument(index: "events-write", id: id, body: .object(doc)).index
        } catch let error as ClusterError where error.status == 403 || error.status == 429 || error.hasType("cluster_block_exception")
            || (!newShape && error.hasType("strict_dynamic_mapping_exception")) {
            state.withLock { $0.refused += 1 }
            return false
        }
        state.withLock { $0.acknowledged.append(Write(id: id, body: .object(doc), newShape: newShape, index: landed)) }
        return true
    }

    private func delete(_ client: ClusterClient, id: String, index: String) throws -> Bool {
        // osmem's write block stops index requests but not deletes; a real cluster's stops
        // both, so the application sees the block here as it would there.
        let blocked = try client.getSettings(index)["index"]?["blocks"]?["write"]
        if blocked == .bool(true) || blocked == "true" {
            state.withLock { $0.refused += 1 }
            return false
        }
        do {
            guard try client.deleteDocument(index: index, id: id) else { return false }
        } catch let error as ClusterError where error.status == 403 || error.hasType("cluster_block_exception") {
            state.withLock { $0.refused += 1 }
            return false
        }
        state.withLock { $0.acknowledged.append(Write(id: id, body: nil, newShape: false, index: index)) }
        return true
    }
}
