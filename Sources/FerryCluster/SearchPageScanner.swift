import FerryCore

/// Extracts the envelope of a search response (`_scroll_id`, `_shards`, `hits.total` and per
/// hit `_index`, `_id`, `_version`, `_seq_no`, `_primary_term`, `_routing`, `sort`, `_source`)
/// in one pass over the bytes. `_source` values are skipped, not decoded.
enum SearchPageScanner {
    struct Result {
        var hits: [Hit] = []
        var scrollID: String?
        var pitID: String?
        var totalHits: Int?
        var totalHitsIsExact = true
        var shards = ShardCounts()
        /// Byte range of `_shards.failures[0]`.
        var firstFailure: Range<Int>?
        var timedOut = false
    }

    static func scan(_ buffer: UnsafeRawBufferPointer) throws -> Result {
        var s = JSONScanner(buffer)
        var result = Result()
        try s.beginObject()
        while let key = try s.nextKey() {
            if s.matches(key, "hits") {
                try scanHits(&s, into: &result)
            } else if s.matches(key, "_shards") {
                try scanShards(&s, into: &result)
            } else if s.matches(key, "_scroll_id") {
                result.scrollID = try s.string()
            } else if s.matches(key, "pit_id") {
                result.pitID = try s.string()
            } else if s.matches(key, "timed_out") {
                result.timedOut = try s.bool() ?? false
            } else {
                try s.skipValue()
            }
        }
        return result
    }

    private static func scanShards(_ s: inout JSONScanner, into result: inout Result) throws {
        try s.beginObject()
        while let key = try s.nextKey() {
            if s.matches(key, "total") {
                result.shards.total = Int(try s.int64() ?? 0)
            } else if s.matches(key, "successful") {
                result.shards.successful = Int(try s.int64() ?? 0)
            } else if s.matches(key, "skipped") {
                result.shards.skipped = Int(try s.int64() ?? 0)
            } else if s.matches(key, "failed") {
                result.shards.failed = Int(try s.int64() ?? 0)
            } else if s.matches(key, "failures"), try s.peek() == UInt8(ascii: "[") {
                try s.beginArray()
                while try s.nextElement() {
                    let range = try s.skipValue()
                    if result.firstFailure == nil { result.firstFailure = range }
                }
            } else {
                try s.skipValue()
            }
        }
    }

    private static func scanHits(_ s: inout JSONScanner, into result: inout Result) throws {
        try s.beginObject()
        while let key = try s.nextKey() {
            if s.matches(key, "total") {
                try scanTotal(&s, into: &result)
            } else if s.matches(key, "hits") {
                var interner = IndexNameInterner()
                try s.beginArray()
                while try s.nextElement() {
                    result.hits.append(try scanHit(&s, interner: &interner))
                }
            } else {
                try s.skipValue()
            }
        }
    }

    /// `"total": 12` (ES 6 or `rest_total_hits_as_int`) or `"total": {"value": 12, "relation": "eq"}`.
    private static func scanTotal(_ s: inout JSONScanner, into result: inout Result) throws {
        guard try s.peek() == UInt8(ascii: "{") else {
            result.totalHits = try s.int64().map { Int($0) }
            return
        }
        try s.beginObject()
        while let key = try s.nextKey() {
            if s.matches(key, "value") {
                result.totalHits = try s.int64().map { Int($0) }
            } else if s.matches(key, "relation") {
                result.totalHitsIsExact = try s.string() != "gte"
            } else {
                try s.skipValue()
            }
        }
    }

    private static func scanHit(_ s: inout JSONScanner, interner: inout IndexNameInterner) throws -> Hit {
        var index = ""
        var id: String?
        var rawID = 0..<0
        var source: Range<Int>?
        var version: Int64?
        var seqNo: Int64?
        var primaryTerm: Int64?
        var routing: String?
        var sort: Range<Int>?
        try s.beginObject()
        while let key = try s.nextKey() {
            if s.matches(key, "_source") {
                source = try s.skipValue()
            } else if s.matches(key, "_id") {
                _ = try s.peek()
                let (range, escaped) = try s.shortStringContents()
                rawID = range
                id = try s.decode(range, escaped: escaped)
            } else if s.matches(key, "_index") {
                _ = try s.peek()
                let (range, escaped) = try s.stringContents()
                index = try interner.name(range, escaped: escaped, in: s)
            } else if s.matches(key, "_version") {
                version = try s.int64()
            } else if s.matches(key, "_seq_no") {
                seqNo = try s.int64()
            } else if s.matches(key, "_primary_term") {
                primaryTerm = try s.int64()
            } else if s.matches(key, "_routing") {
                routing = try s.string()
            } else if s.matches(key, "sort") {
                sort = try s.skipValue(shortStrings: true)
            } else {
                try s.skipValue()
            }
        }
        guard let id else { throw s.error("search hit without _id") }
        return Hit(
            index: index, id: id, rawID: rawID, source: source, version: version, seqNo: seqNo,
            primaryTerm: primaryTerm, routing: routing, sort: sort)
    }
}

/// Pages hold thousands of hits from a handful of indices: decode each index name once.
private struct IndexNameInterner {
    private var lastRange: Range<Int>?
    private var lastName = ""

    mutating func name(_ range: Range<Int>, escaped: Bool, in s: JSONScanner) throws -> String {
        if let last = lastRange, s.bytesEqual(last, range) { return lastName }
        lastName = try s.decode(range, escaped: escaped)
        lastRange = range
        return lastName
    }
}
