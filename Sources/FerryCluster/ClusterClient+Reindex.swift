/// The cluster's own copy (`POST /_reindex`, waited for), what it answers, and the probe that
/// says whether a cluster has it, sliced or not, before a run relies on it.
import FerryCore

/// One `_reindex` of a source index (or one slice of it) into a target.
public struct ReindexRequest: Sendable {
    public var source: String
    public var target: String
    /// `(id, max)`: one manual slice of the source; nil reads it all.
    public var slice: (id: Int, max: Int)?
    /// The `dest` options that make the cluster write the way the run's mode writes
    /// (`version_type: external`), besides the index.
    public var dest: JSONValue
    /// Documents per scroll batch inside the cluster.
    public var batchSize: Int
    /// Only the documents matching this query (nil: all of them).
    public var query: JSONValue? = nil

    public init(source: String, target: String, slice: (id: Int, max: Int)? = nil, dest: JSONValue, batchSize: Int) {
        self.source = source
        self.target = target
        self.slice = slice
        self.dest = dest
        self.batchSize = batchSize
    }

    /// The request body. `conflicts: proceed`: a document the target already holds at that
    /// version or a newer one is counted as a conflict, not a failure (a resumed slice, or a
    /// catch-up that was there first).
    public var body: JSONValue {
        var source: [String: JSONValue] = ["index": .string(self.source), "size": .int(Int64(batchSize))]
        if let slice { source["slice"] = ["id": .int(Int64(slice.id)), "max": .int(Int64(slice.max))] }
        if let query { source["query"] = query }
        var dest = dest.objectValue ?? [:]
        dest["index"] = .string(target)
        return ["source": .object(source), "dest": .object(dest), "conflicts": "proceed"]
    }

    /// "blog_posts-1.0 → blog_posts-2.0, slice 2 of 8", for messages.
    public var description: String {
        "\(source) → \(target)" + (slice.map { ", slice \($0.id + 1) of \($0.max)" } ?? "")
    }
}

/// What a waited-for `_reindex` answered.
public struct ReindexResult: Sendable, Equatable {
    /// Source documents the cluster read.
    public var total = 0
    public var created = 0
    public var updated = 0
    /// Writes refused because the target already held that version or a newer one.
    public var versionConflicts = 0
    /// The documents (or searches) that failed for another reason: the cluster stops the
    /// reindex at the first batch with one, so the rest of the slice was not copied.
    public var failures: [Failure] = []
    public var timedOut = false

    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public var id: String?
        public var index: String?
        public var status: Int?
        public var type: String
        public var reason: String

        public init(id: String? = nil, index: String? = nil, status: Int? = nil, type: String, reason: String) {
            (self.id, self.index, self.status, self.type, self.reason) = (id, index, status, type, reason)
        }

        public var description: String {
            let what = id.map { "document \($0)" } ?? "the search"
            return "\(what)\(index.map { " in \($0)" } ?? ""): HTTP \(status.map(String.init) ?? "?") \(type): \(reason)"
        }
    }

    /// Read and written (created, updated, or already there at that version).
    public var written: Int { created + updated + versionConflicts }

    init(json: JSONValue) {
        total = Int(json["total"]?.intValue ?? 0)
        created = Int(json["created"]?.intValue ?? 0)
        updated = Int(json["updated"]?.intValue ?? 0)
        versionConflicts = Int(json["version_conflicts"]?.intValue ?? 0)
        timedOut = json["timed_out"]?.boolValue ?? false
        for item in json["failures"]?.arrayValue ?? [] {
            // Search failures carry `reason`, document failures `cause`.
            let cause = item["cause"] ?? item["reason"] ?? [:]
            let failure = Failure(
                id: item["id"]?.stringValue, index: item["index"]?.stringValue, status: item["status"]?.intValue.map(Int.init),
                type: cause["type"]?.stringValue ?? "unknown", reason: cause["reason"]?.stringValue ?? cause.serialized())
            // With conflicts: proceed a conflict is counted in version_conflicts; some clusters list it too.
            if failure.status == 409 && failure.type == "version_conflict_engine_exception" { continue }
            failures.append(failure)
        }
    }
}

/// Whether a cluster copies by itself, as a probe found out.
public enum ReindexSupport: Sendable, Equatable {
    /// `_reindex` with manual slices (`source.slice`) and external versions.
    case sliced
    /// `_reindex` with external versions, but not sliced: `why` is the cluster's answer to a slice.
    case unsliced(why: String)
    /// No usable `_reindex`: `why` is the cluster's answer.
    case unavailable(why: String)
}

extension ClusterClient {
    /// `POST /_reindex?wait_for_completion=true`: the cluster copies and answers when it is done,
    /// within this client's request timeout (a timeout leaves the cluster copying: the same
    /// request again is safe, the versions settle it). Document failures are in the result;
    /// a refused request (missing index, bad body, cluster unwell) throws `ClusterError`.
    public func reindex(_ request: ReindexRequest) throws -> ReindexResult {
        let path = RequestPath(["_reindex"], query: [("wait_for_completion", "true"), ("refresh", "false")])
        // With document failures the answer is still the reindex response, under the
        // failures' status (400 for a document the mapping refuses): a result, not an error.
        return try withResponse(.POST, path, body: request.body.serializedBytes(), accept: { _ in true }) { status, bytes in
            if (200..<300).contains(status) { return ReindexResult(json: try parse(bytes, method: .POST, path: path, status: status)) }
            if let json = try? JSONValue.parse(bytes), json["failures"]?.arrayValue != nil, json["total"] != nil {
                return ReindexResult(json: json)
            }
            throw ClusterError.fromResponse(method: .POST, path: path.path, endpoint: config.url, status: status, body: bytes, attempts: 1)
        }
    }

    /// Asks the cluster to reindex nothing (`match_none`) from `source` into `target` the way a
    /// run would, first sliced, then not: what it answers says what it supports. Writes no
    /// document (and so creates no index). A cluster that cannot be reached or is overloaded
    /// (429, 5xx) throws: that says nothing about `_reindex`.
    public func probeReindex(source: String, target: String, dest: JSONValue) throws -> ReindexSupport {
        var request = ReindexRequest(source: source, target: target, slice: (0, 2), dest: dest, batchSize: 1)
        request.query = ["match_none": [:]]
        guard let slicedError = try attempt(request) else { return .sliced }
        request.slice = nil
        if let error = try attempt(request) { return .unavailable(why: error) }
        return .unsliced(why: slicedError)
    }

    /// nil if the cluster ran `request` as asked; what it answered otherwise.
    private func attempt(_ request: ReindexRequest) throws -> String? {
        do {
            let result = try reindex(request)
            if let failure = result.failures.first { return "POST /_reindex: \(failure)" }
            return nil
        } catch let error as ClusterError {
            if error.kind == .transport || error.kind == .circuitOpen || error.status.map({ $0 == 429 || $0 >= 500 }) == true { throw error }
            return error.description
        }
    }
}
