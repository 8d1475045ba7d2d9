/// How a copy pass writes a transformed document: the one thing a mode decides about a pass
/// besides which documents it selects. The pipeline asks the policy; it never asks the mode.
import FerryCluster
import FerryCore

public protocol WritePolicy: Sendable {
    /// For the run report: what the pass wrote with.
    var summary: String { get }
    /// Read `_seq_no`/`_primary_term` with each hit (conditional writes need them).
    var readsSequenceNumbers: Bool { get }
    /// A document whose transform failed: remove the target's copy from an earlier pass
    /// (it is no longer T(source)).
    var removesTargetCopyOnFailure: Bool { get }
    /// Appends the bulk item that writes `bytes` (the transformed `hit`).
    func append(_ bytes: UnsafeRawBufferPointer, for hit: Hit, job: CopyJob, to builder: inout BulkRequestBuilder)
    /// Whether a 409 on an item means another write already holds what this one would write
    /// (counted as a version conflict, not a failure).
    var conflictIsSettled: Bool { get }
    /// Where a dropped or failed document is removed, and with which conditions (nil: skip it).
    func removal(_ removal: Removal, job: CopyJob) -> (index: String, options: BulkItemOptions)?
    /// After a bulk request: what else the policy does with the items that were created or
    /// lost a conflict (write-new-first deletes them from the old index).
    func settle(_ request: BulkRequestBuilder, refused: Set<Int>, conflicted: [String], job: CopyJob, client: ClusterClient) throws
    /// The `dest` options of a `_reindex` that writes exactly as this policy does, for a copy
    /// the cluster can make by itself (nothing to transform); nil when it cannot.
    var reindexDest: JSONValue? { get }
}

extension WritePolicy {
    public var readsSequenceNumbers: Bool { false }
    public var removesTargetCopyOnFailure: Bool { false }
    public var reindexDest: JSONValue? { nil }
    public func settle(_ request: BulkRequestBuilder, refused: Set<Int>, conflicted: [String], job: CopyJob, client: ClusterClient) throws {}
}

/// `index` into a new index, with the source's `_version` (`version_type=external_gte`) so a
/// resent or stale copy never overwrites a newer one. Blue-green. Unversioned only for the
/// frozen pass's rewrite of documents re-created at a lower version (the source is static then).
public struct VersionedIndexWrite: WritePolicy {
    public var versioned = true

    public init(versioned: Bool = true) { self.versioned = versioned }

    public var summary: String { versioned ? "index with the source _version" : "index (unversioned overwrite)" }
    public var removesTargetCopyOnFailure: Bool { true }
    public var conflictIsSettled: Bool { versioned }
    /// `external` rather than `external_gte`: a document already there at the source's version
    /// is the same document (no step ran), so the cluster may count it as a conflict.
    public var reindexDest: JSONValue? { versioned ? ["version_type": "external"] : nil }

    public func append(_ bytes: UnsafeRawBufferPointer, for hit: Hit, job: CopyJob, to builder: inout BulkRequestBuilder) {
        var options = BulkItemOptions()
        if versioned, let version = hit.version {
            options.version = version
            options.versionType = "external_gte"
        }
        builder.index(into: job.targetIndex, id: hit.id, source: bytes, options: options)
    }

    public func removal(_ removal: Removal, job: CopyJob) -> (index: String, options: BulkItemOptions)? {
        (job.targetIndex, BulkItemOptions())
    }
}

/// `index` back into the source, only if the document is unchanged since it was read
/// (`if_seq_no`/`if_primary_term`); a conflict is left for the next pass. In-place.
public struct ConditionalUpdateWrite: WritePolicy {
    public init() {}

    public var summary: String { "conditional update (if_seq_no)" }
    public var readsSequenceNumbers: Bool { true }
    public var conflictIsSettled: Bool { true }

    public func append(_ bytes: UnsafeRawBufferPointer, for hit: Hit, job: CopyJob, to builder: inout BulkRequestBuilder) {
        // Without them the write would be unconditional: the cluster always returns them
        // with `seq_no_primary_term`, so a missing one is a bug, not a case to handle.
        precondition(hit.seqNo != nil && hit.primaryTerm != nil, "in-place read without seq_no/primary_term")
        var options = BulkItemOptions()
        options.ifSeqNo = hit.seqNo
        options.ifPrimaryTerm = hit.primaryTerm
        builder.index(into: job.sourceIndex, id: hit.id, source: bytes, options: options)
    }

    public func removal(_ removal: Removal, job: CopyJob) -> (index: String, options: BulkItemOptions)? {
        guard let seqNo = removal.seqNo, let term = removal.primaryTerm else { return nil }
        var options = BulkItemOptions()
        options.ifSeqNo = seqNo
        options.ifPrimaryTerm = term
        return (job.sourceIndex, options)
    }
}
