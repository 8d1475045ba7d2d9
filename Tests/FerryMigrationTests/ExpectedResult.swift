import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryScripting

/// Checks the exact result of a finished run: both aliases on the target alone, and every
/// target document equal to T(source document) computed here with the run's own
/// `run_started_at`, with no document missing or extra.
func expectExactResult(
    _ client: ClusterClient, recipe: Recipe, journal: Journal, sourceIndex: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let run = try #require(try journal.latestRun(recipe: recipe.name), sourceLocation: sourceLocation)
    #expect(run.phase == .completed, sourceLocation: sourceLocation)
    let target = run.plan.targetIndex
    #expect(try client.resolve(recipe.readAlias) == .alias(indices: [target]), sourceLocation: sourceLocation)
    #expect(try client.resolve(recipe.writeAlias) == .alias(indices: [target]), sourceLocation: sourceLocation)

    let expected = try transformedDocuments(client, recipe: recipe, run: run, index: sourceIndex)
    let actual = try documentsByID(client, index: target, sourceLocation: sourceLocation)
    #expect(Set(actual.keys) == Set(expected.keys), "missing: \(Set(expected.keys).subtracting(actual.keys).sorted().prefix(5)), extra: \(Set(actual.keys).subtracting(expected.keys).sorted().prefix(5))", sourceLocation: sourceLocation)
    let different = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }.sorted()
    #expect(different.isEmpty, "documents differing from T(source): \(different.prefix(5))", sourceLocation: sourceLocation)
}

/// T(document) for every document of `index`, by id, computed here with `run`'s steps and
/// `run_started_at` (documents the steps drop are absent).
func transformedDocuments(_ client: ClusterClient, recipe: Recipe, run: RunRecord, index: String) throws -> [String: JSONValue] {
    let chain = try StepChain(recipe: recipe, from: run.plan.sourceVersion, to: run.plan.targetVersion, runStartedAt: run.startedAt)
    var expected: [String: JSONValue] = [:]
    try client.scrollAll(index: index, body: ["sort": ["_doc"]], size: 500, keepAlive: .seconds(60)) { page in
        for hit in page.hits {
            let outcome = try page.withSource(of: hit) { source in
                try chain.transform(source: source, id: hit.id, index: hit.index)
            }
            if case .kept(let bytes) = outcome {
                expected[hit.id] = try JSONValue.parse(Array(bytes))
            }
        }
    }
    return expected
}

/// Every document of `index` by id (a duplicate id is a test failure).
func documentsByID(_ client: ClusterClient, index: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: JSONValue] {
    var actual: [String: JSONValue] = [:]
    try client.scrollAll(index: index, body: ["sort": ["_doc"]], size: 500, keepAlive: .seconds(60)) { page in
        for hit in page.hits {
            #expect(actual[hit.id] == nil, "duplicate \(hit.id)", sourceLocation: sourceLocation)
            actual[hit.id] = try JSONValue.parse(Array(page.source(of: hit) ?? []))
        }
    }
    return actual
}
