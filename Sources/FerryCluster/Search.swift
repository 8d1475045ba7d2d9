import FerryCore

/// One search hit. `_source`, the raw `_id` and `sort` are byte ranges into the page's `body`:
/// nothing of the document is decoded in Swift.
public struct Hit: Sendable, Hashable {
    public let index: String
    public let id: String
    /// The id as it appears between the quotes in the response (JSON escapes intact), ready to
    /// be written into a bulk action line with `BulkRequestBuilder.append(_:index:rawID:...)`.
    public let rawID: Range<Int>
    /// nil when the search excluded `_source`.
    public let source: Range<Int>?
    /// Present when the search asked for `"version": true`.
    public let version: Int64?
    /// Present when the search asked for `"seq_no_primary_term": true`.
    public let seqNo: Int64?
    public let primaryTerm: Int64?
    public let routing: String?
    /// The raw `sort` array (e.g. `[1712000000,"abc"]`), for `search_after`.
    public let sort: Range<Int>?
}

public struct ShardCounts: Sendable, Hashable {
    public var total = 0
    public var successful = 0
    public var skipped = 0
    public var failed = 0
}

/// One page of search results: the raw response bytes plus the envelope fields Ferry needs.
/// Building one verifies the page is complete: failed shards or a timed-out search throw.
public struct SearchPage: Sendable {
    public let body: [UInt8]
    public let hits: [Hit]
    public let scrollID: String?
    /// Point-in-time id returned by PIT searches (both distributions call it `pit_id`).
    public let pitID: String?
    /// nil when the search disabled total hit tracking.
    public let totalHits: Int?
    /// False when `hits.total.relation` is "gte" (a lower bound).
    public let totalHitsIsExact: Bool
    public let shards: ShardCounts
    public let timedOut: Bool

    /// Parses and checks a search response. `method` and `path` only name the request in errors.
    public init(body: [UInt8], method: HTTPMethod = .POST, path: String = "/_search") throws {
        let scanned: SearchPageScanner.Result
        do {
            scanned = try body.withUnsafeBytes { try SearchPageScanner.scan($0) }
        } catch let e as JSONScanError {
            throw ClusterError(
                kind: .invalidResponse, method: method, path: path, endpoint: "", status: 200,
                reason: "malformed search response: \(e)")
        }
        if scanned.shards.failed > 0 {
            var error = ClusterError(kind: .incompleteResults, method: method, path: path, endpoint: "", status: 200)
            var where_ = ""
            var detail = "no failure details"
            if let range = scanned.firstFailure,
                let failure = try? JSONValue.parse(body[range])
            {
                if let reasonField = failure["reason"] { error.apply(errorField: reasonField) }
                detail = error.reason ?? detail
                let index = failure["index"]?.stringValue
                let shard = failure["shard"]?.intValue
                if index != nil || shard != nil {
                    where_ = " (" + [index.map { "index [\($0)]" }, shard.map { "shard \($0)" }]
                        .compactMap { $0 }.joined(separator: " ") + ")"
                }
            }
            error.reason = "\(scanned.shards.failed) of \(scanned.shards.total) shards failed\(where_): \(detail)"
            throw error
        }
        if scanned.timedOut {
            throw ClusterError(
                kind: .incompleteResults, method: method, path: path, endpoint: "", status: 200, type: "timed_out",
                reason: "the search timed out before all shards answered")
        }
        self.body = body
        hits = scanned.hits
        scrollID = scanned.scrollID
        pitID = scanned.pitID
        totalHits = scanned.totalHits
        totalHitsIsExact = scanned.totalHitsIsExact
        shards = scanned.shards
        timedOut = scanned.timedOut
    }

    public var isEmpty: Bool { hits.isEmpty }

    public func source(of hit: Hit) -> ArraySlice<UInt8>? {
        hit.source.map { body[$0] }
    }

    public func rawID(of hit: Hit) -> ArraySlice<UInt8> {
        body[hit.rawID]
    }

    public func sortValues(of hit: Hit) -> ArraySlice<UInt8>? {
        hit.sort.map { body[$0] }
    }

    /// Calls `handle` with the `_source` bytes of `hit` without copying them; nil when the
    /// hit has no `_source`.
    public func withSource<R>(of hit: Hit, _ handle: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let range = hit.source else { return nil }
        return try body.withUnsafeBytes { try handle(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
}
