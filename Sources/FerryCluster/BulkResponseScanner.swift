import FerryCore

/// Reads a `_bulk` response. When `"errors": false` comes first (it does on Elasticsearch and
/// OpenSearch) items are only counted; otherwise every item is decoded.
enum BulkResponseScanner {
    static func scan(_ buffer: UnsafeRawBufferPointer, decodeAll: Bool = false) throws -> BulkResponse {
        var s = JSONScanner(buffer)
        var took = 0
        var errors: Bool?
        var count = 0
        var items: [BulkItemResult] = []
        try s.beginObject()
        while let key = try s.nextKey() {
            if s.matches(key, "errors") {
                errors = try s.bool()
            } else if s.matches(key, "took") {
                took = Int(try s.int64() ?? 0)
            } else if s.matches(key, "items") {
                let decode = decodeAll || errors != false
                try s.beginArray()
                while try s.nextElement() {
                    if decode {
                        items.append(try scanItem(&s, buffer: buffer, position: count))
                    } else {
                        try s.skipValue(shortStrings: true)
                    }
                    count += 1
                }
            } else {
                try s.skipValue()
            }
        }
        let anyFailed = items.contains(where: \.failed)
        return BulkResponse(took: took, errors: errors ?? anyFailed, itemCount: count, items: errors == false && !decodeAll ? [] : items)
    }

    /// `{"<action>": {"_index":..,"_id":..,"status":..,"error":{..},...}}`
    private static func scanItem(
        _ s: inout JSONScanner, buffer: UnsafeRawBufferPointer, position: Int
    ) throws -> BulkItemResult {
        var action = ""
        var index = ""
        var id = ""
        var status = 0
        var result: String?
        var errorType: String?
        var errorReason: String?
        var version: Int64?
        var seqNo: Int64?
        var primaryTerm: Int64?
        try s.beginObject()
        while let actionKey = try s.nextKey() {
            action = try s.decode(actionKey.range, escaped: actionKey.escaped)
            try s.beginObject()
            while let key = try s.nextKey() {
                if s.matches(key, "_index") {
                    index = try s.string() ?? ""
                } else if s.matches(key, "_id") {
                    id = try s.string() ?? ""
                } else if s.matches(key, "status") {
                    status = Int(try s.int64() ?? 0)
                } else if s.matches(key, "result") {
                    result = try s.string()
                } else if s.matches(key, "_version") {
                    version = try s.int64()
                } else if s.matches(key, "_seq_no") {
                    seqNo = try s.int64()
                } else if s.matches(key, "_primary_term") {
                    primaryTerm = try s.int64()
                } else if s.matches(key, "error") {
                    let range = try s.skipValue()
                    (errorType, errorReason) = describeError(UnsafeRawBufferPointer(rebasing: buffer[range]))
                } else {
                    try s.skipValue()
                }
            }
        }
        return BulkItemResult(
            position: position, action: action, index: index, id: id, status: status, result: result,
            errorType: errorType, errorReason: errorReason, version: version, seqNo: seqNo, primaryTerm: primaryTerm)
    }

    /// Type and reason of an item error; a `caused_by` is appended to the reason because it
    /// often names the actual problem ("For input string: \"zz\"").
    private static func describeError(_ bytes: UnsafeRawBufferPointer) -> (String?, String?) {
        guard let json = try? JSONValue.parse(bytes) else {
            return ("unknown", String(decoding: bytes.prefix(300), as: UTF8.self))
        }
        if let text = json.stringValue { return (nil, text) }
        var reason = json["reason"]?.stringValue
        if let cause = json["caused_by"], let causeReason = cause["reason"]?.stringValue {
            let causeText = [cause["type"]?.stringValue, causeReason].compactMap { $0 }.joined(separator: ": ")
            reason = (reason.map { $0 + " (caused by \(causeText))" }) ?? causeText
        }
        return (json["type"]?.stringValue ?? "unknown", reason)
    }
}
