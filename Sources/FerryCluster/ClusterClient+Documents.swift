import FerryCore

/// A single document with the metadata needed for optimistic concurrency.
public struct StoredDocument: Sendable, Hashable {
    public let index: String
    public let id: String
    public let source: JSONValue
    public let version: Int64?
    public let seqNo: Int64?
    public let primaryTerm: Int64?
}

/// The outcome of a single-document write.
public struct DocumentWriteResult: Sendable, Hashable {
    public let index: String
    public let id: String
    /// "created", "updated", "deleted", "not_found", "noop".
    public let result: String
    public let version: Int64?
    public let seqNo: Int64?
    public let primaryTerm: Int64?
}

public enum WriteOperation: String, Sendable {
    case index
    /// Fails with 409 (`version_conflict_engine_exception`) when the id exists.
    case create
}

/// Single-document calls, for tests and small control documents (leases, markers). Bulk
/// traffic goes through `bulk`.
extension ClusterClient {
    /// The `_source` of a document, or nil when it does not exist. A missing index throws.
    public func getDocument(index: String, id: String) throws -> JSONValue? {
        try fetchDocument(index: index, id: id)?.source
    }

    /// A document with `_version`, `_seq_no` and `_primary_term`, or nil when it does not exist.
    public func fetchDocument(index: String, id: String) throws -> StoredDocument? {
        let path = RequestPath([index, "_doc", id])
        let (status, json) = try json(.GET, path, accept: { (200..<300).contains($0) || $0 == 404 })
        if status == 404 {
            if json["found"]?.boolValue == false { return nil }
            throw ClusterError.fromJSON(json, method: .GET, path: path, endpoint: config.url, status: status)
        }
        guard json["found"]?.boolValue == true else { return nil }
        return StoredDocument(
            index: json["_index"]?.stringValue ?? index, id: json["_id"]?.stringValue ?? id,
            source: json["_source"] ?? .null, version: json["_version"]?.intValue, seqNo: json["_seq_no"]?.intValue,
            primaryTerm: json["_primary_term"]?.intValue)
    }

    /// `PUT /<index>/_doc/<id>`. `ifSeqNo` + `ifPrimaryTerm` make the write conditional (409 on
    /// mismatch); `refresh` makes it visible to search before returning.
    @discardableResult
    public func indexDocument(
        index: String, id: String, body: JSONValue, refresh: Bool = false, operation: WriteOperation = .index,
        ifSeqNo: Int64? = nil, ifPrimaryTerm: Int64? = nil
    ) throws -> DocumentWriteResult {
        var query: [(String, String)] = []
        if refresh { query.append(("refresh", "true")) }
        if operation == .create { query.append(("op_type", "create")) }
        if let ifSeqNo { query.append(("if_seq_no", String(ifSeqNo))) }
        if let ifPrimaryTerm { query.append(("if_primary_term", String(ifPrimaryTerm))) }
        let path = RequestPath([index, "_doc", id], query: query)
        return writeResult(try json(.PUT, path, body: body).json, index: index, id: id)
    }

    /// `DELETE /<index>/_doc/<id>`; returns false when there was no such document.
    @discardableResult
    public func deleteDocument(
        index: String, id: String, refresh: Bool = false, ifSeqNo: Int64? = nil, ifPrimaryTerm: Int64? = nil
    ) throws -> Bool {
        var query: [(String, String)] = []
        if refresh { query.append(("refresh", "true")) }
        if let ifSeqNo { query.append(("if_seq_no", String(ifSeqNo))) }
        if let ifPrimaryTerm { query.append(("if_primary_term", String(ifPrimaryTerm))) }
        let path = RequestPath([index, "_doc", id], query: query)
        let (status, json) = try json(.DELETE, path, accept: { (200..<300).contains($0) || $0 == 404 })
        if status == 404 {
            if json["result"]?.stringValue == "not_found" { return false }
            throw ClusterError.fromJSON(json, method: .DELETE, path: path, endpoint: config.url, status: status)
        }
        return true
    }

    private func writeResult(_ json: JSONValue, index: String, id: String) -> DocumentWriteResult {
        DocumentWriteResult(
            index: json["_index"]?.stringValue ?? index, id: json["_id"]?.stringValue ?? id,
            result: json["result"]?.stringValue ?? "", version: json["_version"]?.intValue,
            seqNo: json["_seq_no"]?.intValue, primaryTerm: json["_primary_term"]?.intValue)
    }
}

extension ClusterError {
    static func fromJSON(
        _ json: JSONValue, method: HTTPMethod, path: RequestPath, endpoint: String, status: Int
    ) -> ClusterError {
        var error = ClusterError(kind: .http, method: method, path: path.path, endpoint: endpoint, status: status)
        if let field = json["error"] { error.apply(errorField: field) }
        return error
    }
}
