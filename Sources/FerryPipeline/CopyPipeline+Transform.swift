import Foundation
import Logging
import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// The transform stage: one `StepChain` (one `lua_State`) per worker, pages into bulk requests.
extension CopyPipeline {
    func transformPages(from pages: BoundedQueue<SlicePage>, into batches: BoundedQueue<WriteBatch>, watchdog: TransformWatchdog?) throws {
        let chain = try StepChain(recipe: job.recipe, steps: job.steps, runStartedAt: job.run.startedAtISO)
        watchdog?.watch(chain.engine.progress)
        if StallingLookups.requested { chain.engine.lookupProvider = StallingLookups() }
        let stuck = Dictionary(job.stuckDocuments.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        while let item = pages.take() {
            let page = item.page
            var builder = BulkRequestBuilder(reservingCapacity: bodyCapacity(for: page))
            var versions: [Int64?] = []
            versions.reserveCapacity(min(page.hits.count, job.batch.size))
            var made: [WriteBatch] = []
            var transformed = 0
            var dropped: [SkippedDocument] = []
            var failures: [DocumentFailure] = []
            var removals: [Removal] = []
            // One borrow of the page's bytes for all its hits: no closure, copy or retain per document.
            try page.body.withUnsafeBytes { body in
                for hit in page.hits {
                    if !stuck.isEmpty, let document = stuck[hit.id] {
                        var failure = try stuckFailure(document, hit)
                        failure.source = page.source(of: hit).map(Array.init)
                        failure.sourceVersion = hit.version
                        failures.append(failure)
                        if job.write.removesTargetCopyOnFailure { removals.append(Removal(hit)) }
                        continue
                    }
                    do {
                        guard let range = hit.source else {
                            failures.append(DocumentFailure(
                                id: hit.id, stage: .transform, location: hit.index, errorType: "no_source",
                                message: "document \(hit.id) in \(hit.index) has no _source (disabled in its mapping?)", status: nil))
                            continue
                        }
                        let source = UnsafeRawBufferPointer(rebasing: body[range])
                        switch try chain.transform(source: source, id: hit.id, index: hit.index) {
                        case .kept(let bytes):
                            append(bytes, for: hit, to: &builder)
                            versions.append(hit.version)
                            transformed += 1
                        case .dropped(let stepIndex):
                            dropped.append(SkippedDocument(id: hit.id, version: hit.version, reason: "dropped by \(chain.label(ofStep: stepIndex))"))
                            removals.append(Removal(hit))
                        }
                    } catch let error as TransformError {
                        var failure = DocumentFailure(
                            id: hit.id, stage: .transform, location: error.step ?? "", errorType: error.kind.rawValue,
                            message: error.description, status: nil)
                        failure.source = page.source(of: hit).map(Array.init)
                        failure.sourceVersion = hit.version
                        failures.append(failure)
                        // A target copy from an earlier pass is no longer T(source).
                        if job.write.removesTargetCopyOnFailure { removals.append(Removal(hit)) }
                    }
                    if builder.count >= job.batch.size || builder.byteCount >= job.batch.bytes {
                        made.append(WriteBatch(slice: item.slice, request: builder, versions: versions))
                        builder = BulkRequestBuilder(reservingCapacity: bodyCapacity(for: page))
                        versions = []
                    }
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

    /// Bytes to reserve for a bulk body made from `page`: its bytes (sources and envelopes)
    /// and room for action lines, at most a batch, so the body is not regrown and recopied
    /// while it fills.
    private func bodyCapacity(for page: SearchPage) -> Int {
        min(job.batch.bytes, page.body.count + 64 * page.hits.count)
    }

    private func append(_ bytes: UnsafeRawBufferPointer, for hit: Hit, to builder: inout BulkRequestBuilder) {
        job.write.append(bytes, for: hit, job: job, to: &builder)
    }
}
