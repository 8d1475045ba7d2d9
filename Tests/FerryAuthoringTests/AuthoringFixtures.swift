import Foundation
import FerryAuthoring
import FerryCluster
import FerryCore
import FerryRecipes

/// The repository root, found from this file, so tests use the real `recipes/` and `transforms/`.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A copy of `recipes/` and `transforms/` in a temporary folder, to break on purpose.
final class ScratchRecipes {
    let root: String
    var recipes: String { "\(root)/recipes" }
    var catalog: RecipeCatalog { RecipeCatalog(recipesFolder: recipes) }

    init() throws {
        root = NSTemporaryDirectory() + "ferry-authoring-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fm.copyItem(atPath: "\(repositoryRoot)/recipes", toPath: recipes)
        try fm.copyItem(atPath: "\(repositoryRoot)/transforms", toPath: "\(root)/transforms")
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { "\(recipes)/\(relative)" }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    func write(_ relative: String, _ text: String) throws {
        let full = path(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    /// Replaces `old` (which must occur) with `new` in a recipe file.
    func edit(_ relative: String, replacing old: String, with new: String) throws {
        let text = try read(relative)
        precondition(text.contains(old), "\(relative) does not contain \(old)")
        try write(relative, text.replacingOccurrences(of: old, with: new))
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path(relative))
    }

    func load(_ name: String = "blog_posts") throws -> Recipe {
        try catalog.load(name)
    }
}

func realRecipe(_ name: String = "blog_posts") throws -> Recipe {
    try RecipeCatalog(recipesFolder: "\(repositoryRoot)/recipes").load(name)
}

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

/// Version-1.0 blog documents post-1...post-N (authors alice, bob and zed, who is not in the
/// lookup table), refreshed so a search sees them.
func seedBlogPosts(_ client: ClusterClient, into index: String, count: Int) throws {
    let authors = ["alice", "bob", "zed"]
    var builder = BulkRequestBuilder()
    for i in 1...count {
        let doc: JSONValue = [
            "title": .string("Post \(i): a guide to the database API"),
            "content": .string("Hello #swift world number \(i). " + String(repeating: "word ", count: i % 7) + "#search"),
            "author": .string(authors[i % authors.count]),
            "created_date": .string("2024-03-0\(1 + i % 9)T10:00:00Z"),
        ]
        builder.index(into: index, id: "post-\(i)", source: doc.serializedBytes())
    }
    let response = try client.bulk(body: builder.body, refresh: true)
    precondition(!response.errors, "seeding failed: \(response.failures)")
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
