import FerryCore

/// 413 handling for bulk requests: a cluster refuses a body over `http.max_content_length`
/// (100 MB by default, often less behind a proxy or on a managed service) as a whole, without
/// looking at the items, so the only way forward is smaller requests.
extension ClusterClient {
    /// Sends `request`; on 413 sends each half instead (recursively) and merges the item
    /// results at their original positions. A single item that still gets 413 becomes a failed
    /// item with status 413 instead of an error, so the rest of the batch is written.
    /// `decodeAll` decodes every item even when none failed; halves always do, to merge them.
    func bulkSplittingIfTooLarge(
        _ request: BulkRequestBuilder, refresh: Bool, decodeAll: Bool
    ) throws -> BulkResponse {
        do {
            let response = try bulkRequest(body: request.body, refresh: refresh, decodeAll: decodeAll)
            try checkCount(response, expected: request.count)
            return response
        } catch let error as ClusterError where error.kind == .http && error.status == 413 {
            guard request.count > 1 else {
                let item = Self.tooLarge(request, at: 0)
                logger.error(
                    "bulk item too large for the cluster",
                    metadata: ["id": "\(item.id)", "bytes": "\(request.byteCount)"])
                return BulkResponse(took: 0, errors: true, itemCount: 1, items: [item])
            }
            let half = request.count / 2
            logger.warning(
                "bulk request too large for the cluster (HTTP 413), splitting it in halves",
                metadata: ["items": "\(request.count)", "bytes": "\(request.byteCount)"])
            let head = try bulkSplittingIfTooLarge(request.subset(0..<half), refresh: refresh, decodeAll: true)
            let tail = try bulkSplittingIfTooLarge(
                request.subset(half..<request.count), refresh: refresh, decodeAll: true)
            let items = head.items + tail.items.map { $0.repositioned($0.position + half) }
            return BulkResponse(
                took: head.took + tail.took, errors: items.contains(where: \.failed), itemCount: request.count,
                items: items)
        }
    }

    /// The failed result for an item the cluster refuses even alone: named by its action line,
    /// with its size, so the operator can find the document and the limit to raise.
    static func tooLarge(_ request: BulkRequestBuilder, at position: Int) -> BulkItemResult {
        let bytes = request.itemBytes(position)
        let actionLine = bytes.prefix { $0 != UInt8(ascii: "\n") }
        let parsed = try? JSONValue.parse(actionLine)
        let action = parsed?.objectValue?.keys.first ?? "index"
        let meta = parsed?[action]
        let index = meta?["_index"]?.stringValue ?? ""
        let id = meta?["_id"]?.stringValue ?? ""
        let name = id.isEmpty ? "the document at position \(position)" : "document [\(id)]"
        return BulkItemResult(
            position: position, action: action, index: index, id: id, status: 413, result: nil,
            errorType: "request_entity_too_large",
            errorReason: "\(name) is \(bytes.count) bytes in the bulk body, more than the cluster accepts in one "
                + "request even alone (http.max_content_length)",
            version: nil, seqNo: nil, primaryTerm: nil)
    }
}
