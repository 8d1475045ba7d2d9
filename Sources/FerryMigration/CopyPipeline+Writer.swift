import Foundation
import Logging
import FerryCluster
import FerryCore

/// The writer stage: bulk requests, per mode, and what each kind of rejection means.
extension CopyPipeline {
    func writeBatches(from batches: BoundedQueue<WriteBatch>) throws {
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
