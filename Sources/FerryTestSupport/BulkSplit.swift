import FerryCore
import Foundation

/// A `_bulk` NDJSON body cut into items, so the proxy can reject some items honestly: it
/// forwards only the others and answers for the rejected ones itself (see
/// `FaultAction.rejectBulkItems`). Test-side code: decoding with `JSONValue` is fine here.
struct BulkBody {
    struct Item {
        /// Action line and (except for delete) source line, each with its newline.
        let bytes: ArraySlice<UInt8>
        let action: String
        let index: String?
        let id: String?
    }

    let items: [Item]

    /// nil when the body is not a well-formed bulk body (the proxy then relays it untouched and
    /// lets the upstream report the error).
    init?(_ body: [UInt8]) {
        var items: [Item] = []
        var cursor = body.startIndex
        func nextLine() -> Range<Int>? {
            while cursor < body.endIndex {
                let end = body[cursor...].firstIndex(of: 0x0A).map { $0 + 1 } ?? body.endIndex
                defer { cursor = end }
                if body[cursor..<end].contains(where: { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 }) {
                    return cursor..<end
                }
            }
            return nil
        }
        while let actionLine = nextLine() {
            guard case .object(let outer)? = try? JSONValue.parse(body[actionLine]), outer.count == 1,
                let (action, meta) = outer.first
            else { return nil }
            var end = actionLine.upperBound
            if action != "delete" {
                guard let source = nextLine() else { return nil }
                end = source.upperBound
            }
            items.append(
                Item(
                    bytes: body[actionLine.lowerBound..<end], action: action, index: meta["_index"]?.stringValue,
                    id: meta["_id"]?.stringValue))
        }
        self.items = items
    }

    /// A body with only the items at `positions`, each line newline-terminated.
    func body(keeping positions: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        for position in positions {
            out.append(contentsOf: items[position].bytes)
            if out.last != 0x0A { out.append(0x0A) }
        }
        return out
    }

    /// What a cluster answers for an item it rejected because its write queue is full.
    func rejection(at position: Int, defaultIndex: String?) -> JSONValue {
        let item = items[position]
        var result: [String: JSONValue] = [
            "status": 429,
            "error": [
                "type": "es_rejected_execution_exception",
                "reason": "rejected execution of coordinating operation [fault proxy]",
            ],
        ]
        if let index = item.index ?? defaultIndex { result["_index"] = .string(index) }
        if let id = item.id { result["_id"] = .string(id) }
        return .object([item.action: .object(result)])
    }

    /// Merges the upstream's answer for the forwarded items with synthetic rejections, in the
    /// original order. nil when the upstream answer cannot be merged (it is then relayed as is).
    func mergedResponse(upstream: [UInt8]?, forwarded: [Int], rejected: [Int], defaultIndex: String?) -> [UInt8]? {
        var took: JSONValue = 0
        var errors = !rejected.isEmpty
        var byPosition: [Int: JSONValue] = [:]
        if let upstream {
            guard case .object(let root)? = try? JSONValue.parse(upstream),
                let upstreamItems = root["items"]?.arrayValue, upstreamItems.count == forwarded.count
            else { return nil }
            took = root["took"] ?? 0
            errors = errors || root["errors"]?.boolValue == true
            for (position, item) in zip(forwarded, upstreamItems) { byPosition[position] = item }
        }
        for position in rejected { byPosition[position] = rejection(at: position, defaultIndex: defaultIndex) }
        let merged = items.indices.map { byPosition[$0] ?? .null }
        // Sorted keys put "errors" before "items", as real clusters do (clients may rely on it).
        let root: JSONValue = ["took": took, "errors": .bool(errors), "items": .array(merged)]
        return root.serializedBytes(sortedKeys: true)
    }

    /// The index named in a `/<index>/_bulk` path: the default for items without `_index`.
    static func defaultIndex(path: String) -> String? {
        let segments = path.split(separator: "/")
        guard segments.count == 2 else { return nil }
        return String(segments[0]).removingPercentEncoding
    }
}
