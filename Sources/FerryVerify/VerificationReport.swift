import FerryCore
import FerryJournal
import FerryPipeline

/// The four things `ferry verify` checks, in the order they are reported.
public enum VerifyCheck: String, Sendable, CaseIterable {
    /// source − dropped − dead letters = target.
    case counts
    /// Every (or a sample of) target document equals T(source document).
    case documents
    /// The target's live field mapping equals the recipe's for the target version.
    case mapping
    /// The recipe's canary queries answer the same on the old and the new index.
    case canaries
}

public struct CheckResult: Sendable {
    public enum Status: String, Sendable {
        case passed
        case failed
        /// Not run (not asked for, or nothing to check): never fails verification.
        case skipped
    }

    public let check: VerifyCheck
    public let status: Status
    /// One line for the operator.
    public let summary: String
}

/// One way the target is not what the run should have made of the source.
public struct Difference: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        /// T(source) keeps the document; the target does not have it.
        case missing
        /// The target has a document the source does not, or one T drops, or a dead letter.
        case unexpected
        /// The target document is not T(source document).
        case differs
        /// T fails on the source document now and the run did not record it as a dead letter.
        case transformFailed = "transform_failed"
        /// The target holds another number of documents than source − dropped − dead letters.
        case count
        /// A top-level field of the target's live mapping is not the recipe's.
        case mapping
        /// A canary query answers differently on the old and the new index.
        case canary
    }

    public let kind: Kind
    /// The document id (missing, unexpected, differs, transform_failed), the mapping field or
    /// the canary name.
    public let subject: String
    /// The first JSON path where a document differs, e.g. `metadata.word_count` or `tags[2]`.
    public let path: String?
    public let detail: String

    public init(_ kind: Kind, _ subject: String, path: String? = nil, _ detail: String) {
        self.kind = kind
        self.subject = subject
        self.path = path
        self.detail = detail
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "kind": .string(kind.rawValue), "subject": .string(subject), "detail": .string(detail),
        ]
        if let path { object["path"] = .string(path) }
        return .object(object)
    }
}

/// Differences as found: the first `limit` kept for the report, every one counted, so a
/// target with millions of bad documents costs no more memory than one with a hundred.
struct DifferenceLog: Sendable {
    let limit: Int
    private(set) var listed: [Difference] = []
    private(set) var totals: [Difference.Kind: Int] = [:]

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    mutating func add(_ difference: Difference) {
        totals[difference.kind, default: 0] += 1
        if listed.count < limit { listed.append(difference) }
    }

    func count(_ kinds: Difference.Kind...) -> Int {
        kinds.reduce(0) { $0 + (totals[$1] ?? 0) }
    }
}

/// The count check's figures.
public struct CountFigures: Sendable, Hashable {
    public let source: Int
    /// nil when unknown (a sample without a journaled run).
    public let dropped: Int?
    public let deadLetters: Int
    public let target: Int

    public init(source: Int, dropped: Int?, deadLetters: Int, target: Int) {
        self.source = source
        self.dropped = dropped
        self.deadLetters = deadLetters
        self.target = target
    }

    public var expected: Int? { dropped.map { source - $0 - deadLetters } }
}

/// What one canary answered on each side.
public struct CanaryResult: Sendable {
    public let canary: String
    public let compare: String
    public let expectDiffer: Bool
    /// The answers match, once the documents the run left out on purpose are accounted for.
    public let agrees: Bool
    /// Matches in the old index, without the documents the run left out on purpose (dead
    /// letters, documents a step drops) where their ids are known.
    public let sourceCount: Int?
    public let targetCount: Int?
    /// Ids the old index matches and the new one does not (compare = "ids"; the first few).
    public let onlyInSource: [String]
    /// Ids the new index matches and the old one does not.
    public let onlyInTarget: [String]
    /// Why the answers cannot be compared (a query the cluster rejected, too many matches).
    public let problem: String?
    /// How documents the run left out were accounted for.
    public let note: String?

    /// A canary expected to differ never fails verification.
    public var passes: Bool { agrees || expectDiffer }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(canary), "compare": .string(compare), "expect": .string(expectDiffer ? "differ" : "same"),
            "agrees": .bool(agrees), "source": sourceCount.map { .int(Int64($0)) } ?? .null,
            "target": targetCount.map { .int(Int64($0)) } ?? .null,
        ]
        if !onlyInSource.isEmpty { object["only_in_source"] = .array(onlyInSource.map { .string($0) }) }
        if !onlyInTarget.isEmpty { object["only_in_target"] = .array(onlyInTarget.map { .string($0) }) }
        if let problem { object["problem"] = .string(problem) }
        if let note { object["note"] = .string(note) }
        return .object(object)
    }
}

/// The outcome of `Verifier.verify`: pass/fail per check, the differences found (the first
/// `VerifyOptions.differenceLimit`, with totals per kind) and the figures behind them.
public struct VerificationReport: Sendable {
    public let recipe: String
    public let subject: VerificationSubject
    /// nil for a full verification.
    public let sample: Int?
    /// The `random_score` seed of a sample, to repeat it with `--seed`.
    public let seed: Int?
    public let checks: [CheckResult]
    public let differences: [Difference]
    public let differenceTotals: [Difference.Kind: Int]
    public let counts: CountFigures?
    public let canaries: [CanaryResult]
    /// Source documents whose T(source) was compared with the target.
    public let documentsChecked: Int
    /// Things that may explain differences (e.g. the recipe changed since the run).
    public let warnings: [String]
    public let seconds: Double

    /// True when no check failed: what `ferry run` needs before it switches.
    public var passed: Bool { !checks.contains { $0.status == .failed } }

    public var totalDifferences: Int { differenceTotals.values.reduce(0, +) }

    public func result(_ check: VerifyCheck) -> CheckResult? {
        checks.first { $0.check == check }
    }

    /// "3 differences (1 missing, 1 unexpected, 1 differs)".
    public var differenceSummary: String {
        let parts = Difference.Kind.allCases.compactMap { kind in
            differenceTotals[kind].map { "\($0) \(kind.rawValue.replacingOccurrences(of: "_", with: " "))" }
        }
        let n = totalDifferences
        return "\(n) difference\(n == 1 ? "" : "s")" + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "recipe": .string(recipe), "passed": .bool(passed),
            "source": ["index": .string(subject.sourceIndex), "version": .string(subject.sourceVersion)],
            "target": ["index": .string(subject.targetIndex), "version": .string(subject.targetVersion)],
            "run_started_at": .string(subject.runStartedAt),
            "mode": .string(sample == nil ? "full" : "sample"),
            "checks": .array(checks.map {
                ["check": .string($0.check.rawValue), "status": .string($0.status.rawValue), "summary": .string($0.summary)]
            }),
            "documents_checked": .int(Int64(documentsChecked)),
            "differences": .array(differences.map(\.json)),
            "differences_total": .int(Int64(totalDifferences)),
            "difference_totals": .object(Dictionary(uniqueKeysWithValues: differenceTotals.map { ($0.key.rawValue, JSONValue.int(Int64($0.value))) })),
            "canaries": .array(canaries.map(\.json)),
            "warnings": .array(warnings.map { .string($0) }),
            "seconds": .double((seconds * 1000).rounded() / 1000),
        ]
        if let runID = subject.runID { object["run_id"] = .string(runID) }
        if let sample { object["sample"] = .int(Int64(sample)) }
        if let seed { object["seed"] = .int(Int64(seed)) }
        if let counts {
            object["counts"] = [
                "source": .int(Int64(counts.source)), "dropped": counts.dropped.map { .int(Int64($0)) } ?? .null,
                "dead_letters": .int(Int64(counts.deadLetters)), "target": .int(Int64(counts.target)),
                "expected": counts.expected.map { .int(Int64($0)) } ?? .null,
            ]
        }
        return .object(object)
    }
}
