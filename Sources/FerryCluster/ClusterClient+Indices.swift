import FerryCore

extension ClusterClient {
    /// `HEAD /<name>`: true for an index or an alias.
    public func indexExists(_ name: String) throws -> Bool {
        let path = RequestPath([name])
        return try withResponse(.HEAD, path, body: nil, accept: { $0 == 200 || $0 == 404 }) { status, _ in
            status == 200
        }
    }

    /// `PUT /<name>` with settings, mappings and aliases as you would send them with curl.
    public func createIndex(_ name: String, body: [UInt8]) throws {
        try request(.PUT, RequestPath([name]), body: body)
    }

    public func createIndex(_ name: String, body: JSONValue = [:]) throws {
        try createIndex(name, body: body.serializedBytes())
    }

    /// `DELETE /<name>`. With `ignoreMissing`, a missing index is not an error.
    /// Returns whether the cluster acknowledged the delete (false for a missing index with
    /// `ignoreMissing`), so a caller says "deleted" only when the cluster did.
    @discardableResult
    public func deleteIndex(_ name: String, ignoreMissing: Bool = false) throws -> Bool {
        let response = try request(.DELETE, RequestPath([name])) { (200..<300).contains($0) || (ignoreMissing && $0 == 404) }
        return (try? response.json())?["acknowledged"]?.boolValue ?? false
    }

    /// `GET /<name>`: the definition (`aliases`, `mappings`, `settings`) of one concrete index.
    /// `name` may be an alias that points at exactly one index.
    public func getIndex(_ name: String) throws -> JSONValue {
        let path = RequestPath([name])
        return try single(name, in: try json(.GET, path).json, path: path)
    }

    /// The `mappings` object of one concrete index (`GET /<name>/_mapping`).
    public func getMapping(_ name: String) throws -> JSONValue {
        let path = RequestPath([name, "_mapping"])
        return try single(name, in: try json(.GET, path).json, path: path)["mappings"] ?? [:]
    }

    /// The `mappings` object of every index matching `pattern`, by index, in one request
    /// (a family's members); empty when none matches.
    public func getMappings(matching pattern: String) throws -> [String: JSONValue] {
        let path = RequestPath([pattern, "_mapping"])
        let (status, json) = try json(.GET, path, accept: { (200..<300).contains($0) || $0 == 404 })
        guard status != 404 else { return [:] }
        return (json.objectValue ?? [:]).mapValues { $0["mappings"] ?? [:] }
    }

    /// The `settings` object of one concrete index (`GET /<name>/_settings`), e.g.
    /// `{"index":{"number_of_replicas":"1",...}}`.
    public func getSettings(_ name: String) throws -> JSONValue {
        let path = RequestPath([name, "_settings"])
        return try single(name, in: try json(.GET, path).json, path: path)["settings"] ?? [:]
    }

    /// `PUT /<name>/_settings`, e.g. `{"index":{"refresh_interval":"-1","number_of_replicas":0}}`.
    public func putSettings(_ name: String, body: JSONValue) throws {
        try request(.PUT, RequestPath([name, "_settings"]), body: body.serializedBytes())
    }

    /// `POST /<name>/_refresh`.
    public func refresh(_ name: String) throws {
        try request(.POST, RequestPath([name, "_refresh"]))
    }

    /// `POST /<index>/_count`, optionally with a query (the value of `"query"`). Failed shards throw.
    public func count(_ index: String, query: JSONValue? = nil) throws -> Int {
        let path = RequestPath([index, "_count"])
        let body: JSONValue = query.map { ["query": $0] } ?? [:]
        let json = try json(.POST, path, body: body).json
        if let failed = json["_shards"]?["failed"]?.intValue, failed > 0 {
            var error = ClusterError(kind: .incompleteResults, method: .POST, path: path.path, endpoint: config.url,
                                     status: 200)
            if let reason = json["_shards"]?["failures"]?[0]?["reason"] { error.apply(errorField: reason) }
            let total = json["_shards"]?["total"]?.intValue ?? 0
            error.reason = "\(failed) of \(total) shards failed: \(error.reason ?? "no failure details")"
            throw error
        }
        guard let count = json["count"]?.intValue else {
            throw invalidResponse(.POST, path, status: 200, reason: "no count in response")
        }
        return Int(count)
    }

    /// Primary store size in bytes (`GET /<index>/_stats/store`, `_all.primaries`).
    public func storeSizeBytes(_ index: String) throws -> Int64 {
        let path = RequestPath([index, "_stats", "store"])
        let json = try json(.GET, path).json
        guard let size = json["_all"]?["primaries"]?["store"]?["size_in_bytes"]?.intValue else {
            throw invalidResponse(.GET, path, status: 200, reason: "no _all.primaries.store.size_in_bytes")
        }
        return size
    }

    /// Picks the entry of a `{"<index>": {...}}` response: the one named `name`, or the only one.
    func single(_ name: String, in json: JSONValue, path: RequestPath) throws -> JSONValue {
        guard let object = json.objectValue else {
            throw invalidResponse(.GET, path, status: 200, reason: "expected an object keyed by index")
        }
        if let entry = object[name] { return entry }
        if object.count == 1, let entry = object.values.first { return entry }
        throw invalidResponse(
            .GET, path, status: 200,
            reason: "[\(name)] resolves to \(object.count) indices (\(object.keys.sorted().joined(separator: ", "))); "
                + "name one concrete index")
    }

    /// Every index matching `pattern` (a wildcard expression) with its `index.creation_date`
    /// (epoch ms; 0 when the cluster does not say); empty when none matches.
    public func indexCreationDates(_ pattern: String) throws -> [String: Int64] {
        let path = RequestPath([pattern, "_settings", "index.creation_date"])
        let (status, json) = try json(.GET, path, accept: { (200..<300).contains($0) || $0 == 404 })
        guard status != 404 else { return [:] }
        var dates: [String: Int64] = [:]
        for (index, body) in json.objectValue ?? [:] {
            let value = body["settings"]?["index"]?["creation_date"]
            dates[index] = value?.stringValue.flatMap { Int64($0) } ?? value?.intValue ?? 0
        }
        return dates
    }
}
