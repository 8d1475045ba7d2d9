import FerryCore

/// Point-in-time readers: a consistent view for `search_after` paging. The endpoints differ
/// (`ClusterInfo.pointInTimeAPI`): Elasticsearch (7.10+) `POST /<index>/_pit` → `{"id"}`;
/// OpenSearch (2.4+) `POST /<index>/_search/point_in_time` → `{"pit_id"}`. Whether to read with
/// one at all is `ClusterInfo.readStrategy(slices:)`. Search with
/// `search(index: nil, body: ["pit": ["id": id, "keep_alive": "5m"], "sort": ..., "search_after": ...])`
/// and use each page's `pitID` for the next request (it may change).
extension ClusterClient {
    /// Opens a point in time over `index`, using `info` (from `info()`) to pick the endpoint.
    public func openPointInTime(index: String, keepAlive: Duration = .seconds(300), on info: ClusterInfo) throws
        -> String
    {
        let keep = ("keep_alive", timeValue(keepAlive))
        switch api(info) {
        case .opensearch:
            let path = RequestPath([index, "_search", "point_in_time"], query: [keep])
            let json = try json(.POST, path).json
            guard let id = json["pit_id"]?.stringValue else {
                throw invalidResponse(.POST, path, status: 200, reason: "no pit_id in response")
            }
            return id
        case .elasticsearch:
            let path = RequestPath([index, "_pit"], query: [keep])
            let json = try json(.POST, path).json
            guard let id = json["id"]?.stringValue else {
                throw invalidResponse(.POST, path, status: 200, reason: "no id in response")
            }
            return id
        }
    }

    /// Closes a point in time; one that is already gone is not an error.
    public func closePointInTime(id: String, on info: ClusterInfo) throws {
        let accept: (Int) -> Bool = { (200..<300).contains($0) || $0 == 404 }
        switch api(info) {
        case .opensearch:
            let body: JSONValue = ["pit_id": [.string(id)]]
            try request(.DELETE, "/_search/point_in_time", body: body.serializedBytes(), accept: accept)
        case .elasticsearch:
            let body: JSONValue = ["id": .string(id)]
            try request(.DELETE, "/_pit", body: body.serializedBytes(), accept: accept)
        }
    }

    /// The cluster's API; a version without one is asked its distribution's anyway, so its own
    /// error (not a guess of ours) is what the caller sees.
    private func api(_ info: ClusterInfo) -> ClusterInfo.PointInTimeAPI {
        info.pointInTimeAPI ?? (info.distribution == .opensearch ? .opensearch : .elasticsearch)
    }
}
