extension ClusterClient {
    /// `POST /_bulk` with an NDJSON body (a final "\n" is added if missing). Whole-request
    /// 429/5xx are retried by the transport; item failures (including item 429s) are returned.
    /// 413 (body too large) throws: a raw body cannot be split, use `bulk(_:)` for that.
    /// `decodeAllItems` decodes every item even when none failed (e.g. to see which deletes
    /// found nothing: a 404 delete is not an error).
    public func bulk(body: [UInt8], refresh: Bool = false, decodeAllItems: Bool = false) throws -> BulkResponse {
        try bulkRequest(body: body, refresh: refresh, decodeAll: decodeAllItems)
    }

    /// Sends `request`; the response describes every item at its position in `request`.
    ///
    /// - A 413 (body over the cluster's `http.max_content_length`) splits the request in
    ///   halves, recursively; an item that is too large on its own comes back failed with
    ///   status 413, naming its id and size, and the rest is written.
    /// - With `retryRejectedItems`, items rejected with 429 inside a 200 are resent, only
    ///   those, with the retry policy's backoff, up to `config.retry.maxAttempts` sends in
    ///   all; items still rejected then come back failed with status 429.
    /// - Whole-request 429/5xx and connection failures are retried by the transport, and a
    ///   resend may repeat writes the cluster already applied (see
    ///   `BulkItemResult.isVersionConflict` for external versions).
    ///
    /// Throws if the cluster answers for a different number of items than were sent, or when a
    /// whole request fails after its retries (then some items may have been written: the batch
    /// must be resent as a whole, which whole-document writes allow).
    public func bulk(
        _ request: BulkRequestBuilder, refresh: Bool = false, retryRejectedItems: Bool = false
    ) throws -> BulkResponse {
        guard !request.isEmpty else { return .empty }
        let response = try bulkSplittingIfTooLarge(request, refresh: refresh, decodeAll: false)
        if response.errors, !response.rejected.isEmpty { overloaded?() }
        guard retryRejectedItems, response.errors, !response.rejected.isEmpty else { return response }
        return try resendRejected(of: request, after: response, refresh: refresh)
    }

    /// Resends the items `response` reports as rejected (429) until none is left or the
    /// policy's attempts are spent, keeping every item's final outcome at its original position.
    private func resendRejected(
        of request: BulkRequestBuilder, after response: BulkResponse, refresh: Bool
    ) throws -> BulkResponse {
        var items = response.items
        var took = response.took
        var attempt = 1
        var pending = response.rejected.map(\.position)
        while !pending.isEmpty, attempt < config.retry.maxAttempts {
            let delay = config.retry.delay(beforeRetry: attempt)
            logger.warning(
                "retrying rejected bulk items",
                metadata: [
                    "items": "\(pending.count)", "attempt": "\(attempt + 1)/\(config.retry.maxAttempts)",
                    "delay_ms": "\(Int(RetryPolicy.milliseconds(delay)))",
                ])
            sleep(delay)
            attempt += 1
            let retry = try bulkSplittingIfTooLarge(request.subset(pending), refresh: refresh, decodeAll: true)
            took += retry.took
            var stillRejected: [Int] = []
            for (item, original) in zip(retry.items, pending) {
                items[original] = item.repositioned(original)
                if item.failed && item.isRejected { stillRejected.append(original) }
            }
            pending = stillRejected
            if !pending.isEmpty { overloaded?() }
        }
        return BulkResponse(took: took, errors: items.contains(where: \.failed), itemCount: items.count, items: items)
    }

    func bulkRequest(body: [UInt8], refresh: Bool, decodeAll: Bool) throws -> BulkResponse {
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

    func checkCount(_ response: BulkResponse, expected: Int) throws {
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
