import FerryCore

/// A run as the journal holds it.
public struct RunRecord: Sendable {
    public let runID: String
    public let recipe: String
    public let readAlias: String
    /// The recipe's fingerprint when the run started; a different one is not resumed silently.
    public let fingerprint: String
    public let plan: PlanRecord
    public var phase: Phase
    public let sliceCount: Int
    public let startedAt: String
    public var updatedAt: String = ""
    public var freezeMilliseconds: Int? = nil
}

/// The parts of a `MigrationPlan` that a resumed run must reuse exactly.
public struct PlanRecord: Sendable, Equatable {
    public let sourceIndex: String
    public let sourceVersion: String
    public let evidence: String
    public let sourceIsConcrete: Bool
    public let writeAliasIndices: [String]
    public let targetVersion: String
    public let targetIndex: String
    public let preservedIndex: String?
    public let steps: [String]
    public let mode: String

    init(_ plan: MigrationPlan) {
        sourceIndex = plan.source.index
        sourceVersion = plan.source.version
        evidence = plan.source.evidence.rawValue
        sourceIsConcrete = plan.source.isConcreteIndex
        writeAliasIndices = plan.source.writeAliasIndices
        targetVersion = plan.targetVersion
        targetIndex = plan.targetIndex
        preservedIndex = plan.preservedIndex
        steps = plan.steps.map(\.label)
        mode = plan.mode.rawValue
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "source_index": .string(sourceIndex), "source_version": .string(sourceVersion),
            "evidence": .string(evidence), "source_is_concrete": .bool(sourceIsConcrete),
            "write_alias_indices": .array(writeAliasIndices.map { .string($0) }),
            "target_version": .string(targetVersion), "target_index": .string(targetIndex),
            "steps": .array(steps.map { .string($0) }), "mode": .string(mode),
        ]
        if let preservedIndex { object["preserved_index"] = .string(preservedIndex) }
        return .object(object)
    }

    init(json: JSONValue) throws {
        func string(_ key: String) throws -> String {
            guard let s = json[key]?.stringValue else { throw FerryError("journal: plan has no \(key)") }
            return s
        }
        sourceIndex = try string("source_index")
        sourceVersion = try string("source_version")
        evidence = try string("evidence")
        sourceIsConcrete = json["source_is_concrete"]?.boolValue ?? false
        writeAliasIndices = json["write_alias_indices"]?.arrayValue?.compactMap(\.stringValue) ?? []
        targetVersion = try string("target_version")
        targetIndex = try string("target_index")
        preservedIndex = json["preserved_index"]?.stringValue
        steps = json["steps"]?.arrayValue?.compactMap(\.stringValue) ?? []
        mode = json["mode"]?.stringValue ?? "blue-green"
    }
}

/// What one slice of the copy did, committed when all its documents are acknowledged.
public struct SliceResult: Sendable {
    public let slice: Int
    public var read = 0
    public var written = 0
    public var dropped = 0
    public var failures: [DocumentFailure] = []
    /// Documents a step dropped, with the source version it saw: a catch-up pass does not
    /// copy them again unless the source has changed since.
    public var droppedDocuments: [SkippedDocument] = []

    public init(slice: Int) {
        self.slice = slice
    }

    /// Dropped documents and dead letters, for the journal's skipped table.
    var skippedDocuments: [SkippedDocument] {
        droppedDocuments + failures.map { SkippedDocument(id: $0.id, version: $0.sourceVersion, reason: "dead letter: \($0.errorType)") }
    }
}

public struct SliceTotals: Sendable, Equatable {
    public let slices: Int
    public let done: Int
    public let read: Int
    public let written: Int
    public let dropped: Int
    public let failed: Int
}

/// A document that failed its step or was rejected by the cluster, kept for fix-and-replay.
public struct DeadLetter: Sendable {
    public let id: String
    public let stage: String
    public let location: String
    public let errorType: String
    public let status: Int?
    public let message: String
    /// The original `_source` bytes.
    public let source: [UInt8]?
    public let recordedAt: String
}

/// A source document the target is meant not to have (dropped by a step, or a dead letter),
/// at the version the run saw.
public struct SkippedDocument: Sendable, Hashable {
    public let id: String
    public let version: Int64?
    public let reason: String
}
