import Foundation
import Logging
import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// The transform stage: one `StepChain` (one `lua_State`) per worker, pages into bulk requests.
extension CopyPipeline {
    func transformPages(from pages: BoundedQueue<SlicePage>, into batches: BoundedQueue<WriteBatch>) throws {
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
                    // A target copy from an earlier pass is no longer T(source).
                    if job.write.removesTargetCopyOnFailure { removals.append(Removal(hit)) }
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
        job.write.append(bytes, for: hit, job: job, to: &builder)
    }
}
