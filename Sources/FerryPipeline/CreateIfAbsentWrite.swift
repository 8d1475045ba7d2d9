/// `create` into the target: written where the target has no such document, and a document the
/// target already has (written there since) wins. For `ferry deadletters --retry`: a dead
/// letter has no copy in the run's target (the failure removed it), so a source-versioned
/// write could lose to the tombstone that removal left; create cannot.
import FerryCluster
import FerryCore

public struct CreateIfAbsentWrite: WritePolicy {
    public init() {}

    public var summary: String { "create (a document already in the target wins)" }
    public var conflictIsSettled: Bool { true }

    public func append(_ bytes: UnsafeRawBufferPointer, for hit: Hit, job: CopyJob, to builder: inout BulkRequestBuilder) {
        builder.create(into: job.targetIndex, id: hit.id, source: bytes)
    }

    /// A document that fails or is dropped again is left alone: anything in the target under
    /// its id was written there since, and is newer.
    public func removal(_ removal: Removal, job: CopyJob) -> (index: String, options: BulkItemOptions)? { nil }
}
