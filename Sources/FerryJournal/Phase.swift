/// Where a run stands. Recorded in the journal at each transition, so a killed run resumes at
/// its phase; every phase's work is idempotent, so redoing the interrupted one is safe.
public enum Phase: String, Sendable, CaseIterable, Comparable {
    case validating = "VALIDATING"
    case targetCreated = "TARGET_CREATED"
    case copying = "COPYING"
    case copied = "COPIED"
    case catchingUp = "CATCHING_UP"
    case frozen = "FROZEN"
    case verified = "VERIFIED"
    case switched = "SWITCHED"
    case completed = "COMPLETED"
    /// Stopped before the switch and cleaned up by `ferry rollback`: nothing of it remains.
    case abandoned = "ABANDONED"
    /// Switched, then switched back by `ferry rollback`.
    case rolledBack = "ROLLED_BACK"

    /// A run in one of these phases is over: a new `ferry run` starts a new run.
    public var isFinal: Bool {
        switch self {
        case .completed, .abandoned, .rolledBack: return true
        default: return false
        }
    }

    var order: Int { Phase.allCases.firstIndex(of: self)! }

    public static func < (a: Phase, b: Phase) -> Bool { a.order < b.order }
}
