/// A family run and its members as the journal holds them (see Journal+Family.swift).
import FerryCore

/// Where a family run stands. TEMPLATE: the old template is being journaled and the target
/// version's template put; MEMBERS: members are being migrated, oldest first (a run stopped
/// by a failure, `--max-members` or a signal stays here and the same command continues it);
/// COMPLETED: every member is done or skipped; ROLLED_BACK: `ferry rollback` undid it.
public enum FamilyPhase: String, Sendable, CaseIterable {
    case template = "TEMPLATE"
    case members = "MEMBERS"
    case completed = "COMPLETED"
    case rolledBack = "ROLLED_BACK"

    public var isFinal: Bool { self == .completed || self == .rolledBack }
}

/// What became of one member in a family run.
public enum MemberState: String, Sendable, CaseIterable {
    /// Not started yet.
    case pending = "pending"
    /// Its unit run (`FamilyMemberRecord.runID`, a row in `runs`) has started and not finished.
    case running = "running"
    /// Switched: the family aliases point to `targetIndex` instead of `member`.
    case done = "done"
    /// Already at the target version (`note` says how ferry knows): nothing to do.
    case skipped = "skipped"
    /// Its unit run stopped with an error (`note`); the aliases still point to `member`.
    /// The next `ferry run` resumes the unit where it stopped.
    case failed = "failed"
    /// `ferry rollback` switched it back to `member`.
    case rolledBack = "rolled_back"
}

/// One `ferry run` of a family recipe, across every invocation that continues it.
public struct FamilyRunRecord: Sendable {
    /// Also the lease holder's run id and the `events.run_id` of family-level events.
    public let familyRunID: String
    public let recipe: String
    public let readAlias: String
    public let writeAlias: String
    /// The recipe's fingerprint when the run started; a changed recipe is not resumed silently.
    public let fingerprint: String
    public let targetVersion: String
    /// The template's name (`family.template`) and kind: "composable" or "legacy".
    public let template: String
    public let templateKind: String
    /// The template as it was before the run put the target version's, whole (the body a PUT
    /// restores): nil while `oldTemplateRecorded` is false, or when there was no template.
    public var oldTemplate: JSONValue?
    /// True once the old template was read and journaled (then nil `oldTemplate` = none).
    public var oldTemplateRecorded: Bool
    public var phase: FamilyPhase
    public let startedAt: String
    public var updatedAt: String

    public init(
        familyRunID: String, recipe: String, readAlias: String, writeAlias: String, fingerprint: String,
        targetVersion: String, template: String, templateKind: String, oldTemplate: JSONValue? = nil,
        oldTemplateRecorded: Bool = false, phase: FamilyPhase = .template, startedAt: String, updatedAt: String = ""
    ) {
        self.familyRunID = familyRunID
        self.recipe = recipe
        self.readAlias = readAlias
        self.writeAlias = writeAlias
        self.fingerprint = fingerprint
        self.targetVersion = targetVersion
        self.template = template
        self.templateKind = templateKind
        self.oldTemplate = oldTemplate
        self.oldTemplateRecorded = oldTemplateRecorded
        self.phase = phase
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }
}

/// One member of a family run.
public struct FamilyMemberRecord: Sendable, Equatable {
    public let familyRunID: String
    /// Oldest first: 0 is the oldest member.
    public let position: Int
    /// The member index the family aliases pointed to when the run found it.
    public let member: String
    public var state: MemberState
    /// The member's unit run (a row in `runs`, its `plan.family_run` = `familyRunID`), once started.
    public var runID: String?
    /// The member's new index, once planned.
    public var targetIndex: String?
    /// Whether the member held the write alias (it moves with the member's switch).
    public var holdsWriteAlias: Bool
    /// Why it was skipped or failed, for status.
    public var note: String?
    public var startedAt: String?
    public var finishedAt: String?
    /// Documents in the new index after the switch.
    public var documents: Int?
    /// How long writes to the member were blocked for its switch.
    public var freezeMilliseconds: Int?

    public init(
        familyRunID: String, position: Int, member: String, state: MemberState = .pending, runID: String? = nil,
        targetIndex: String? = nil, holdsWriteAlias: Bool = false, note: String? = nil, startedAt: String? = nil,
        finishedAt: String? = nil, documents: Int? = nil, freezeMilliseconds: Int? = nil
    ) {
        self.familyRunID = familyRunID
        self.position = position
        self.member = member
        self.state = state
        self.runID = runID
        self.targetIndex = targetIndex
        self.holdsWriteAlias = holdsWriteAlias
        self.note = note
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.documents = documents
        self.freezeMilliseconds = freezeMilliseconds
    }
}
