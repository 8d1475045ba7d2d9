import Foundation
import Logging
import FerryCluster
import FerryCore

/// The writer stage: bulk requests as the pass's write policy makes them, and what each kind
/// of rejection means.
extension CopyPipeline {
    func writeBatches(from batches: BoundedQueue<WriteBatch>) throws {
        let client = try ClusterClient(config: cluster)
        if let throttle = job.throttle { client.overloaded = { throttle.overloaded() } }
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
        job.throttle?.admit(batch.request.count)   // before the lease check: the wait may be long
        if let reason = leaseLost() {
            throw FerryError("lost the lease on '\(job.recipe.readAlias)': \(reason); stopped writing")
        }
        try remove(batch.removals, with: client)
        let request = batch.request
        var written = 0, conflicts = 0
        var failures: [DocumentFailure] = []
        var conflicted: [String] = []
        if request.count > 0 {
            let response = try client.bulk(request, retryRejectedItems: true)
            var refused: Set<Int> = []
            if response.errors {
                for item in response.items where item.failed || item.status >= 300 {
                    refused.insert(item.position)
                    if item.status == 429 {
                        throw ClusterOverloaded(id: item.id, index: item.index, errorType: item.errorType)
                    } else if item.status == 409 && job.write.conflictIsSettled {
                        // versioned copy: the target has this version or newer; create: the
                        // application wrote the new document first; conditional update: the
                        // application changed it since it was read (the next pass takes it again).
                        conflicts += 1
                        conflicted.append(item.id)
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
            try job.write.settle(request, refused: refused, conflicted: conflicted, job: job, client: client)
        }
        let withinLimit = ledger.batchWritten(
            slice: batch.slice, written: written, versionConflicts: conflicts, bytes: request.byteCount,
            failures: failures)
        guard withinLimit else { throw TooManyFailures(limit: job.maxFailures) }
    }

    /// Removes what a step dropped (and, where the policy says so, what failed), where the
    /// write policy says, conditionally if it says so.
    private func remove(_ removals: [Removal], with client: ClusterClient) throws {
        guard !removals.isEmpty else { return }
        var builder = BulkRequestBuilder()
        var indices: Set<String> = []
        for removal in removals {
            guard let (index, options) = job.write.removal(removal, job: job) else { continue }
            builder.delete(from: index, id: removal.id, options: options)
            indices.insert(index)
        }
        guard builder.count > 0 else { return }
        let response = try client.bulk(builder, retryRejectedItems: true)
        // 404: nothing to remove; 409 (conditional): changed since read, the next pass takes it.
        if let bad = response.items.first(where: { $0.status >= 300 && $0.status != 404 && $0.status != 409 }) {
            if bad.status == 429 { throw ClusterOverloaded(id: bad.id, index: bad.index, errorType: bad.errorType) }
            throw FerryError("removing dropped document \(bad.id) from \(bad.index): HTTP \(bad.status) \(bad.errorType ?? ""): \(bad.errorReason ?? "")")
        }
    }

    /// The original document, for the dead-letter record of a rejected write (rare path).
    private func originalSource(of id: String, with client: ClusterClient) throws -> [UInt8]? {
        if let replay = job.replay {   // the source index is gone: the original is the one replayed
            for page in replay {
                if let hit = page.hits.first(where: { $0.id == id }) { return page.source(of: hit).map(Array.init) }
            }
            return nil
        }
        return try client.getDocument(index: job.sourceIndex, id: id)?.serializedBytes()
    }
}
