/// What a slice of a copy pass did, and the documents it skipped: handed to the journal.
import FerryCore

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
    public var skippedDocuments: [SkippedDocument] {
        droppedDocuments + failures.map { SkippedDocument(id: $0.id, version: $0.sourceVersion, reason: "dead letter: \($0.errorType)") }
    }
}

/// A source document the target is meant not to have (dropped by a step, or a dead letter),
/// at the version the run saw.
public struct SkippedDocument: Sendable, Hashable {
    public let id: String
    public let version: Int64?
    public let reason: String

    public init(id: String, version: Int64?, reason: String) {
        self.id = id
        self.version = version
        self.reason = reason
    }
}
