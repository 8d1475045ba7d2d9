/// What the conformance suite needs to know about each mode: its phases (where a kill can
/// land), how the application follows it under live writes, and what rollback may do.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

struct ModeContract: Sendable, CustomTestStringConvertible {
    let mode: MigrationMode
    /// The journaled phases a run of this mode passes through (each a `phase:<NAME>` failpoint).
    let phases: [Phase]
    /// The operator line after which the application writes new-version documents, and
    /// whether it deletes through every index of the read alias.
    let applicationFollows: String
    let deletesEverywhere: Bool
    /// Whether `ferry rollback` can switch back after the run completed, and abandon it before.
    let canRollBackAfterSwitch: Bool
    let canAbandonAfterCopyStarted: Bool
    /// The pass after the first copy that takes documents written to the old index meanwhile.
    let laterPass: String

    var testDescription: String { mode.rawValue }

    static let all: [ModeContract] = [
        ModeContract(
            mode: .blueGreen, phases: [.validating, .targetCreated, .copying, .copied, .catchingUp, .frozen, .verified, .switched],
            applicationFollows: "switched ", deletesEverywhere: false, canRollBackAfterSwitch: true, canAbandonAfterCopyStarted: true,
            laterPass: "catch-up"),
        ModeContract(
            mode: .writeNewFirst, phases: [.validating, .targetCreated, .copying, .copied, .verified, .switched],
            applicationFollows: "moved ", deletesEverywhere: true, canRollBackAfterSwitch: false, canAbandonAfterCopyStarted: false,
            laterPass: "backfill"),
        ModeContract(
            mode: .inPlace, phases: [.validating, .targetCreated, .copying, .copied, .verified, .switched],
            applicationFollows: "put the ", deletesEverywhere: false, canRollBackAfterSwitch: false, canAbandonAfterCopyStarted: false,
            laterPass: "in-place"),
    ]

    /// (mode, phase) pairs: a kill at each phase of each mode.
    static var killPoints: [KillPoint] { all.flatMap { contract in contract.phases.map { KillPoint(contract: contract, phase: $0) } } }
}

struct KillPoint: Sendable, CustomTestStringConvertible {
    let contract: ModeContract
    let phase: Phase
    var testDescription: String { "\(contract.mode.rawValue) at \(phase.rawValue)" }
}

/// An index seeded with blog posts, and what a correct migration must make of them: T(each
/// document) computed here, before the run (write-new-first drains and deletes the source, and
/// in-place overwrites it, so the source cannot be read afterwards).
struct ConformanceCluster {
    static let documents = 200
    let clone: OsmemClone
    let client: ClusterClient
    let recipe: Recipe
    let source: String

    init(recipe: Recipe? = nil, documents: Int = Self.documents) throws {
        clone = try OsmemServer.shared().clone()
        client = try clone.client()
        self.recipe = try recipe ?? realRecipe()
        source = try makeMigrator(self.recipe, clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: self.recipe.writeAlias, count: documents)
        try client.refresh(source)
        var originals: [String: [UInt8]] = [:]
        try client.scrollAll(index: source, body: ["sort": ["_doc"]], size: 500, keepAlive: .seconds(60)) { page in
            for hit in page.hits { originals[hit.id] = Array(page.source(of: hit) ?? []) }
        }
        self.originals = originals
    }

    private let originals: [String: [UInt8]]

    /// The run finished, both aliases name the migrated index alone, and it holds exactly
    /// T(original) for every document T keeps, computed with the run's own run_started_at.
    func expectExact(journal: Journal, allowFailed ids: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try #require(try journal.latestRun(recipe: recipe.name), sourceLocation: sourceLocation)
        #expect(run.phase == .completed, sourceLocation: sourceLocation)
        let migrated = run.plan.targetIndex
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [migrated]), sourceLocation: sourceLocation)
        #expect(try client.resolve(recipe.writeAlias) == .alias(indices: [migrated]), sourceLocation: sourceLocation)
        let chain = try StepChain(recipe: recipe, from: run.plan.sourceVersion, to: run.plan.targetVersion, runStartedAt: run.startedAt)
        var expected: [String: JSONValue] = [:]
        for (id, bytes) in originals where !ids.contains(id) {
            let outcome = try bytes.withUnsafeBytes { try chain.transform(source: $0, id: id, index: source) }
            if case .kept(let out) = outcome { expected[id] = try JSONValue.parse(Array(out)) }
        }
        try client.refresh(migrated)
        var actual: [String: JSONValue] = [:]
        try client.scrollAll(index: migrated, body: ["sort": ["_doc"]], size: 500, keepAlive: .seconds(60)) { page in
            for hit in page.hits where !ids.contains(hit.id) { actual[hit.id] = try JSONValue.parse(Array(page.source(of: hit) ?? [])) }
        }
        let missing = Set(expected.keys).subtracting(actual.keys).sorted()
        let extra = Set(actual.keys).subtracting(expected.keys).sorted()
        let different = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }.sorted()
        #expect(missing.isEmpty && extra.isEmpty, "missing: \(missing.prefix(5)), extra: \(extra.prefix(5))", sourceLocation: sourceLocation)
        #expect(different.isEmpty, "documents differing from T(original): \(different.prefix(5))", sourceLocation: sourceLocation)
    }

    func ferry(state: String, recipes: String? = nil) -> FerryProcess {
        var process = FerryProcess(url: clone.url, state: state)
        if let recipes { process.recipes = recipes }
        return process
    }
}

func temporaryStatePath() -> String {
    NSTemporaryDirectory() + "ferry-conformance-\(UUID().uuidString)/state.db"
}
