/// Write-new-first's write policy: create in the new index (a document the application wrote
/// there first wins), then delete the copied or superseded document from the old index.
import FerryCluster
import FerryCore

public struct CreateThenDeleteSourceWrite: WritePolicy {
    public init() {}

    public var summary: String { "create (live writes win), then delete from the old index" }
    public var conflictIsSettled: Bool { true }

    public func append(_ bytes: UnsafeRawBufferPointer, for hit: Hit, job: CopyJob, to builder: inout BulkRequestBuilder) {
        builder.create(into: job.targetIndex, id: hit.id, source: bytes)
    }

    public func removal(_ removal: Removal, job: CopyJob) -> (index: String, options: BulkItemOptions)? {
        (job.sourceIndex, BulkItemOptions())
    }

    public func settle(_ request: BulkRequestBuilder, refused: Set<Int>, conflicted: [String], job: CopyJob, client: ClusterClient) throws {
        let ids = try Self.ids(of: request)
        let created = ids.enumerated().filter { !refused.contains($0.offset) }.map { (id: $0.element, position: $0.offset) }
        // Which old copies still exist is asked before deleting them (a realtime get): the
        // 404s of a delete resent after a lost answer would look the same as the
        // application's deletes, and undoing on those would lose the whole batch.
        let present = try existing(created.map(\.id) + conflicted, in: job.sourceIndex, with: client)
        try delete(Array(present), from: job.sourceIndex, with: client)
        try undoResurrections(created.filter { !present.contains($0.id) }, of: request, in: job.targetIndex, with: client)
    }

    private func delete(_ ids: [String], from index: String, with client: ClusterClient) throws {
        guard !ids.isEmpty else { return }
        var builder = BulkRequestBuilder()
        for id in ids { builder.delete(from: index, id: id) }
        let response = try client.bulk(builder, retryRejectedItems: true)
        if let bad = response.items.first(where: { $0.status >= 300 && $0.status != 404 }) {
            if bad.status == 429 { throw ClusterOverloaded(id: bad.id, index: bad.index, errorType: bad.errorType) }
            throw FerryError("removing copied document \(bad.id) from \(index): HTTP \(bad.status) \(bad.errorType ?? ""): \(bad.errorReason ?? "")")
        }
    }

    /// The ids that still exist in `index`, by a realtime `_mget`.
    private func existing(_ ids: [String], in index: String, with client: ClusterClient) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let body: JSONValue = ["ids": .array(ids.map { .string($0) })]
        let response = try client.request(
            .POST, RequestPath([index, "_mget"], query: [("_source", "false")]), body: body.serializedBytes())
        let docs = try response.json()["docs"]?.arrayValue ?? []
        return Set(docs.compactMap { $0["found"]?.boolValue == true ? $0["_id"]?.stringValue : nil })
    }

    /// A document created in the new index whose old copy was already gone was deleted by the
    /// application after the backfill read it; the copy would resurrect it. It is removed
    /// again, only if it is still exactly what the backfill wrote (compared by content,
    /// removed with `if_seq_no`), so a document the application wrote since is kept.
    private func undoResurrections(
        _ created: [(id: String, position: Int)], of request: BulkRequestBuilder, in index: String, with client: ClusterClient
    ) throws {
        for (id, position) in created {
            guard let stored = try client.fetchDocument(index: index, id: id),
                  let seqNo = stored.seqNo, let term = stored.primaryTerm
            else { continue }
            let item = request.itemBytes(position)
            guard let newline = item.firstIndex(of: UInt8(ascii: "\n")) else { continue }
            let written = try JSONValue.parse(Array(item[item.index(after: newline)...].prefix { $0 != UInt8(ascii: "\n") }))
            guard written == stored.source else { continue }
            do {
                _ = try client.deleteDocument(index: index, id: id, ifSeqNo: seqNo, ifPrimaryTerm: term)
            } catch let error as ClusterError where error.status == 409 {
                // The application wrote it in the meantime: its write wins.
            }
        }
    }

    /// The ids of a bulk request's items (when the response had no errors, its items are not decoded).
    static func ids(of request: BulkRequestBuilder) throws -> [String] {
        try (0..<request.count).map { position in
            let line = request.itemBytes(position).prefix { $0 != UInt8(ascii: "\n") }
            let action = try JSONValue.parse(Array(line))
            guard let id = action.objectValue?.values.first?["_id"]?.stringValue else {
                throw FerryError("bulk item \(position) has no _id")
            }
            return id
        }
    }
}
