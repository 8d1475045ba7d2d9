import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// Which documents to preview.
public enum PreviewSelection: Sendable, Hashable {
    /// `n` documents picked at random among those `query` matches (all when nil); the same
    /// seed picks the same documents again.
    case sample(Int, seed: Int64, query: JSONValue? = nil)
    /// These ids, in this order.
    case ids([String])

    /// The search body: read-only, `_source` included. A sample is a `function_score` with a
    /// seeded `random_score` over `_seq_no`, so the cluster does the picking in one request.
    var searchBody: JSONValue {
        switch self {
        case .sample(let n, let seed, let query):
            return [
                "size": .int(Int64(n)),
                "query": ["function_score": [
                    "query": query ?? ["match_all": [:]],
                    "random_score": ["seed": .int(seed), "field": "_seq_no"],
                    "boost_mode": "replace",
                ]],
            ]
        case .ids(let ids):
            return ["size": .int(Int64(max(ids.count, 1))), "query": ["ids": ["values": .array(ids.map { .string($0) })]]]
        }
    }

    /// How the report describes it: "10 random documents (seed 42)".
    var summary: String {
        switch self {
        case .sample(_, let seed, let query):
            "random sample, seed \(seed)" + (query.map { ", of the documents matching \($0.compactText(limit: 120))" } ?? "")
        case .ids(let ids):
            "\(ids.count) id\(ids.count == 1 ? "" : "s")"
        }
    }
}

/// One document's preview.
public struct DocumentPreview: Sendable {
    public enum Outcome: Sendable {
        case changed
        case unchanged
        /// Dropped by the step with this label.
        case dropped(step: String)
        /// The chain failed: the message names the script path:line, the step and the id.
        case failed(String)
    }

    public struct StepSnapshot: Sendable {
        /// "1.0→2.0"
        public let step: String
        /// The document after this step, or nil when the step dropped it or failed.
        public let document: JSONValue?
        /// Changes this step made to the document it received.
        public let changes: [JSONChange]
        /// The error, when this step failed.
        public let error: String?
    }

    public let id: String
    public let index: String
    public let before: JSONValue
    /// The document the chain writes, when it keeps one.
    public let after: JSONValue?
    public let outcome: Outcome
    public let changes: [JSONChange]
    /// Filled when the preview was asked for per-step documents.
    public let steps: [StepSnapshot]
    /// What the target mapping says about `after` (notes included; see `MappingProblem.isProblem`).
    public let mapping: [MappingProblem]

    public var problems: [MappingProblem] { mapping.filter(\.isProblem) }
}

/// Totals of a preview, and whether the recipe looks safe to run.
public struct PreviewSummary: Sendable, Hashable {
    public var previewed = 0
    public var changed = 0
    public var unchanged = 0
    public var dropped = 0
    public var failed = 0
    /// Documents with at least one rejected or mis-mapped field.
    public var documentsWithMappingProblems = 0
    public var rejectedFields = 0
    public var misMappedFields = 0
    public var missingIDs: [String] = []

    public var mappingProblems: Int { rejectedFields + misMappedFields }
    /// No document failed and the target mapping takes every output as written.
    public var isSafe: Bool { failed == 0 && mappingProblems == 0 }

    public var json: JSONValue {
        [
            "previewed": .int(Int64(previewed)), "changed": .int(Int64(changed)), "unchanged": .int(Int64(unchanged)),
            "dropped": .int(Int64(dropped)), "failed": .int(Int64(failed)),
            "mapping_problems": .int(Int64(mappingProblems)), "rejected_fields": .int(Int64(rejectedFields)),
            "mis_mapped_fields": .int(Int64(misMappedFields)),
            "documents_with_mapping_problems": .int(Int64(documentsWithMappingProblems)),
            "missing_ids": .array(missingIDs.map { .string($0) }), "safe": .bool(isSafe),
        ]
    }
}

public struct PreviewReport: Sendable {
    public let recipe: String
    public let sourceIndex: String
    public let fromVersion: String
    public let toVersion: String
    /// "1.0 → 2.0 → 3.0"
    public let path: String
    public let documents: [DocumentPreview]
    public let summary: PreviewSummary
    /// Which documents these are, e.g. "random sample, seed 42".
    public var selection: String = ""
}

/// Reads documents from the live source index (one search request: nothing is written,
/// no alias, setting or document changes), runs them through the steps in a local sandbox
/// and compares each output with its `_source` and with the target version's mapping.
public struct Previewer {
    public let recipe: Recipe
    public let sourceIndex: String
    public let fromVersion: String
    public let toVersion: String
    public let showSteps: Bool
    public let runStartedAt: String

    public init(
        recipe: Recipe, sourceIndex: String, fromVersion: String, toVersion: String, showSteps: Bool = false,
        runStartedAt: String = StepRunner.now()
    ) {
        self.recipe = recipe
        self.sourceIndex = sourceIndex
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.showSteps = showSteps
        self.runStartedAt = runStartedAt
    }

    public func run(client: ClusterClient, selection: PreviewSelection) throws -> PreviewReport {
        let specs = try recipe.graph.path(from: fromVersion, to: toVersion)
        let checker = MappingChecker(indexBody: try recipe.indexBody(for: toVersion))
        let runner = try StepRunner(recipe: recipe, runStartedAt: runStartedAt)
        let chain = try runner.chain(specs)

        let page = try client.search(index: sourceIndex, body: selection.searchBody)
        var hits = page.hits
        var summary = PreviewSummary()
        if case .ids(let ids) = selection {
            let order = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            hits.sort { (order[$0.id] ?? .max) < (order[$1.id] ?? .max) }
            let found = Set(hits.map(\.id))
            summary.missingIDs = ids.filter { !found.contains($0) }
        }

        var documents: [DocumentPreview] = []
        for hit in hits {
            guard let source = page.source(of: hit) else {
                let preview = DocumentPreview(
                    id: hit.id, index: hit.index, before: .null, after: nil,
                    outcome: .failed("document \(hit.id) in \(hit.index) has no _source (disabled in the mapping?)"),
                    changes: [], steps: [], mapping: [])
                documents.append(preview)
                summary.add(preview)
                continue
            }
            let preview = self.preview(Array(source), hit: hit, runner: runner, chain: chain, checker: checker)
            documents.append(preview)
            summary.add(preview)
        }
        let path = specs.isEmpty ? fromVersion : ([specs[0].from] + specs.map(\.to)).joined(separator: " → ")
        return PreviewReport(
            recipe: recipe.name, sourceIndex: sourceIndex, fromVersion: fromVersion, toVersion: toVersion, path: path,
            documents: documents, summary: summary, selection: selection.summary)
    }

    func preview(_ source: [UInt8], hit: Hit, runner: StepRunner, chain: [LoadedStep], checker: MappingChecker) -> DocumentPreview {
        // Parsed for printing: big integers keep their digits (`--json` and text alike).
        let before = JSONValue.parseForOutput(source) ?? .null
        // The whole chain in one call is what `ferry run` does: its result is the truth.
        let outcome: DocumentPreview.Outcome
        var after: JSONValue?
        var afterJSON: [UInt8] = []
        do {
            switch try runner.run(source, id: hit.id, index: hit.index, steps: chain) {
            case .kept(let bytes):
                afterJSON = Array(bytes)
                after = JSONValue.parseForOutput(bytes)
                // By bytes against the source as the bridge writes it back: exact for every number.
                let canonical = try? runner.engine.roundTrip(json: source)
                outcome = canonical.map { $0 == afterJSON } ?? (after == before) ? .unchanged : .changed
            case .dropped(let i):
                outcome = .dropped(step: chain.indices.contains(i) ? chain[i].label : "?")
            }
        } catch {
            outcome = .failed(error.description + (error.hint.map { " (\($0))" } ?? ""))
        }
        let steps = showSteps ? snapshots(source, before: before, hit: hit, runner: runner, chain: chain) : []
        return DocumentPreview(
            id: hit.id, index: hit.index, before: before, after: after, outcome: outcome,
            changes: after == nil ? [] : JSONDiff.changes(fromJSON: source, toJSON: afterJSON) ?? JSONDiff.changes(from: before, to: after!),
            steps: steps,
            mapping: after.map { checker.check(json: afterJSON) ?? checker.check($0) } ?? [])
    }

    /// The document after each step, each step run on the previous step's output.
    private func snapshots(
        _ source: [UInt8], before: JSONValue, hit: Hit, runner: StepRunner, chain: [LoadedStep]
    ) -> [DocumentPreview.StepSnapshot] {
        var input = source
        var previous = before
        var out: [DocumentPreview.StepSnapshot] = []
        for step in chain {
            do {
                switch try runner.run(input, id: hit.id, index: hit.index, steps: [step]) {
                case .kept(let bytes):
                    let doc = JSONValue.parseForOutput(bytes) ?? .null
                    let changes = JSONDiff.changes(fromJSON: input, toJSON: bytes) ?? JSONDiff.changes(from: previous, to: doc)
                    out.append(.init(step: step.label, document: doc, changes: changes, error: nil))
                    input = bytes
                    previous = doc
                case .dropped:
                    out.append(.init(step: step.label, document: nil, changes: [], error: nil))
                    return out
                }
            } catch {
                out.append(.init(step: step.label, document: nil, changes: [], error: error.description))
                return out
            }
        }
        return out
    }
}

extension PreviewSummary {
    mutating func add(_ preview: DocumentPreview) {
        previewed += 1
        switch preview.outcome {
        case .changed: changed += 1
        case .unchanged: unchanged += 1
        case .dropped: dropped += 1
        case .failed: failed += 1
        }
        let problems = preview.problems
        if !problems.isEmpty { documentsWithMappingProblems += 1 }
        rejectedFields += problems.filter { $0.severity == .rejected }.count
        misMappedFields += problems.filter { $0.severity == .misMapped }.count
    }
}
