import Foundation
import FerryAuthoring
import FerryCluster
import FerryCore
import FerryRecipes
import FerryTestSupport


/// `ferry init <recipe> --version <version>` done with the recipe's own API: the versioned
/// index with `_meta.ferry`, the read alias and the write alias as write index.
@discardableResult
func install(_ recipe: Recipe, version: String, on client: ClusterClient) throws -> String {
    let index = try recipe.indexName(for: version)
    try client.createIndex(index, body: try recipe.indexBodyWithMeta(for: version, runID: "test"))
    try client.updateAliases([
        .add(index: index, alias: recipe.readAlias),
        .add(index: index, alias: recipe.writeAlias, isWriteIndex: true),
    ])
    return index
}


/// Everything a read-only command must leave as it was: indices (with their counts and
/// sizes), aliases, mappings, settings, and each document's `_version`, `_seq_no` and
/// `_primary_term`.
func clusterSnapshot(_ client: ClusterClient) throws -> JSONValue {
    let cat = try client.request(.GET, RequestPath(["_cat", "indices"], query: [("format", "json")])).json()
    let rows = (cat.arrayValue ?? []).sorted { ($0["index"]?.stringValue ?? "") < ($1["index"]?.stringValue ?? "") }
    var documents: [String: JSONValue] = [:]
    for row in rows {
        guard let index = row["index"]?.stringValue else { continue }
        let page = try client.search(
            index: index, body: ["size": 10_000, "version": true, "seq_no_primary_term": true, "query": ["match_all": [:]]])
        var versions: [String: JSONValue] = [:]
        for hit in page.hits {
            versions[hit.id] = [
                "version": hit.version.map { .int($0) } ?? .null, "seq_no": hit.seqNo.map { .int($0) } ?? .null,
                "primary_term": hit.primaryTerm.map { .int($0) } ?? .null,
                "source": page.source(of: hit).map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null,
            ]
        }
        documents[index] = .object(versions)
    }
    return [
        "indices": .array(rows),
        "aliases": try client.request(.GET, "/_alias").json(),
        "mappings": try client.request(.GET, "/_mapping").json(),
        "settings": try client.request(.GET, "/_settings").json(),
        "documents": .object(documents),
    ]
}

/// Parses a JSON literal in a test.
func json(_ text: String) -> JSONValue {
    do {
        return try JSONValue.parse(text)
    } catch {
        preconditionFailure("bad JSON in a test: \(text)")
    }
}

/// A temporary file holding `text`, removed by the caller.
func temporaryFile(_ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "ferry-authoring-\(UUID().uuidString)"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
