import Foundation
import Logging
import FerryCluster
import FerryCore
import FerryRecipes

/// The reader stage: slices of the source, by point in time where the cluster allows, else scroll.
extension CopyPipeline {
    func readSlices(into pages: BoundedQueue<SlicePage>) throws {
        if let replay = job.replay {
            reader.withLock { $0 = "stored originals" }
            for page in replay {
                ledger.pageRead(slice: 0, hits: page.hits.count)
                guard pages.put(SlicePage(slice: 0, page: page)) else { return }
            }
            ledger.sliceRead(0)
            return
        }
        let client = try ClusterClient(config: cluster)
        var usePointInTime = job.pointInTime?.readStrategy(slices: job.sliceCount) == .pointInTime
        // One point in time for every slice of the pass: slices partition the documents of one
        // view (since Elasticsearch 7.15 a PIT slices by Lucene doc id, which only holds within
        // that PIT). It is reopened only after it expired.
        var pit: String? = nil
        defer {
            if let pit, let info = job.pointInTime { try? client.closePointInTime(id: pit, on: info) }
        }
        for slice in job.slices {
            reader.withLock { $0 = usePointInTime ? "point in time" : "scroll" }
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

    private func sliceClause(_ slice: Int) -> JSONValue? {
        job.sliceCount > 1 ? ["id": .int(Int64(slice)), "max": .int(Int64(job.sliceCount))] : nil
    }

    /// Point in time + `search_after` on `_shard_doc`: a consistent view, no scroll context held
    /// per slice. Returns false when the queue was cancelled.
    private func readSliceWithPointInTime(
        _ slice: Int, pit: inout String, with client: ClusterClient, into pages: BoundedQueue<SlicePage>
    ) throws -> Bool {
        var after: JSONValue? = nil
        var size = PageSize(job.batch)
        while true {
            var body: [String: JSONValue] = [
                "size": .int(Int64(size.documents)), "pit": ["id": .string(pit), "keep_alive": "5m"],
                "sort": [["_shard_doc": "asc"]], "version": true, "track_total_hits": false,
                "seq_no_primary_term": .bool(job.write.readsSequenceNumbers),
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
            if page.hits.count < size.documents { break }
            size.fit(page)
        }
        ledger.sliceRead(slice)
        return true
    }

    /// Sliced scroll, for clusters without point-in-time paging. Returns false when the queue
    /// was cancelled.
    private func readSliceWithScroll(_ slice: Int, with client: ClusterClient, into pages: BoundedQueue<SlicePage>) throws -> Bool {
        var body: [String: JSONValue] = ["sort": ["_doc"], "version": true, "seq_no_primary_term": .bool(job.write.readsSequenceNumbers)]
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
}

/// Documents per point-in-time page: the recipe's batch size, fewer while the documents are
/// large, so that a page stays near one bulk request's byte limit (the queues hold a few of
/// them) instead of growing with the documents. A scroll's page size is fixed when it opens,
/// so scroll pages stay at the batch size.
struct PageSize {
    private let most: Int
    private let bytes: Int
    private(set) var documents: Int

    init(_ batch: BatchSettings) {
        most = max(1, batch.size)
        bytes = max(1, batch.bytes)
        documents = most
    }

    /// Sizes the next page by the bytes per document of this one.
    mutating func fit(_ page: SearchPage) {
        guard !page.hits.isEmpty else { return }
        let perDocument = max(1, page.body.count / page.hits.count)
        documents = max(1, min(most, bytes / perDocument))
    }
}
