extension ClusterClient {
    /// `POST /_bulk` with an NDJSON body (a final "\n" is added if missing). Whole-request
    /// 429/5xx are retried by the transport; item failures (including item 429s) are returned.
    /// 413 (body too large) throws: split the batch.
    public func bulk(body: [UInt8], refresh: Bool = false) throws -> BulkResponse {
        try bulkRequest(body: body, refresh: refresh, decodeAll: false)
    }

    /// Sends `request`. With `retryRejectedItems`, items rejected with 429 are re-sent (only
    /// those) with the retry policy's backoff; the response then describes each original item
    /// by its final outcome, at its original position. Throws if the cluster answers for a
    /// different number of items than were sent.
    public func bulk(
        _ request: BulkRequestBuilder, refresh: Bool = false, retryRejectedItems: Bool = false
    ) throws -> BulkResponse {
        guard !request.isEmpty else { return .empty }
        var response = try bulkRequest(body: request.body, refresh: refresh, decodeAll: false)
        try checkCount(response, expected: request.count)
        guard retryRejectedItems, response.errors, !response.rejected.isEmpty else { return response }

        var items = response.items
        var took = response.took
        var attempt = 1
        var pending = response.rejected.map(\.position)
        while !pending.isEmpty, attempt < config.retry.maxAttempts {
            let delay = config.retry.delay(beforeRetry: attempt)
            logger.warning(
                "retrying rejected bulk items",
                metadata: [
                    "items": "\(pending.count)", "attempt": "\(attempt)/\(config.retry.maxAttempts)",
                    "delay_ms": "\(Int(RetryPolicy.milliseconds(delay)))",
                ])
            sleep(delay)
            attempt += 1
            let retry = request.subset(pending)
            response = try bulkRequest(body: retry.body, refresh: refresh, decodeAll: true)
            try checkCount(response, expected: retry.count)
            took += response.took
            var stillRejected: [Int] = []
            for (item, original) in zip(response.items, pending) {
                items[original] = item.repositioned(original)
                if item.failed && item.isRejected { stillRejected.append(original) }
            }
            pending = stillRejected
        }
        return BulkResponse(took: took, errors: items.contains(where: \.failed), itemCount: items.count, items: items)
    }

    private func bulkRequest(body: [UInt8], refresh: Bool, decodeAll: Bool) throws -> BulkResponse {
        guard !body.isEmpty else { return .empty }
        let path = RequestPath(["_bulk"], query: refresh ? [("refresh", "true")] : [])
        // The cluster rejects a body whose last line lacks its newline (elastic/elasticsearch#11435).
        let terminated = body.last == UInt8(ascii: "\n") ? body : body + [UInt8(ascii: "\n")]
        return try withResponse(.POST, path, body: terminated, contentType: ContentType.ndjson) { status, bytes in
            do {
                return try BulkResponseScanner.scan(bytes, decodeAll: decodeAll)
            } catch {
                throw invalidResponse(.POST, path, status: status, reason: "malformed bulk response: \(error)")
            }
        }
    }

    private func checkCount(_ response: BulkResponse, expected: Int) throws {
        guard response.itemCount == expected else {
            throw invalidResponse(
                .POST, "/_bulk", status: 200,
                reason: "bulk response has \(response.itemCount) items for \(expected) sent")
        }
    }
}

extension BulkItemResult {
    func repositioned(_ position: Int) -> BulkItemResult {
        BulkItemResult(
            position: position, action: action, index: index, id: id, status: status, result: result,
            errorType: errorType, errorReason: errorReason, version: version, seqNo: seqNo, primaryTerm: primaryTerm)
    }
}
