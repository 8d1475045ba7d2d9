/// The ledger: when a slice counts as copied (read to its end and every batch acknowledged),
/// the failure limit, abandoned slices and the first error.
import Testing
@testable import FerryPipeline

@Suite("pipeline ledger")
struct PipelineLedgerTests {
    func failure(_ id: String) -> DocumentFailure {
        DocumentFailure(id: id, stage: .transform, location: "1.0→2.0", errorType: "runtime", message: "bad", status: nil)
    }

    @Test("a slice completes only when it is read to the end and every batch made from it is written")
    func completion() {
        let ledger = PipelineLedger(maxFailures: 0)
        ledger.pageRead(slice: 0, hits: 10)
        #expect(ledger.pageTransformed(slice: 0, batches: 2, transformed: 10, dropped: [], failures: []))
        #expect(ledger.batchWritten(slice: 0, written: 5, versionConflicts: 0, bytes: 100, failures: []))
        ledger.sliceRead(0)
        #expect(ledger.takeCompleted().isEmpty, "one batch is still unacknowledged")
        #expect(ledger.batchWritten(slice: 0, written: 4, versionConflicts: 1, bytes: 100, failures: []))
        let done = ledger.takeCompleted()
        #expect(done.map(\.slice) == [0])
        #expect(done.first?.read == 10 && done.first?.written == 10, "version conflicts count as written: the target holds the document")
        #expect(ledger.takeCompleted().isEmpty, "a completed slice is handed over once")
        #expect(ledger.counts.written == 9 && ledger.counts.versionConflicts == 1 && ledger.counts.bytesWritten == 200)
    }

    @Test("slices complete in the order their work ends, not the order they were read")
    func ordering() {
        let ledger = PipelineLedger(maxFailures: 0)
        for slice in [0, 1] {
            ledger.pageRead(slice: slice, hits: 1)
            _ = ledger.pageTransformed(slice: slice, batches: 1, transformed: 1, dropped: [], failures: [])
            ledger.sliceRead(slice)
        }
        _ = ledger.batchWritten(slice: 1, written: 1, versionConflicts: 0, bytes: 1, failures: [])
        #expect(ledger.takeCompleted().map(\.slice) == [1])
        _ = ledger.batchWritten(slice: 0, written: 1, versionConflicts: 0, bytes: 1, failures: [])
        #expect(ledger.takeCompleted().map(\.slice) == [0])
    }

    @Test("a page whose documents were all dropped completes its slice without a write, with the drops recorded")
    func allDropped() {
        let ledger = PipelineLedger(maxFailures: 0)
        ledger.pageRead(slice: 3, hits: 2)
        let dropped = [SkippedDocument(id: "a", version: 1, reason: "dropped"), SkippedDocument(id: "b", version: 4, reason: "dropped")]
        #expect(ledger.pageTransformed(slice: 3, batches: 0, transformed: 0, dropped: dropped, failures: []))
        ledger.sliceRead(3)
        let done = ledger.takeCompleted()
        #expect(done.first?.dropped == 2 && done.first?.droppedDocuments == dropped)
    }

    @Test("past --max-errors the ledger says stop; failures of unfinished slices are kept for the journal")
    func failureLimit() {
        let ledger = PipelineLedger(maxFailures: 1)
        ledger.pageRead(slice: 0, hits: 3)
        #expect(ledger.pageTransformed(slice: 0, batches: 1, transformed: 2, dropped: [], failures: [failure("x")]))
        #expect(!ledger.batchWritten(slice: 0, written: 1, versionConflicts: 0, bytes: 1, failures: [failure("y")]), "the second failure is over the limit")
        #expect(ledger.counts.failed == 2)
        #expect(ledger.recentFailures.map(\.id) == ["x", "y"])
        let unfinished = ledger.failuresOfUnfinishedSlices()
        #expect(unfinished.count == 1 && unfinished[0].slice == 0 && unfinished[0].failures.map(\.id) == ["x", "y"])
    }

    @Test("an abandoned slice (its scroll expired) never completes, so the next pass copies it again")
    func abandoned() {
        let ledger = PipelineLedger(maxFailures: 0)
        ledger.pageRead(slice: 5, hits: 1)
        #expect(ledger.hasRead(slice: 5))
        _ = ledger.pageTransformed(slice: 5, batches: 1, transformed: 1, dropped: [], failures: [])
        ledger.sliceAbandoned(5)
        _ = ledger.batchWritten(slice: 5, written: 1, versionConflicts: 0, bytes: 1, failures: [])
        ledger.sliceRead(5)
        #expect(ledger.takeCompleted().isEmpty)
    }

    @Test("the first fatal error wins; later ones do not replace it")
    func firstError() {
        struct Boom: Error, Equatable { let n: Int }
        let ledger = PipelineLedger(maxFailures: 0)
        #expect(ledger.abort(Boom(n: 1)))
        #expect(!ledger.abort(Boom(n: 2)))
        #expect((ledger.firstError as? Boom) == Boom(n: 1))
    }
}
