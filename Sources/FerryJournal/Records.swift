/// A run as the journal holds it: the run, its plan, what was skipped and what failed.
import FerryCore
import FerryPipeline

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

    public init(
        runID: String, recipe: String, readAlias: String, fingerprint: String, plan: PlanRecord, phase: Phase,
        sliceCount: Int, startedAt: String, updatedAt: String = "", freezeMilliseconds: Int? = nil
    ) {
        self.runID = runID
        self.recipe = recipe
        self.readAlias = readAlias
        self.fingerprint = fingerprint
        self.plan = plan
        self.phase = phase
        self.sliceCount = sliceCount
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.freezeMilliseconds = freezeMilliseconds
    }
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
    /// Set on a rollback run: the run whose switch it undoes (its new index is this plan's
    /// source, its rollback point this plan's target, its steps the reverse path).
    public var rollbackOf: String? = nil
    /// Set on a family member's unit run: the family run it belongs to (Journal+Family.swift).
    /// The unit's aliases are the family's, but only this member moves in its switch.
    public var familyRun: String? = nil

    public init(
        sourceIndex: String, sourceVersion: String, evidence: String, sourceIsConcrete: Bool, writeAliasIndices: [String],
        targetVersion: String, targetIndex: String, preservedIndex: String?, steps: [String], mode: String
    ) {
        self.sourceIndex = sourceIndex
        self.sourceVersion = sourceVersion
        self.evidence = evidence
        self.sourceIsConcrete = sourceIsConcrete
        self.writeAliasIndices = writeAliasIndices
        self.targetVersion = targetVersion
        self.targetIndex = targetIndex
        self.preservedIndex = preservedIndex
        self.steps = steps
        self.mode = mode
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "source_index": .string(sourceIndex), "source_version": .string(sourceVersion),
            "evidence": .string(evidence), "source_is_concrete": .bool(sourceIsConcrete),
            "write_alias_indices": .array(writeAliasIndices.map { .string($0) }),
            "target_version": .string(targetVersion), "target_index": .string(targetIndex),
            "steps": .array(steps.map { .string($0) }), "mode": .string(mode),
        ]
        if let preservedIndex { object["preserved_index"] = .string(preservedIndex) }
        if let rollbackOf { object["rollback_of"] = .string(rollbackOf) }
        if let familyRun { object["family_run"] = .string(familyRun) }
        return .object(object)
    }

    public init(json: JSONValue) throws {
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
        rollbackOf = json["rollback_of"]?.stringValue
        familyRun = json["family_run"]?.stringValue
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
