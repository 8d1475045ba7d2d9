import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// An index as raw `_source` bytes by id: what "byte-identical" compares.
func sourceBytes(_ client: ClusterClient, _ index: String) throws -> [String: [UInt8]] {
    try client.refresh(index)
    var out: [String: [UInt8]] = [:]
    try client.scrollAll(index: index, body: ["sort": ["_doc"]], size: 1000, keepAlive: .seconds(60)) { page in
        for hit in page.hits { out[hit.id] = Array(page.source(of: hit) ?? []) }
    }
    return out
}

/// What the old index must hold after a rollback: byte for byte what it held at the switch for
/// every document the application did not touch since; T⁻¹ of the new index's final state for
/// those it wrote there (nothing where T⁻¹ drops it); nothing for those it deleted there; and
/// the application's own writes after the switch back as written.
struct RollbackOracle {
    enum Entry { case untouched, reversed(JSONValue), written(JSONValue), deleted }
    var entries: [String: Entry] = [:]

    init(atSwitch old: [String: [UInt8]]) {
        for id in old.keys { entries[id] = .untouched }
    }

    mutating func wroteToNew(_ id: String, _ body: JSONValue?) { entries[id] = body.map { .reversed($0) } ?? .deleted }
    mutating func wroteToOld(_ id: String, _ body: JSONValue?) { entries[id] = body.map { .written($0) } ?? .deleted }

    /// Problems found comparing `actual` with the expectation (empty: exact).
    func check(actual: [String: [UInt8]], atSwitch old: [String: [UInt8]], reverse chain: StepChain, index: String) throws -> [String] {
        var problems: [String] = []
        for (id, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let got = actual[id]
            switch entry {
            case .untouched:
                if got != old[id] { problems.append("\(id): untouched since the switch but not byte-identical") }
            case .deleted:
                if got != nil { problems.append("\(id): deleted but present") }
            case .written(let body):
                if try got.map({ try JSONValue.parse($0) }) != body { problems.append("\(id): the write after the switch back is not as written") }
            case .reversed(let body):
                let bytes = body.serializedBytes()
                let outcome = try bytes.withUnsafeBytes { try chain.transform(source: $0, id: id, index: index) }
                if case .kept(let out) = outcome {
                    let want = try JSONValue.parse(Array(out))
                    if try got.map({ try JSONValue.parse($0) }) != want { problems.append("\(id): not T⁻¹ of its final state in the new index") }
                } else if got != nil {
                    problems.append("\(id): T⁻¹ drops it but it is present")
                }
            }
        }
        for id in actual.keys where entries[id] == nil { problems.append("\(id): present but never written") }
        return problems
    }
}

/// A fixed set of application writes through the write alias after the switch: `updated`
/// existing posts rewritten in the new shape, `created` new ones, `deleted` removed.
@discardableResult
func writeSinceSwitch(_ client: ClusterClient, alias: String, updated: Int, created: Int, deleted: Int) throws -> [(id: String, body: JSONValue?)] {
    var writes: [(String, JSONValue?)] = []
    func body(_ id: String, _ n: Int) -> JSONValue {
        [
            "title": .string("Edited after the switch \(n) \(id)"), "content": .string("New shape, written after the switch, number \(n)"),
            "author": "alice", "created_date": "2025-01-02T03:04:05Z", "published_date": "2025-01-02T03:04:05Z",
            "category": "news", "tags": ["after"], "schema_version": "3.0",
            "metadata": ["word_count": 7, "reading_time": 1, "language": "en", "last_updated": "2026-01-01T00:00:00Z"],
            "engagement": ["views": .int(Int64(n)), "likes": 0, "shares": 0, "comments_count": 0],
        ]
    }
    for n in 1...max(1, updated) where updated > 0 {
        let id = "post-\(n * 3)"
        _ = try client.indexDocument(index: alias, id: id, body: body(id, n))
        writes.append((id, body(id, n)))
    }
    for n in 1...max(1, created) where created > 0 {
        let id = "after-\(n)"
        _ = try client.indexDocument(index: alias, id: id, body: body(id, n))
        writes.append((id, body(id, n)))
    }
    for n in 1...max(1, deleted) where deleted > 0 {
        let id = "post-\(n * 3 + 1)"
        guard case .alias(let indices) = try client.resolve(alias) else { continue }
        _ = try client.deleteDocument(index: indices[0], id: id)
        writes.append((id, nil))
    }
    return writes
}

/// The blog_posts recipe without its reverse steps (a scratch copy; remove it after).
func recipeWithoutReverseSteps() throws -> ScratchRecipes {
    let scratch = try ScratchRecipes()
    try scratch.edit("blog_posts/recipe.lua", replacing: "    { from = \"3.0\", to = \"2.0\", script = \"steps/v3_to_v2.lua\" },\n", with: "")
    try scratch.edit("blog_posts/recipe.lua", replacing: "    { from = \"2.0\", to = \"1.0\", script = \"steps/v2_to_v1.lua\" },\n", with: "")
    // Its round-trip fixtures need the reverse steps.
    for file in try FileManager.default.contentsOfDirectory(atPath: scratch.path("blog_posts/tests")) where file.contains("round_trip") || file.hasPrefix("v3_to") || file.hasPrefix("v2_to_v1") {
        try scratch.remove("blog_posts/tests/\(file)")
    }
    return scratch
}

func isWriteBlocked(_ client: ClusterClient, _ index: String) throws -> Bool {
    let value = try client.getSettings(index)["index"]?["blocks"]?["write"]
    return value == .bool(true) || value == .string("true")
}
