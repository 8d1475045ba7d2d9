/// What `ferry status <family recipe>` shows, as a value: the template, one row per member
/// (old index → new index, state, documents, time, freeze) and the ETA for the rest. Built
/// from the journal and the cluster by `Operations.familyStatus()`; rendered by `lines`.
import Foundation
import FerryCore

/// One member of an index family, as the journal and the cluster say it stands.
public struct FamilyMemberStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Switched: the family aliases name the new index.
        case done
        /// Being migrated: the phase it is in and its copy progress (documents written of
        /// the documents the old index held when the copy started).
        case current(phase: String, written: Int, of: Int)
        /// Not started yet in this family run.
        case pending
        /// Left alone: already at the target version (e.g. created from the new template).
        case skipped(String)
        /// Switched, then switched back by `ferry rollback`.
        case rolledBack
        /// Its rollback run (the writes since its switch going back) is not finished: the phase.
        case rollingBack(phase: String)
        /// Stopped on an error (e.g. its verification failed): not switched.
        case failed(String)

        /// Started and not finished: in progress, or stopped on an error.
        public var isOpen: Bool {
            switch self {
            case .current, .failed, .rollingBack: return true
            default: return false
            }
        }
    }

    public let member: String
    public let oldIndex: String
    /// The index ferry made for it (nil while pending or skipped).
    public let newIndex: String?
    public var state: State
    /// Documents of the member: the old index's count when known (pending), else the
    /// documents written to the new one.
    public var documents: Int?
    /// Seconds spent on it so far (start of its unit to its switch, or to now).
    public var seconds: Double?
    /// How long writes to it were blocked at its switch.
    public var freezeMilliseconds: Int?

    public init(
        member: String, oldIndex: String, newIndex: String?, state: State, documents: Int? = nil, seconds: Double? = nil,
        freezeMilliseconds: Int? = nil
    ) {
        self.member = member
        self.oldIndex = oldIndex
        self.newIndex = newIndex
        self.state = state
        self.documents = documents
        self.seconds = seconds
        self.freezeMilliseconds = freezeMilliseconds
    }
}

/// The family's index template: the version the cluster has now, and what rollback restores.
public struct FamilyTemplateStatus: Sendable, Equatable {
    public let name: String
    /// `_meta.ferry.version` of the template in the cluster; nil when it has none (not
    /// ferry's) and `exists` tells whether there is one at all.
    public var version: String?
    public var exists: Bool
    /// What the family run journaled before replacing it: the version it had, or "none"
    /// when there was no template (rollback then deletes it); nil without a family run.
    public var journaledBefore: String?

    public init(name: String, version: String?, exists: Bool, journaledBefore: String?) {
        self.name = name
        self.version = version
        self.exists = exists
        self.journaledBefore = journaledBefore
    }
}

public struct FamilyStatus: Sendable, Equatable {
    public let recipe: String
    public let pattern: String
    public var template: FamilyTemplateStatus
    /// The family run shown (the unfinished one, else the latest), its phase and version.
    public var runID: String?
    public var runPhase: String?
    public var targetVersion: String?
    /// Who runs it now (the lease holder), when someone does.
    public var leaseHolder: String?
    /// Oldest first.
    public var members: [FamilyMemberStatus]
    public var nextCommand: String

    public init(
        recipe: String, pattern: String, template: FamilyTemplateStatus, runID: String? = nil, runPhase: String? = nil,
        targetVersion: String? = nil, leaseHolder: String? = nil, members: [FamilyMemberStatus], nextCommand: String
    ) {
        self.recipe = recipe
        self.pattern = pattern
        self.template = template
        self.runID = runID
        self.runPhase = runPhase
        self.targetVersion = targetVersion
        self.leaseHolder = leaseHolder
        self.members = members
        self.nextCommand = nextCommand
    }

    /// The rate so far and what is left: documents written by done members and the current
    /// one, over the seconds spent on them; documents left are the pending members' and the
    /// rest of the current one's.
    public struct Estimate: Sendable, Equatable {
        public let documentsLeft: Int
        /// nil until some documents were written (no rate yet).
        public let documentsPerSecond: Double?
        /// nil without a rate, or when a pending member's size is unknown.
        public let secondsLeft: Double?
    }

    public var estimate: Estimate {
        var (written, seconds, left, unknown) = (0, 0.0, 0, false)
        for m in members {
            switch m.state {
            case .done:
                written += m.documents ?? 0
                seconds += m.seconds ?? 0
            case .current(_, let w, let of):
                written += w
                seconds += m.seconds ?? 0
                left += max(0, of - w)
            case .pending:
                if let d = m.documents { left += d } else { unknown = true }
            case .skipped, .rolledBack, .rollingBack, .failed:
                break
            }
        }
        let rate = written > 0 && seconds > 0 ? Double(written) / seconds : nil
        let eta = left == 0 ? 0 : unknown ? nil : rate.map { Double(left) / $0 }
        return Estimate(documentsLeft: left, documentsPerSecond: rate, secondsLeft: eta)
    }
}

extension FamilyStatus {
    /// `ferry status --json` for a family.
    public var json: JSONValue {
        let members: [JSONValue] = members.map { m in
            var state: [String: JSONValue] = ["state": .string(Self.stateText(m.state))]
            if case .current(let phase, let written, let of) = m.state {
                state["phase"] = .string(phase)
                state["written"] = .int(Int64(written))
                state["of"] = .int(Int64(of))
            }
            state["member"] = .string(m.member)
            state["old_index"] = .string(m.oldIndex)
            state["new_index"] = m.newIndex.map { .string($0) } ?? .null
            state["documents"] = m.documents.map { .int(Int64($0)) } ?? .null
            state["seconds"] = m.seconds.map { .double($0) } ?? .null
            state["freeze_ms"] = m.freezeMilliseconds.map { .int(Int64($0)) } ?? .null
            return .object(state)
        }
        let e = estimate
        return [
            "recipe": .string(recipe), "pattern": .string(pattern),
            "template": ["name": .string(template.name), "exists": .bool(template.exists), "version": template.version.map { .string($0) } ?? .null,
                         "journaled_before": template.journaledBefore.map { .string($0) } ?? .null],
            "family_run": runID.map { .string($0) } ?? .null, "phase": runPhase.map { .string($0) } ?? .null,
            "target_version": targetVersion.map { .string($0) } ?? .null, "lease_holder": leaseHolder.map { .string($0) } ?? .null,
            "members": .array(members),
            "documents_left": .int(Int64(e.documentsLeft)),
            "docs_per_second": e.documentsPerSecond.map { .double($0) } ?? .null,
            "eta_seconds": e.secondsLeft.map { .double($0) } ?? .null,
            "next": .string(nextCommand),
        ]
    }
}
