import Foundation
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
    /// Write each document with the source's `_version` (`version_type=external_gte`), so a
    /// resent or stale copy can never overwrite a newer one.
    public var versioned: Bool = true
    /// How documents are written (the migration mode decides).
    public var writeMode: WriteMode = .copy
    public var scrollKeepAlive: String = "5m"
    /// Only the source documents matching this query (a catch-up pass: ids, or a range on the
    /// recipe's `changed_field`); nil copies everything.
    public var query: JSONValue? = nil
    /// The cluster, when known: point-in-time paging is used where it supports it.
    public var pointInTime: ClusterInfo? = nil

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
    private let logger = Logger(label: "ferry.copy")

    /// Why the run's lease was lost, if it was: checked before every bulk request, so a runner
    /// that lost its alias to another stops writing at once, not at the next phase.
    let leaseLost: @Sendable () -> String?

    public init(job: CopyJob, cluster: ClusterConfig, leaseLost: @escaping @Sendable () -> String? = { nil }) {
        self.job = job
        self.cluster = cluster
        self.ledger = PipelineLedger(maxFailures: job.maxFailures)
        self.leaseLost = leaseLost
    }

    public var counts: CopyCounts { ledger.counts }
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

        spawn("ferry-reader", finished) { [self] in
            defer { pages.close() }
            do { try readSlices(into: pages) } catch { fail(error) }
        }
        for worker in 0..<job.workers {
            spawn("ferry-transform-\(worker)", finished) { [self] in
                defer { batches.close() }
                do { try transformPages(from: pages, into: batches) } catch { fail(error) }
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
            progress(counts)
            for slice in ledger.takeCompleted() { try sliceCompleted(slice) }
        }
        do {
            while finished.wait(timeout: .now() + .milliseconds(500)) == .timedOut { try tick() }
            try tick()
        } catch {
            fail(error)
            finished.wait()
        }
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

    private func readSlices(into pages: BoundedQueue<SlicePage>) throws {
        let client = try ClusterClient(config: cluster)
        var usePointInTime = job.pointInTime.map { Self.supportsShardDocSort($0) } ?? false
        // One point in time for every slice of the pass: slices partition the documents of one
        // view (since Elasticsearch 7.15 a PIT slices by Lucene doc id, which only holds within
        // that PIT). It is reopened only after it expired.
        var pit: String? = nil
        defer {
            if let pit, let info = job.pointInTime { try? client.closePointInTime(id: pit, on: info) }
        }
        for slice in job.slices {
            do {
                let more: Bool
                if usePointInTime {
                    do {
                        if pit == nil { pit = try client.openPointInTime(index: job.sourceIndex, keepAlive: .seconds(300), on: job.pointInTime!) }
                        more = try readSliceWithPointInTime(slice, pit: &pit!, with: client, into: pages)
                    } catch let error as ClusterError where error.status == 400 && !ledger.hasRead(slice: slice) {
                        // The cluster has PIT but not `_shard_doc` paging: scroll instead.
                        logger.notice("point-in-time paging refused (\(error)); reading with scroll")
                        usePointInTime = false
                        more = try readSliceWithScroll(slice, with: client, into: pages)
                    }
                } else {
                    more = try readSliceWithScroll(slice, with: client, into: pages)
                }
                guard more else { return }
            } catch let error as ClusterError where error.hasType("search_context_missing_exception") {
                // The scroll or PIT expired (a stage was slow): this slice is read again in another
                // pass, and the next slice opens a new point in time.
                logger.warning("slice \(slice): search context expired; the slice will be copied again")
                ledger.sliceAbandoned(slice)
                pit = nil
            }
        }
    }

    /// Elasticsearch 7.12+ pages a point in time by `_shard_doc`; OpenSearch 3 does too.
    static func supportsShardDocSort(_ info: ClusterInfo) -> Bool {
        switch info.distribution {
        case .elasticsearch: return (info.version.major, info.version.minor) >= (7, 12)
        case .opensearch: return info.version.major >= 3
        }
    }

    private func sliceClause(_ slice: Int) -> JSONValue? {
        job.sliceCount > 1 ? ["id": .int(Int64(slice)), "max": .int(Int64(job.sliceCount))] : nil
    }

    /// Point in time + `search_after` on `_shard_doc`: a consistent view, no scroll context held
    /// per slice. Returns false when the queue was cancelled.
    private func readSliceWithPointInTime(
        _ slice: Int, pit: inout String, with client: ClusterClient, into pages: BoundedQueue<SlicePage>
    ) throws -> Bool {
        var after: JSONValue? = nil
        while true {
            var body: [String: JSONValue] = [
                "size": .int(Int64(job.batch.size)), "pit": ["id": .string(pit), "keep_alive": "5m"],
                "sort": [["_shard_doc": "asc"]], "version": true, "track_total_hits": false,
                "seq_no_primary_term": .bool(job.writeMode == .inPlace),
            ]
            if let clause = sliceClause(slice) { body["slice"] = clause }
            if let query = job.query { body["query"] = query }
            if let after { body["search_after"] = after }
            let page = try client.search(index: nil, body: .object(body))
            if let next = page.pitID { pit = next }
            guard let last = page.hits.last else { break }
            ledger.pageRead(slice: slice, hits: page.hits.count)
            guard let sort = page.sortValues(of: last) else {
                throw FerryError("point-in-time page without sort values; cannot page on")
            }
            after = try JSONValue.parse(Array(sort))
            guard pages.put(SlicePage(slice: slice, page: page)) else { return false }
            if page.hits.count < job.batch.size { break }
        }
        ledger.sliceRead(slice)
        return true
    }

    /// Sliced scroll, for clusters without point-in-time paging. Returns false when the queue
    /// was cancelled.
    private func readSliceWithScroll(_ slice: Int, with client: ClusterClient, into pages: BoundedQueue<SlicePage>) throws -> Bool {
        var body: [String: JSONValue] = ["sort": ["_doc"], "version": true, "seq_no_primary_term": .bool(job.writeMode == .inPlace)]
        if let clause = sliceClause(slice) { body["slice"] = clause }
        if let query = job.query { body["query"] = query }
        var page = try client.openScroll(
            index: job.sourceIndex, body: .object(body), size: job.batch.size, keepAlive: job.scrollKeepAlive)
        defer {
            if let id = page.scrollID { try? client.clearScroll(id: id) }
        }
        while !page.hits.isEmpty {
            ledger.pageRead(slice: slice, hits: page.hits.count)
            guard pages.put(SlicePage(slice: slice, page: page)) else { return false }
            guard let scrollID = page.scrollID else { break }
            page = try client.scroll(id: scrollID, keepAlive: job.scrollKeepAlive)
        }
        ledger.sliceRead(slice)
        return true
    }

    // MARK: Transform

    private func transformPages(from pages: BoundedQueue<SlicePage>, into batches: BoundedQueue<WriteBatch>) throws {
        let chain = try StepChain(recipe: job.recipe, steps: job.steps, runStartedAt: job.run.startedAtISO)

        while let item = pages.take() {
            let page = item.page
            var builder = BulkRequestBuilder()
            var versions: [Int64?] = []
            var made: [WriteBatch] = []
            var transformed = 0
            var dropped: [SkippedDocument] = []
            var failures: [DocumentFailure] = []
            var removals: [Removal] = []
            for hit in page.hits {
                do {
                    let outcome = try page.withSource(of: hit) { source throws(TransformError) in
                        try chain.transform(source: source, id: hit.id, index: hit.index)
                    }
                    switch outcome {
                    case .kept(let bytes):
                        append(bytes, for: hit, to: &builder)
                        versions.append(hit.version)
                        transformed += 1
                    case .dropped(let stepIndex):
                        dropped.append(SkippedDocument(id: hit.id, version: hit.version, reason: "dropped by \(chain.label(ofStep: stepIndex))"))
                        removals.append(Removal(hit))
                    case nil:
                        failures.append(DocumentFailure(
                            id: hit.id, stage: .transform, location: hit.index, errorType: "no_source",
                            message: "document \(hit.id) in \(hit.index) has no _source (disabled in its mapping?)", status: nil))
                    }
                } catch let error as TransformError {
                    var failure = DocumentFailure(
                        id: hit.id, stage: .transform, location: error.step ?? "", errorType: error.kind.rawValue,
                        message: error.description, status: nil)
                    failure.source = page.source(of: hit).map(Array.init)
                    failure.sourceVersion = hit.version
                    failures.append(failure)
                    // Blue-green: a target copy from an earlier pass is no longer T(source).
                    if job.writeMode == .copy { removals.append(Removal(hit)) }
                }
                if builder.count >= job.batch.size || builder.byteCount >= job.batch.bytes {
                    made.append(WriteBatch(slice: item.slice, request: builder, versions: versions))
                    builder = BulkRequestBuilder()
                    versions = []
                }
            }
            if builder.count > 0 { made.append(WriteBatch(slice: item.slice, request: builder, versions: versions)) }
            var batchesOfPage = made
            if !removals.isEmpty {
                if batchesOfPage.isEmpty { batchesOfPage.append(WriteBatch(slice: item.slice, request: BulkRequestBuilder(), versions: [])) }
                batchesOfPage[batchesOfPage.count - 1].removals = removals
            }
            let withinLimit = ledger.pageTransformed(
                slice: item.slice, batches: batchesOfPage.count, transformed: transformed, dropped: dropped, failures: failures)
            guard withinLimit else { throw TooManyFailures(limit: job.maxFailures) }
            for batch in batchesOfPage {
                guard batches.put(batch) else { return }
            }
        }
    }

    private func append(_ bytes: UnsafeRawBufferPointer, for hit: Hit, to builder: inout BulkRequestBuilder) {
        var options = BulkItemOptions()
        switch job.writeMode {
        case .copy:
            if job.versioned, let version = hit.version {
                options.version = version
                options.versionType = "external_gte"
            }
            builder.index(into: job.targetIndex, id: hit.id, source: bytes, options: options)
        case .createThenDeleteSource:
            builder.create(into: job.targetIndex, id: hit.id, source: bytes)
        case .inPlace:
            // Without them the write would be unconditional: the cluster always returns them
            // with `seq_no_primary_term`, so a missing one is a bug, not a case to handle.
            precondition(hit.seqNo != nil && hit.primaryTerm != nil, "in-place read without seq_no/primary_term")
            options.ifSeqNo = hit.seqNo
            options.ifPrimaryTerm = hit.primaryTerm
            builder.index(into: job.sourceIndex, id: hit.id, source: bytes, options: options)
        }
    }

    // MARK: Writer

    private func writeBatches(from batches: BoundedQueue<WriteBatch>) throws {
        let client = try ClusterClient(config: cluster)
        while let batch = batches.take() {
            try write(batch, with: client)
        }
    }

    /// Sends one bulk request through the client, which splits it on 413 and resends items
    /// answered 429 with backoff. A version conflict means the target already holds this
    /// version or a newer one (not a failure); an item still refused with 429 after the
    /// resends stops the run (the cluster is overloaded, not the document bad); any other
    /// rejection is a document failure naming the index, status and error type.
    private func write(_ batch: WriteBatch, with client: ClusterClient) throws {
        if let reason = leaseLost() {
            throw FerryError("lost the lease on '\(job.recipe.readAlias)': \(reason); stopped writing")
        }
        try remove(batch.removals, with: client)
        let request = batch.request
        var written = 0, conflicts = 0
        var failures: [DocumentFailure] = []
        var superseded: [String] = []
        if request.count > 0 {
            let response = try client.bulk(request, retryRejectedItems: true)
            var refused: Set<Int> = []
            if response.errors {
                for item in response.items where item.failed || item.status >= 300 {
                    refused.insert(item.position)
                    if item.status == 429 {
                        throw ClusterOverloaded(id: item.id, index: item.index, errorType: item.errorType)
                    } else if item.status == 409 && (job.versioned || job.writeMode != .copy) {
                        // copy: the target has this version or newer; write-new-first: the
                        // application wrote the new document first; in-place: the application
                        // changed it since it was read (the next pass takes it again).
                        conflicts += 1
                        if job.writeMode == .createThenDeleteSource { superseded.append(item.id) }
                    } else {
                        var failure = DocumentFailure(
                            id: item.id, stage: .write, location: item.index, errorType: item.errorType ?? "error",
                            message: item.errorReason ?? "rejected", status: item.status)
                        failure.source = try? originalSource(of: item.id, with: client)
                        failure.sourceVersion = batch.versions.indices.contains(item.position) ? batch.versions[item.position] : nil
                        failures.append(failure)
                    }
                }
            }
            written = request.count - refused.count
            if job.writeMode == .createThenDeleteSource {
                let ids = try ids(of: request)
                let created = ids.enumerated().filter { !refused.contains($0.offset) }.map { (id: $0.element, position: $0.offset) }
                // Which old copies still exist is asked before deleting them (a realtime get):
                // the 404s of a delete resent after a lost answer would look the same as the
                // application's deletes, and undoing on those would lose the whole batch.
                let present = try existingInSource(created.map(\.id) + superseded, with: client)
                try deleteFromSource(Array(present), with: client)
                try undoResurrections(created.filter { !present.contains($0.id) }, of: request, with: client)
            }
        }
        let withinLimit = ledger.batchWritten(
            slice: batch.slice, written: written, versionConflicts: conflicts, bytes: request.byteCount,
            failures: failures)
        guard withinLimit else { throw TooManyFailures(limit: job.maxFailures) }
    }

    private func deleteFromSource(_ ids: [String], with client: ClusterClient) throws {
        guard !ids.isEmpty else { return }
        var builder = BulkRequestBuilder()
        for id in ids { builder.delete(from: job.sourceIndex, id: id) }
        let response = try client.bulk(body: builder.body)
        if let bad = response.items.first(where: { $0.status >= 300 && $0.status != 404 }) {
            throw FerryError("removing copied document \(bad.id) from \(job.sourceIndex): HTTP \(bad.status) \(bad.errorType ?? ""): \(bad.errorReason ?? "")")
        }
    }

    /// The ids that still exist in the source, by a realtime `_mget`.
    private func existingInSource(_ ids: [String], with client: ClusterClient) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let body: JSONValue = ["ids": .array(ids.map { .string($0) })]
        let response = try client.request(
            .POST, RequestPath([job.sourceIndex, "_mget"], query: [("_source", "false")]), body: body.serializedBytes())
        let docs = try response.json()["docs"]?.arrayValue ?? []
        return Set(docs.compactMap { $0["found"]?.boolValue == true ? $0["_id"]?.stringValue : nil })
    }

    /// Removes what a step dropped (and, in blue-green, what failed): from the target in
    /// blue-green (a copy an earlier pass made is no longer T(source)), from the source in the
    /// other modes; in place only if the document is unchanged since it was read.
    private func remove(_ removals: [Removal], with client: ClusterClient) throws {
        guard !removals.isEmpty else { return }
        let index = job.writeMode == .copy ? job.targetIndex : job.sourceIndex
        var builder = BulkRequestBuilder()
        for removal in removals {
            var options = BulkItemOptions()
            if job.writeMode == .inPlace {
                guard let seqNo = removal.seqNo, let term = removal.primaryTerm else { continue }
                options.ifSeqNo = seqNo
                options.ifPrimaryTerm = term
            }
            builder.delete(from: index, id: removal.id, options: options)
        }
        guard builder.count > 0 else { return }
        let response = try client.bulk(body: builder.body)
        // 404: nothing to remove; 409 (in place): changed since read, the next pass takes it.
        if let bad = response.items.first(where: { $0.status >= 300 && $0.status != 404 && $0.status != 409 }) {
            throw FerryError("removing dropped document \(bad.id) from \(index): HTTP \(bad.status) \(bad.errorType ?? ""): \(bad.errorReason ?? "")")
        }
    }

    /// Write-new-first: a document created in the new index whose old copy was already gone
    /// was deleted by the application after the backfill read it; the copy would resurrect it.
    /// It is removed again, only if it is still exactly what the backfill wrote (compared by
    /// content, removed with `if_seq_no`), so a document the application wrote since is kept.
    private func undoResurrections(_ created: [(id: String, position: Int)], of request: BulkRequestBuilder, with client: ClusterClient) throws {
        for (id, position) in created {
            guard let stored = try client.fetchDocument(index: job.targetIndex, id: id),
                  let seqNo = stored.seqNo, let term = stored.primaryTerm
            else { continue }
            let item = request.itemBytes(position)
            guard let newline = item.firstIndex(of: UInt8(ascii: "\n")) else { continue }
            let written = try JSONValue.parse(Array(item[item.index(after: newline)...].prefix { $0 != UInt8(ascii: "\n") }))
            guard written == stored.source else { continue }
            do {
                _ = try client.deleteDocument(index: job.targetIndex, id: id, ifSeqNo: seqNo, ifPrimaryTerm: term)
            } catch let error as ClusterError where error.status == 409 {
                // The application wrote it in the meantime: its write wins.
            }
        }
    }

    /// The ids of a bulk request's items (when the response had no errors, its items are not decoded).
    private func ids(of request: BulkRequestBuilder) throws -> [String] {
        try (0..<request.count).map { position in
            let line = request.itemBytes(position).prefix { $0 != UInt8(ascii: "\n") }
            let action = try JSONValue.parse(Array(line))
            guard let id = action.objectValue?.values.first?["_id"]?.stringValue else {
                throw FerryError("bulk item \(position) has no _id")
            }
            return id
        }
    }

    /// The original document, for the dead-letter record of a rejected write (rare path).
    private func originalSource(of id: String, with client: ClusterClient) throws -> [UInt8]? {
        try client.getDocument(index: job.sourceIndex, id: id)?.serializedBytes()
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

/// How the pipeline writes a transformed document.
public enum WriteMode: Sendable, Equatable {
    /// `index` into the target (versioned per `CopyJob.versioned`). Blue-green.
    case copy
    /// `create` in the target, so a document the application already wrote there wins; then
    /// the copied (or superseded) document is deleted from the source. Write-new-first.
    case createThenDeleteSource
    /// `index` back into the source index, only if the document is unchanged since it was read
    /// (`if_seq_no`/`if_primary_term`); a conflict is left for the next pass. In-place.
    case inPlace
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
struct Removal: Sendable {
    let id: String
    let seqNo: Int64?
    let primaryTerm: Int64?

    init(_ hit: Hit) {
        id = hit.id
        seqNo = hit.seqNo
        primaryTerm = hit.primaryTerm
    }
}
