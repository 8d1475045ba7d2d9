import FerryCore

/// What the cluster would do with one field of a transformed document.
public struct MappingProblem: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable, Comparable {
        /// The cluster refuses the whole document (a mapping exception in the bulk response).
        case rejected
        /// The cluster accepts the document but does not index the value as written: an
        /// unmapped field under `dynamic: false`, a fraction truncated by an integer field,
        /// a malformed value dropped by `ignore_malformed`.
        case misMapped = "mis-mapped"
        /// Worth knowing, not a problem: a new field the cluster will map dynamically.
        case note

        private var rank: Int {
            switch self {
            case .rejected: 0
            case .misMapped: 1
            case .note: 2
            }
        }

        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public let severity: Severity
    public let path: JSONPath
    public let message: String

    public init(_ severity: Severity, _ path: JSONPath, _ message: String) {
        self.severity = severity
        self.path = path
        self.message = message
    }

    /// Rejections and silent mis-mappings; notes are not problems.
    public var isProblem: Bool { severity != .note }

    public var description: String { "\(path): \(message) [\(severity.rawValue)]" }

    public var json: JSONValue {
        ["severity": .string(severity.rawValue), "path": .string(path.description), "message": .string(message)]
    }
}
