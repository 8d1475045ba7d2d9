import Foundation
import Logging
import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// What one copy moves: every document of `sourceIndex`, through `steps`, into `targetIndex`.
public struct CopyJob: Sendable {
    public let sourceIndex: String
    public let targetIndex: String
    public let steps: [StepSpec]
    public let recipe: Recipe
    public let run: RunContext
    public var batch: BatchSettings
    /// Transform workers, each with its own `lua_State`.
    public var workers: Int = 1
    /// Bulk writers, each with its own connection.
    public var writers: Int = 1
    /// Pages and batches held between stages; bounds memory.
    public var queueDepth: Int = 4
    /// Stop the copy after this many failed documents (the rest would fail the same way).
    public var stopAfterFailures: Int = 100
    public var scrollKeepAlive: String = "5m"

    public init(sourceIndex: String, targetIndex: String, steps: [StepSpec], recipe: Recipe, run: RunContext, batch: BatchSettings) {
        self.sourceIndex = sourceIndex
        self.targetIndex = targetIndex
        self.steps = steps
        self.recipe = recipe
        self.run = run
        self.batch = batch
    }
}

/// The copy as stages joined by bounded queues:
/// reader (scroll pages, raw bytes) → transform workers (one LuaEngine each) → bulk writers.
/// Each stage runs on its own thread because libcurl, Lua and SQLite calls block; each thread
/// owns its C handles. Any stage's fatal error cancels both queues and stops every stage.
public final class CopyPipeline: Sendable {
    let job: CopyJob
    let cluster: ClusterConfig
    let ledger: PipelineLedger
    private let logger = Logger(label: "ferry.copy")

    public init(job: CopyJob, cluster: ClusterConfig) {
        self.job = job
        self.cluster = cluster
        self.ledger = PipelineLedger(failureLimit: 50)
    }

    public var counts: CopyCounts { ledger.counts }
    public var failures: [DocumentFailure] { ledger.failures }

    /// Runs the copy to the end, calling `progress` about twice a second from this thread.
    /// Throws the first fatal error of any stage; document failures are in `failures`.
    public func run(progress: (CopyCounts) -> Void) throws {
        let pages = BoundedQueue<SearchPage>(capacity: job.queueDepth)
        let batches = BoundedQueue<WriteBatch>(capacity: job.queueDepth, producers: job.workers)
        let finished = DispatchGroup()
        let cancelAll: @Sendable () -> Void = {
            pages.cancel()
            batches.cancel()
        }

        spawn("ferry-reader", finished) { [self] in
            defer { pages.close() }
            do { try readPages(into: pages) } catch {
                if ledger.abort(error) { cancelAll() }
            }
        }
        for worker in 0..<job.workers {
            spawn("ferry-transform-\(worker)", finished) { [self] in
                defer { batches.close() }
                do { try transformPages(from: pages, into: batches) } catch {
                    if ledger.abort(error) { cancelAll() }
                }
            }
        }
        for writer in 0..<job.writers {
            spawn("ferry-writer-\(writer)", finished) { [self] in
                do { try writeBatches(from: batches) } catch {
                    if ledger.abort(error) { cancelAll() }
                }
            }
        }

        let started = ContinuousClock.now
        func snapshot() -> CopyCounts {
            var counts = ledger.counts
            counts.elapsed = (ContinuousClock.now - started) / .seconds(1)
            return counts
        }
        while finished.wait(timeout: .now() + .milliseconds(500)) == .timedOut {
            progress(snapshot())
        }
        progress(snapshot())
        if let error = ledger.firstError { throw error }
    }

    private func spawn(_ name: String, _ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    // MARK: Reader

    private func readPages(into pages: BoundedQueue<SearchPage>) throws {
        let client = try ClusterClient(config: cluster)
        var page = try client.openScroll(
            index: job.sourceIndex, body: ["sort": ["_doc"], "track_total_hits": true], size: job.batch.size, keepAlive: job.scrollKeepAlive)
        ledger.update { $0.expected = page.totalHits ?? 0 }
        defer {
            if let id = page.scrollID { try? client.clearScroll(id: id) }
        }
        while !page.hits.isEmpty {
            ledger.update { $0.read += page.hits.count }
            guard pages.put(page) else { return }
            guard let scrollID = page.scrollID else { break }
            page = try client.scroll(id: scrollID, keepAlive: job.scrollKeepAlive)
        }
    }

    // MARK: Transform

    private func transformPages(from pages: BoundedQueue<SearchPage>, into batches: BoundedQueue<WriteBatch>) throws {
        let engine = try LuaEngine(requireRoots: job.recipe.requireRoots, runStartedAt: job.run.startedAtISO)
        let lookups = try SQLiteLookups(job.recipe.lookups)
        engine.lookupProvider = lookups
        let steps = try job.steps.map { try engine.loadStep(script: $0.script, from: $0.from, to: $0.to) }

        var builder = BulkRequestBuilder()
        var transformed = 0, dropped = 0
        var failures: [DocumentFailure] = []

        func flush() -> Bool {
            ledger.update {
                $0.transformed += transformed
                $0.dropped += dropped
            }
            transformed = 0
            dropped = 0
            if !failures.isEmpty {
                let total = ledger.fail(failures)
                failures.removeAll()
                if total >= job.stopAfterFailures {
                    ledger.abort(FerryError("stopped after \(total) failed documents; the first failures are listed above"))
                    pages.cancel()
                    batches.cancel()
                    return false
                }
            }
            guard builder.count > 0 else { return true }
            defer { builder = BulkRequestBuilder() }
            return batches.put(WriteBatch(request: builder))
        }

        while let page = pages.take() {
            for hit in page.hits {
                do {
                    let outcome = try page.withSource(of: hit) { source throws(TransformError) in
                        try engine.transform(source: source, id: hit.id, index: hit.index, steps: steps)
                    }
                    switch outcome {
                    case .kept(let bytes):
                        builder.index(into: job.targetIndex, id: hit.id, source: bytes)
                        transformed += 1
                    case .dropped:
                        dropped += 1
                    case nil:
                        failures.append(DocumentFailure(
                            id: hit.id, stage: .transform, location: hit.index, errorType: "no_source",
                            message: "document \(hit.id) in \(hit.index) has no _source (disabled in its mapping?)", status: nil))
                    }
                } catch let error as TransformError {
                    failures.append(DocumentFailure(
                        id: hit.id, stage: .transform, location: error.step ?? "", errorType: error.kind.rawValue,
                        message: error.description, status: nil))
                }
                if builder.count >= job.batch.size || builder.byteCount >= job.batch.bytes {
                    guard flush() else { return }
                }
            }
        }
        _ = flush()
    }

    // MARK: Writer

    private func writeBatches(from batches: BoundedQueue<WriteBatch>) throws {
        let client = try ClusterClient(config: cluster)
        while let batch = batches.take() {
            try write(batch.request, with: client)
        }
    }

    /// Sends one bulk request; items the cluster answers 429 for are resent alone with backoff,
    /// every other rejected item is a document failure naming the index, status and error type.
    private func write(_ request: BulkRequestBuilder, with client: ClusterClient) throws {
        var pending = request
        var attempt = 0
        while true {
            let response = try client.bulk(body: pending.body)
            var retry = BulkRequestBuilder()
            var rejected: [DocumentFailure] = []
            var succeeded = pending.count
            if response.errors {
                for (position, item) in response.items.enumerated() where item.status >= 300 {
                    succeeded -= 1
                    if item.status == 429 {
                        retry.append(pending.item(at: position))
                    } else {
                        rejected.append(DocumentFailure(
                            id: item.id, stage: .write, location: item.index, errorType: item.errorType ?? "error",
                            message: item.errorReason ?? "rejected", status: item.status))
                    }
                }
            }
            ledger.update {
                $0.written += succeeded
                $0.bytesWritten += pending.byteCount
            }
            if !rejected.isEmpty {
                let total = ledger.fail(rejected)
                if total >= job.stopAfterFailures {
                    throw FerryError("stopped after \(total) failed documents; the first failures are listed above")
                }
            }
            guard retry.count > 0 else { return }
            attempt += 1
            guard attempt <= 8 else {
                throw FerryError("bulk: \(retry.count) documents still rejected with HTTP 429 after \(attempt) attempts; the cluster is overloaded")
            }
            ledger.update { $0.retriedItems += retry.count }
            let delay = min(5.0, 0.1 * pow(2.0, Double(attempt))) * Double.random(in: 0.5...1.0)
            logger.warning("bulk: \(retry.count) items rejected with 429, retrying in \(Int(delay * 1000)) ms (attempt \(attempt))")
            Thread.sleep(forTimeInterval: delay)
            pending = retry
        }
    }
}

/// A bulk request on its way from a transform worker to a writer.
struct WriteBatch: @unchecked Sendable {
    let request: BulkRequestBuilder
}
