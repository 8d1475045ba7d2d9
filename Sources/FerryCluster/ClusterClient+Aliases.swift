import FerryCore

/// One action of an atomic `POST /_aliases` call.
public enum AliasAction: Sendable, Hashable {
    /// `isWriteIndex` nil leaves the cluster's default.
    case add(index: String, alias: String, isWriteIndex: Bool? = nil)
    /// `mustExist: true` makes the whole call fail if the alias is not on that index: a
    /// precondition for the switch (Elasticsearch 7.10+, OpenSearch 2.x+). nil omits it.
    case remove(index: String, alias: String, mustExist: Bool? = nil)
    /// Deletes a concrete index in the same atomic call, e.g. to replace it by an alias of its name.
    case removeIndex(index: String)

    var json: JSONValue {
        switch self {
        case .add(let index, let alias, let isWriteIndex):
            var body: [String: JSONValue] = ["index": .string(index), "alias": .string(alias)]
            if let isWriteIndex { body["is_write_index"] = .bool(isWriteIndex) }
            return ["add": .object(body)]
        case .remove(let index, let alias, let mustExist):
            var body: [String: JSONValue] = ["index": .string(index), "alias": .string(alias)]
            if let mustExist { body["must_exist"] = .bool(mustExist) }
            return ["remove": .object(body)]
        case .removeIndex(let index):
            return ["remove_index": ["index": .string(index)]]
        }
    }
}

/// What a name refers to.
public enum ResolvedName: Sendable, Hashable {
    /// An alias over these concrete indices (sorted).
    case alias(indices: [String])
    case index
    case missing
}

/// One alias on one index, with its flags.
public struct AliasEntry: Sendable, Hashable {
    public let index: String
    public let alias: String
    public let isWriteIndex: Bool?
}

extension ClusterClient {
    /// `GET /_alias/<name>` → index → aliases of that index matching `name`. For an alias name,
    /// the keys are the indices that hold it. Empty when nothing matches (the cluster's 404).
    public func getAliases(name: String) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for entry in try aliasEntries(name: name) {
            result[entry.index, default: []].append(entry.alias)
        }
        return result.mapValues { $0.sorted() }
    }

    /// Like `getAliases(name:)` with `is_write_index`, sorted by index then alias.
    public func aliasEntries(name: String) throws -> [AliasEntry] {
        try aliasEntries(RequestPath(["_alias", name]))
    }

    /// Aliases held by a concrete index (`GET /<index>/_alias`), sorted.
    public func aliasesOfIndex(_ index: String) throws -> [String] {
        Array(Set(try aliasEntries(RequestPath([index, "_alias"])).map(\.alias))).sorted()
    }

    /// Applies all actions in ONE `POST /_aliases` call: the cluster applies them atomically.
    public func updateAliases(_ actions: [AliasAction]) throws {
        guard !actions.isEmpty else { return }
        let body: JSONValue = ["actions": .array(actions.map(\.json))]
        let path: RequestPath = "/_aliases"
        let json = try json(.POST, path, body: body).json
        if json["acknowledged"]?.boolValue == false {
            throw ClusterError(
                kind: .invalidResponse, method: .POST, path: path.path, endpoint: config.url, status: 200,
                reason: "alias update not acknowledged by all nodes (it may still apply): check the aliases")
        }
    }

    /// Whether `name` is an alias (and over which indices), a concrete index, or nothing.
    public func resolve(_ name: String) throws -> ResolvedName {
        let holders = try aliasEntries(name: name).filter { $0.alias == name }
        if !holders.isEmpty { return .alias(indices: Array(Set(holders.map(\.index))).sorted()) }
        return try indexExists(name) ? .index : .missing
    }

    private func aliasEntries(_ path: RequestPath) throws -> [AliasEntry] {
        let (status, json) = try json(.GET, path, accept: { (200..<300).contains($0) || $0 == 404 })
        if status == 404 {
            // "alias [x] missing" means no match; index_not_found for `/<index>/_alias` is a real error.
            if json["error"]?["type"]?.stringValue == "index_not_found_exception" {
                throw ClusterError.fromJSON(json, method: .GET, path: path, endpoint: config.url, status: status)
            }
        }
        var entries: [AliasEntry] = []
        // A 404 for several names may still list the ones that exist next to "error"/"status".
        for (index, body) in json.objectValue ?? [:] where !(status == 404 && (index == "error" || index == "status")) {
            for (alias, flags) in body["aliases"]?.objectValue ?? [:] {
                entries.append(AliasEntry(index: index, alias: alias, isWriteIndex: flags["is_write_index"]?.boolValue))
            }
        }
        return entries.sorted { ($0.index, $0.alias) < ($1.index, $1.alias) }
    }
}
