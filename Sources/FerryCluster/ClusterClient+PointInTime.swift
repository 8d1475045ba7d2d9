import FerryCore

/// Point-in-time readers: a consistent view for `search_after` paging. The endpoints differ:
/// Elasticsearch (7.10+) `POST /<index>/_pit` → `{"id"}`; OpenSearch (2.4+)
/// `POST /<index>/_search/point_in_time` → `{"pit_id"}`. Search with
/// `search(index: nil, body: ["pit": ["id": id, "keep_alive": "5m"], "sort": ..., "search_after": ...])`
/// and use each page's `pitID` for the next request (it may change).
extension ClusterClient {
    /// Opens a point in time over `index`, using `info` (from `info()`) to pick the endpoint.
    public func openPointInTime(index: String, keepAlive: Duration = .seconds(300), on info: ClusterInfo) throws
        -> String
    {
        let keep = ("keep_alive", timeValue(keepAlive))
        switch info.distribution {
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
        switch info.distribution {
        case .opensearch:
            let body: JSONValue = ["pit_id": [.string(id)]]
            try request(.DELETE, "/_search/point_in_time", body: body.serializedBytes(), accept: accept)
        case .elasticsearch:
            let body: JSONValue = ["id": .string(id)]
            try request(.DELETE, "/_pit", body: body.serializedBytes(), accept: accept)
        }
    }
}
