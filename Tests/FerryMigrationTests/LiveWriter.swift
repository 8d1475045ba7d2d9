import Foundation
import Synchronization
import FerryCluster
import FerryCore

/// The application during a migration: indexes, updates and deletes documents through the
/// write alias at a steady rate, and logs every write the cluster acknowledged (with the index
/// it landed in). Writes the cluster refuses (the freeze) are logged as refused: the
/// application retries those later, they are not lost.
final class LiveWriter: Sendable {
    struct Write: Sendable {
        enum Kind: String, Sendable { case index, delete }
        let kind: Kind
        let id: String
        let index: String
        let body: JSONValue?
    }

    private struct State {
        /// The application has moved to target-version documents.
        var newShape = false
        /// Write-new-first's contract: deletes go to every index of the read alias.
        var deleteEverywhere = false
        /// A timestamp field (epoch ms) the application sets on every write: the recipe's changed_field.
        var stampField: String? = nil
        var acknowledged: [Write] = []
        var refused = 0
        var stop = false
        var finished = false
        var failure: String? = nil
        var blockWatched: String? = nil
    }

    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)
    let alias: String
    let readAlias: String
    let sourceIndex: String
    let config: ClusterConfig

    init(alias: String, readAlias: String, sourceIndex: String, config: ClusterConfig) {
        self.alias = alias
        self.readAlias = readAlias
        self.sourceIndex = sourceIndex
        self.config = config
    }

    var acknowledged: [Write] { state.withLock { $0.acknowledged } }

    /// Every write carries `field` = now (epoch milliseconds).
    func stampWrites(_ field: String) {
        state.withLock { $0.stampField = field }
    }

    /// Deletes go to every index of the read alias.
    func deleteThroughReadAlias() {
        state.withLock { $0.deleteEverywhere = true }
    }

    /// From now on the application writes target-version documents.
    func switchToNewShape(deleteEverywhere: Bool = false) {
        state.withLock {
            $0.newShape = true
            $0.deleteEverywhere = deleteEverywhere
        }
    }
    /// Back to source-version documents (the aliases moved back in a rollback).
    func switchToOldShape() {
        state.withLock { $0.newShape = false }
    }

    /// Which index the block emulation for deletes watches (see `delete`): the one being frozen.
    func watchBlockOn(_ index: String) {
        state.withLock { $0.blockWatched = index }
    }

    var refused: Int { state.withLock { $0.refused } }
    var failure: String? { state.withLock { $0.failure } }

    /// Starts writing: ids `post-1…post-existing` exist; new ones are `live-N`.
    func start(existing: Int, seed: UInt64, interval: Duration = .milliseconds(4), maxWrites: Int = 20_000) {
        let thread = Thread { [self] in
            defer { done.signal() }
            do { try loop(existing: existing, seed: seed, interval: interval, maxWrites: maxWrites) } catch {
                state.withLock { $0.failure = "\(error)" }
            }
        }
        thread.name = "live-writer"
        thread.start()
    }

    /// Stops after the writes in flight; waits for the thread.
    func stop() {
        state.withLock { $0.stop = true }
        done.wait()
    }

    /// Waits until `count` more writes have been acknowledged after the call (bounded).
    func waitForWrites(_ count: Int, timeout: Duration = .seconds(20)) {
        let target = acknowledged.count + count
        let deadline = ContinuousClock.now + timeout
        let pause = NSCondition()
        while acknowledged.count < target && ContinuousClock.now < deadline && failure == nil {
            pause.lock()
            _ = pause.wait(until: Date().addingTimeInterval(0.005))
            pause.unlock()
        }
    }

    private func loop(existing: Int, seed: UInt64, interval: Duration, maxWrites: Int) throws {
        let client = try ClusterClient(config: config)
        var rng = SplitMix64(seed: seed)
        var live: [String] = (1...existing).map { "post-\($0)" }
        var created = 0
        let tick = NSCondition()
        for n in 0..<maxWrites {
            if state.withLock({ $0.stop }) { return }
            tick.lock()
            _ = tick.wait(until: Date().addingTimeInterval(interval / .seconds(1)))
            tick.unlock()
            let roll = rng.next() % 100
            if roll < 25 || live.isEmpty {
                created += 1
                let id = "live-\(created)"
                if try write(client, id: id, n: n) { live.append(id) }
            } else if roll < 75 {
                let id = live[Int(rng.next() % UInt64(live.count))]
                _ = try write(client, id: id, n: n)
            } else {
                let position = Int(rng.next() % UInt64(live.count))
                if try delete(client, id: live[position]) { live.remove(at: position) }
            }
        }
    }

    private func body(_ id: String, _ n: Int) -> JSONValue {
        var doc = shapedBody(id, n)
        if let field = state.withLock({ $0.stampField }), case .object(var members) = doc {
            members[field] = .int(Int64(Date().timeIntervalSince1970 * 1000))
            doc = .object(members)
        }
        return doc
    }

    private func shapedBody(_ id: String, _ n: Int) -> JSONValue {
        if state.withLock({ $0.newShape }) {
            return [
                "title": .string("Live edit \(n) of \(id)"), "content": .string("Written in the new shape, number \(n)"),
                "author": "alice", "created_date": "2025-01-02T03:04:05Z", "published_date": "2025-01-02T03:04:05Z",
                "category": "news", "tags": ["live"], "schema_version": "3.0",
                "metadata": ["word_count": 6, "reading_time": 1, "language": "en", "last_updated": "2026-01-01T00:00:00Z"],
                "engagement": ["views": .int(Int64(n)), "likes": 0, "shares": 0, "comments_count": 0],
            ]
        }
        return [
            "title": .string("Live edit \(n) of \(id)"),
            "content": .string("Written while migrating #live #edit\(n % 7) number \(n)"),
            "author": .string(["alice", "bob", "zed"][n % 3]),
            "created_date": "2025-01-02T03:04:05Z",
        ]
    }

    /// Returns true when acknowledged.
    private func write(_ client: ClusterClient, id: String, n: Int) throws -> Bool {
        let doc = body(id, n)
        do {
            let result = try client.indexDocument(index: alias, id: id, body: doc)
            state.withLock { $0.acknowledged.append(Write(kind: .index, id: id, index: result.index, body: doc)) }
            return true
        } catch let error as ClusterError where error.status == 403 || error.status == 429 || error.hasType("cluster_block_exception") {
            state.withLock { $0.refused += 1 }
            return false
        } catch let error as ClusterError where error.hasType("strict_dynamic_mapping_exception") && rolledBackUnderneath(client, newShape: doc["schema_version"] != nil) {
            // The aliases moved back to the old index between building this new-shape body and
            // the request (a rollback's switch back is announced after the `_aliases` call):
            // the old strict mapping refuses it, and the application retries in the old shape,
            // as it would while its rollback deploy rolls out. Nothing was acknowledged.
            state.withLock { $0.refused += 1 }
            return false
        }
    }

    /// The write alias points at the source index again while the writer still wrote the new
    /// shape (`newShape`: this write's body, built before the switch back was announced; the
    /// writer may have switched shapes since).
    private func rolledBackUnderneath(_ client: ClusterClient, newShape: Bool) -> Bool {
        guard newShape else { return false }
        return (try? client.resolve(alias)) == .alias(indices: [sourceIndex])
    }

    private func delete(_ client: ClusterClient, id: String) throws -> Bool {
        if state.withLock({ $0.deleteEverywhere }) {
            // Write-new-first: the document may still be in the old index only.
            var found = false
            for index in try client.getAliases(name: readAlias).keys.sorted() {
                do {
                    if try client.deleteDocument(index: index, id: id) { found = true }
                } catch let error as ClusterError where error.hasType("index_not_found_exception") {
                    // The drained old index was deleted between listing the alias and this
                    // request: it holds nothing any more, as an application would conclude.
                }
            }
            if found { state.withLock { $0.acknowledged.append(Write(kind: .delete, id: id, index: "*", body: nil)) } }
            return found
        }
        guard case .alias(let indices) = try client.resolve(alias), indices.count == 1 else { return false }
        let index = indices[0]
        // osmem's write block stops index and update requests but not deletes; a real cluster's
        // stops all three, so here the application sees the block as a real one would.
        let watched = state.withLock { $0.blockWatched } ?? sourceIndex
        if index == watched, let blocked = try client.getSettings(watched)["index"]?["blocks"]?["write"],
           blocked == .bool(true) || blocked == .string("true")
        {
            state.withLock { $0.refused += 1 }
            return false
        }
        guard try client.deleteDocument(index: index, id: id) else { return false }
        state.withLock { $0.acknowledged.append(Write(kind: .delete, id: id, index: index, body: nil)) }
        return true
    }
}
