import FerryCore
import Foundation

public enum BulkAction: String, Sendable {
    /// Create or replace.
    case index
    /// Only if the id does not exist: 409 for that item otherwise (live writes win).
    case create
    case delete
}

/// Per-item options of a bulk action.
public struct BulkItemOptions: Sendable, Hashable {
    /// With `versionType` "external": the write only applies if this version is higher than the stored one.
    public var version: Int64?
    public var versionType: String
    public var ifSeqNo: Int64?
    public var ifPrimaryTerm: Int64?
    public var routing: String?

    public init(
        version: Int64? = nil, versionType: String = "external", ifSeqNo: Int64? = nil, ifPrimaryTerm: Int64? = nil,
        routing: String? = nil
    ) {
        self.version = version
        self.versionType = versionType
        self.ifSeqNo = ifSeqNo
        self.ifPrimaryTerm = ifPrimaryTerm
        self.routing = routing
    }
}

/// Builds an NDJSON `_bulk` body from action lines and raw `_source` bytes, tracking the
/// number of items and bytes so callers can cut batches by both. Every line ends with "\n".
///
/// Item-level 429s come back in the `BulkResponse`; `subset(_:)` rebuilds a body with only
/// those items (see `ClusterClient.bulk(_:retryRejectedItems:)`).
public struct BulkRequestBuilder: Sendable {
    public private(set) var body: [UInt8] = []
    /// Start of each item's action line in `body`; item `i` ends where item `i + 1` starts.
    public private(set) var itemOffsets: [Int] = []
    /// `{"<action>":{"_index":"<index>"` (and `,"_id":"` when an id follows) of the last item:
    /// a batch's items share them, so each is one append.
    private var cachedPrefix: (action: BulkAction, index: String, withID: Bool)?
    private var cachedPrefixBytes: [UInt8] = []
    private var cachedVersionType: String?
    /// `,"version_type":"<type>"`
    private var cachedVersionTypeJSON: [UInt8] = []

    public init(reservingCapacity bytes: Int = 0) {
        body.reserveCapacity(bytes)
    }

    public var count: Int { itemOffsets.count }
    public var byteCount: Int { body.count }
    public var isEmpty: Bool { itemOffsets.isEmpty }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        body.removeAll(keepingCapacity: keepingCapacity)
        itemOffsets.removeAll(keepingCapacity: keepingCapacity)
    }

    // MARK: Appending

    /// Appends one item. `source` is required for index/create and must be nil for delete.
    /// Newlines in `source` (only possible as whitespace in valid JSON) become spaces.
    public mutating func append(
        _ action: BulkAction, index: String, id: String?, source: UnsafeRawBufferPointer?,
        options: BulkItemOptions = .init()
    ) {
        guard let id else { return appendItem(action, index: index, rawID: nil, source: source, options: options) }
        var contiguous = id
        contiguous.withUTF8 { utf8 in
            // Ids rarely hold a quote, a backslash or a control character: then they go in as they are.
            if !utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) {
                appendItem(action, index: index, rawID: UnsafeRawBufferPointer(utf8), source: source, options: options)
            } else {
                let escaped = Array(JSONValue.quoted(id).utf8.dropFirst().dropLast())
                escaped.withUnsafeBytes { appendItem(action, index: index, rawID: $0, source: source, options: options) }
            }
        }
    }

    /// Appends one item whose id is given as the bytes between the quotes of a JSON string,
    /// escapes intact: exactly what `SearchPage.rawID(of:)` returns.
    public mutating func append(
        _ action: BulkAction, index: String, rawID: UnsafeRawBufferPointer, source: UnsafeRawBufferPointer?,
        options: BulkItemOptions = .init()
    ) {
        appendItem(action, index: index, rawID: rawID, source: source, options: options)
    }

    public mutating func append(
        _ action: BulkAction, index: String, id: String?, source: [UInt8]?, options: BulkItemOptions = .init()
    ) {
        guard let source else {
            return append(action, index: index, id: id, source: nil as UnsafeRawBufferPointer?, options: options)
        }
        source.withUnsafeBytes { append(action, index: index, id: id, source: $0, options: options) }
    }

    public mutating func append(
        _ action: BulkAction, index: String, id: String?, source: JSONValue, options: BulkItemOptions = .init()
    ) {
        append(action, index: index, id: id, source: source.serializedBytes(), options: options)
    }

    /// Appends the hit's raw id and `_source` from a search page, without decoding either.
    public mutating func append(
        _ action: BulkAction, index: String, hit: Hit, of page: SearchPage, options: BulkItemOptions = .init()
    ) {
        page.body.withUnsafeBytes { all in
            let rawID = UnsafeRawBufferPointer(rebasing: all[hit.rawID])
            let source = action == .delete ? nil : hit.source.map { UnsafeRawBufferPointer(rebasing: all[$0]) }
            appendItem(action, index: index, rawID: rawID, source: source, options: options)
        }
    }

    private mutating func appendItem(
        _ action: BulkAction, index: String, rawID: UnsafeRawBufferPointer?, source: UnsafeRawBufferPointer?,
        options: BulkItemOptions
    ) {
        precondition((action == .delete) == (source == nil), "bulk \(action.rawValue) needs a source iff not delete")
        itemOffsets.append(body.count)
        let withID = rawID != nil
        if let cached = cachedPrefix, cached.action == action, cached.withID == withID, cached.index == index {
            body.append(contentsOf: cachedPrefixBytes)
        } else {
            cachedPrefix = (action, index, withID)
            cachedPrefixBytes = Array("{\"\(action.rawValue)\":{\"_index\":\(JSONValue.quoted(index))".utf8)
            if withID { cachedPrefixBytes.append(contentsOf: ",\"_id\":\"".utf8) }
            body.append(contentsOf: cachedPrefixBytes)
        }
        if let rawID {
            body.append(contentsOf: rawID)
            append(static: "\"")
        }
        if let routing = options.routing {
            append(static: ",\"routing\":")
            appendLiteral(JSONValue.quoted(routing))
        }
        if let version = options.version {
            append(static: ",\"version\":")
            append(integer: version)
            if cachedVersionType != options.versionType {
                cachedVersionType = options.versionType
                cachedVersionTypeJSON = Array(",\"version_type\":\(JSONValue.quoted(options.versionType))".utf8)
            }
            body.append(contentsOf: cachedVersionTypeJSON)
        }
        if let seqNo = options.ifSeqNo {
            append(static: ",\"if_seq_no\":")
            append(integer: seqNo)
        }
        if let term = options.ifPrimaryTerm {
            append(static: ",\"if_primary_term\":")
            append(integer: term)
        }
        append(static: "}}\n")
        if let source {
            let start = body.count
            body.append(contentsOf: source)
            Self.replaceNewlines(in: &body, from: start)
            body.append(UInt8(ascii: "\n"))
        }
    }

    private mutating func appendLiteral(_ s: String) {
        body.append(contentsOf: s.utf8)
    }

    private mutating func append(static s: StaticString) {
        body.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Decimal digits of n, written straight into the body (no String on the way).
    private mutating func append(integer n: Int64) {
        if n < 0 { body.append(UInt8(ascii: "-")) }
        var magnitude = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            body.append(contentsOf: buffer[at...])
        }
    }

    /// A raw newline can only be insignificant whitespace in valid JSON (inside strings it is
    /// escaped), but one would split the NDJSON line: turn it into a space.
    private static func replaceNewlines(in body: inout [UInt8], from start: Int) {
        body.withUnsafeMutableBytes { all in
            guard let base = all.baseAddress else { return }
            var offset = start
            while offset < all.count,
                let hit = memchr(base + offset, 0x0A, all.count - offset)
            {
                let p = hit.assumingMemoryBound(to: UInt8.self)
                p.pointee = 0x20
                offset = base.distance(to: UnsafeMutableRawPointer(p)) + 1
            }
        }
    }

    // MARK: Shorthands

    public mutating func index(into index: String, id: String?, source: [UInt8], options: BulkItemOptions = .init()) {
        append(.index, index: index, id: id, source: source, options: options)
    }

    public mutating func index(
        into index: String, id: String?, source: UnsafeRawBufferPointer, options: BulkItemOptions = .init()
    ) {
        append(.index, index: index, id: id, source: source, options: options)
    }

    public mutating func create(into index: String, id: String?, source: [UInt8], options: BulkItemOptions = .init()) {
        append(.create, index: index, id: id, source: source, options: options)
    }

    public mutating func create(
        into index: String, id: String?, source: UnsafeRawBufferPointer, options: BulkItemOptions = .init()
    ) {
        append(.create, index: index, id: id, source: source, options: options)
    }

    public mutating func delete(from index: String, id: String, options: BulkItemOptions = .init()) {
        append(.delete, index: index, id: id, source: nil as UnsafeRawBufferPointer?, options: options)
    }

    // MARK: Retrying parts

    /// One already-encoded item (action line plus source line), to move between requests.
    public struct Item: Sendable {
        public let bytes: ArraySlice<UInt8>
    }

    public func item(at position: Int) -> Item {
        Item(bytes: itemBytes(position))
    }

    public mutating func append(_ item: Item) {
        itemOffsets.append(body.count)
        body.append(contentsOf: item.bytes)
    }

    /// The bytes of item `position` (action line plus source line).
    public func itemBytes(_ position: Int) -> ArraySlice<UInt8> {
        let end = position + 1 < itemOffsets.count ? itemOffsets[position + 1] : body.count
        return body[itemOffsets[position]..<end]
    }

    /// A new request holding only the items at `positions` (in that order), e.g. the items a
    /// `BulkResponse` reported as rejected with 429.
    public func subset(_ positions: some Sequence<Int>) -> BulkRequestBuilder {
        var out = BulkRequestBuilder()
        for position in positions { out.append(item(at: position)) }
        return out
    }
}

// MARK: - Response

/// The outcome of one bulk item.
public struct BulkItemResult: Sendable, Hashable {
    /// Position of the item in the request.
    public let position: Int
    /// "index", "create", "delete" or "update".
    public let action: String
    public let index: String
    /// Empty only if the cluster omitted it.
    public let id: String
    public let status: Int
    /// "created", "updated", "deleted", "not_found", "noop".
    public let result: String?
    /// e.g. "mapper_parsing_exception", "version_conflict_engine_exception", "es_rejected_execution_exception".
    public let errorType: String?
    public let errorReason: String?
    public let version: Int64?
    public let seqNo: Int64?
    public let primaryTerm: Int64?

    /// True when the cluster reported an error for the item. (A delete of a missing document
    /// is 404 "not_found" without an error: not a failure.)
    public var failed: Bool { errorType != nil || errorReason != nil }
    /// Rejected because the cluster is overloaded: retry the item after a pause.
    public var isRejected: Bool { status == 429 }

    /// 409: the write's precondition failed. The stored document has this external version or a
    /// newer one, `op_type=create` found the id taken, or `if_seq_no` did not match.
    ///
    /// Callers using external versioning (`BulkItemOptions(version:)`) must treat this as
    /// success when the item may have been sent before: a request whose answer was lost (a
    /// connection reset or timeout after the cluster applied it) is resent, by `RetryPolicy` or
    /// by libcurl itself, and the resend of an applied write conflicts with itself. The
    /// document then holds this version or a newer one, which is what the write wanted.
    public var isVersionConflict: Bool {
        status == 409 && (errorType == nil || errorType == "version_conflict_engine_exception")
    }
}

public struct BulkResponse: Sendable {
    public let took: Int
    /// The cluster's `errors` flag: true when at least one item failed.
    public let errors: Bool
    public let itemCount: Int
    /// Every item in request order, decoded only when `errors` is true (the fast path counts items).
    public let items: [BulkItemResult]

    public init(took: Int, errors: Bool, itemCount: Int, items: [BulkItemResult]) {
        self.took = took
        self.errors = errors
        self.itemCount = itemCount
        self.items = items
    }

    public var failures: [BulkItemResult] { items.filter(\.failed) }
    public var rejected: [BulkItemResult] { items.filter { $0.failed && $0.isRejected } }

    public static let empty = BulkResponse(took: 0, errors: false, itemCount: 0, items: [])
}
