import Foundation
import Synchronization
import Logging
import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// What one copy pass moves: the given slices of `sourceIndex`, through `steps`, into `targetIndex`.
public struct CopyJob: Sendable {
    public let sourceIndex: String
    public let targetIndex: String
    public let steps: [StepSpec]
    public let recipe: Recipe
    public let run: RunContext
    public var batch: BatchSettings
    /// The slices (of `sliceCount`, by `_id` hash) this pass copies.
    public var slices: [Int]
    public var sliceCount: Int
    /// Transform workers, each with its own `lua_State`.
    public var workers: Int = 1
    /// Bulk writers, each with its own connection.
    public var writers: Int = 1
    /// Pages and batches held between stages; bounds memory.
    public var queueDepth: Int = 4
    /// Past this many failed documents the run cannot switch, so the copy stops.
    public var maxFailures: Int = 0
    /// How documents are written (the migration mode's write policy).
    public var write: any WritePolicy = VersionedIndexWrite()
    public var scrollKeepAlive: String = "5m"
    /// Only the source documents matching this query (a catch-up pass: ids, or a range on the
    /// recipe's `changed_field`); nil copies everything.
    public var query: JSONValue? = nil
    /// The cluster, when known: point-in-time paging is used where it supports it.
    public var pointInTime: ClusterInfo? = nil
    /// Documents an earlier attempt was stuck on: dead-lettered without running them again.
    public var stuckDocuments: [StuckDocument] = []
    /// Pages to transform instead of reading `sourceIndex` (one slice, `slices` = [0]): the
    /// stored originals of dead letters whose source index is gone (`ferry deadletters --retry`).
    public var replay: [SearchPage]? = nil
    /// `--max-docs-per-second`: every bulk request waits for its slot (shared by the run's passes).
    public var throttle: DocumentThrottle? = nil

    public init(
        sourceIndex: String, targetIndex: String, steps: [StepSpec], recipe: Recipe, run: RunContext,
        batch: BatchSettings, slices: [Int], sliceCount: Int
    ) {
        self.sourceIndex = sourceIndex
        self.targetIndex = targetIndex
        self.steps = steps
        self.recipe = recipe
        self.run = run
        self.batch = batch
        self.slices = slices
        self.sliceCount = sliceCount
    }
}

/// The copy as stages joined by bounded queues:
/// reader (sliced scroll, raw bytes) → transform workers (one LuaEngine each) → bulk writers.
/// Each stage runs on its own thread because libcurl, Lua and SQLite calls block; each thread
/// owns its C handles. Any stage's fatal error cancels both queues and stops every stage.
public final class CopyPipeline: Sendable {
    let job: CopyJob
    let cluster: ClusterConfig
    let ledger: PipelineLedger
    let logger = Logger(label: "ferry.copy")

    /// Why the run's lease was lost, if it was: checked before every bulk request, so a runner
    /// that lost its alias to another stops writing at once, not at the next phase.
    let leaseLost: @Sendable () -> String?
    /// How the reader read: "point in time", or "scroll" (no PIT, or PIT paging refused).
    let reader = Mutex("scroll")

    public init(job: CopyJob, cluster: ClusterConfig, leaseLost: @escaping @Sendable () -> String? = { nil }) {
        self.job = job
        self.cluster = cluster
        self.ledger = PipelineLedger(maxFailures: job.maxFailures)
        self.leaseLost = leaseLost
    }

    public var counts: CopyCounts { ledger.counts }
    public var readerUsed: String { reader.withLock { $0 } }
    /// The first failures of this pass.
    public var recentFailures: [DocumentFailure] { ledger.recentFailures }
    /// Failures of slices this pass did not finish.
    public var unfinishedFailures: [(slice: Int, failures: [DocumentFailure])] { ledger.failuresOfUnfinishedSlices() }

    /// Runs the pass to the end. On this thread, about twice a second, calls `progress` and
    /// hands each completed slice to `sliceCompleted` (to be journaled). Throws the first fatal
    /// error of any stage; failed documents are in the slice results.
    public func run(
        expected: Int, alreadyDone: Int,
        progress: (CopyCounts) -> Void, sliceCompleted: (SliceResult) throws -> Void
    ) throws {
        ledger.setBaseline(expected: expected, alreadyDone: alreadyDone)
        let pages = BoundedQueue<SlicePage>(capacity: job.queueDepth)
        let batches = BoundedQueue<WriteBatch>(capacity: job.queueDepth, producers: job.workers)
        let finished = DispatchGroup()
        let cancelAll: @Sendable () -> Void = {
            pages.cancel()
            batches.cancel()
        }
        let fail: @Sendable (any Error) -> Void = { [ledger] error in
            if ledger.abort(error) { cancelAll() }
        }

        let watchdog = makeWatchdog(fail: fail)
        watchdog?.start()
        defer { watchdog?.stop() }

        spawn("ferry-reader", finished) { [self] in
            defer { pages.close() }
            do { try readSlices(into: pages) } catch { fail(error) }
        }
        for worker in 0..<job.workers {
            spawn("ferry-transform-\(worker)", finished) { [self] in
                defer { batches.close() }
                do { try transformPages(from: pages, into: batches, watchdog: watchdog) } catch { fail(error) }
            }
        }
        for writer in 0..<job.writers {
            spawn("ferry-writer-\(writer)", finished) { [self] in
                do { try writeBatches(from: batches) } catch { fail(error) }
            }
        }

        let started = ContinuousClock.now
        func tick() throws {
            var counts = ledger.counts
            counts.elapsed = (ContinuousClock.now - started) / .seconds(1)
            counts.throttledTo = job.throttle?.currentRate
            progress(counts)
            for slice in ledger.takeCompleted() { try sliceCompleted(slice) }
        }
        do {
            while finished.wait(timeout: .now() + .milliseconds(500)) == .timedOut {
                try tick()
                if ledger.firstError is DocumentStuck { break }   // that worker may never return
            }
            try tick()
        } catch {
            fail(error)
            waitForStages(finished)
        }
        if let error = ledger.firstError { throw error }
    }

    func spawn(_ name: String, _ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }
}


/// A bulk item still refused with 429 after the client's resends.
public struct ClusterOverloaded: UserFacingError {
    public let id: String
    public let index: String
    public let errorType: String?
    public var description: String {
        "bulk: document \(id) into \(index) still rejected with HTTP 429 (\(errorType ?? "rejected")) after the retries; the cluster is overloaded"
    }
}

/// The copy stopped because more documents failed than `--max-errors` allows.
public struct TooManyFailures: UserFacingError {
    public let limit: Int
    public var description: String {
        "more than \(limit) document(s) failed (--max-errors \(limit)); the copy stopped and the aliases were not switched"
    }
}

struct SlicePage: Sendable {
    let slice: Int
    let page: SearchPage
}

/// A bulk request on its way from a transform worker to a writer.
struct WriteBatch: Sendable {
    let slice: Int
    let request: BulkRequestBuilder
    /// The source `_version` of each item, by position (for dead letters).
    let versions: [Int64?]
    /// Documents to remove before writing (see `CopyPipeline.remove`).
    var removals: [Removal] = []
}

/// A document a step dropped or that failed, as read.
public struct Removal: Sendable {
    public let id: String
    public let seqNo: Int64?
    public let primaryTerm: Int64?

    init(_ hit: Hit) {
        id = hit.id
        seqNo = hit.seqNo
        primaryTerm = hit.primaryTerm
    }
}
