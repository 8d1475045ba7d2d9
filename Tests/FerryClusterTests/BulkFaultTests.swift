import FerryCore
import FerryTestSupport
import Testing

@testable import FerryCluster

/// Bulk writes under 413, per-item 429 and connection resets: every document lands exactly
/// once (version 1 in osmem, or the external version sent), whatever the proxy did.
@Suite struct BulkFaultTests {
    @Test func tooLargeBatchesAreSplitAndEveryDocumentLandsOnce() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.payloadTooLarge, path: .bulk, bodyLargerThan: 2_000))
            let (client, _) = try cluster.client()
            let request = smallDocuments(40, index: "split", padding: 150)
            #expect(request.byteCount > 8_000)
            let response = try client.bulk(request)
            #expect(!response.errors)
            #expect(response.itemCount == 40)
            #expect(response.items.map(\.position) == Array(0..<40))
            #expect(response.items.map(\.id) == (0..<40).map { "d\($0)" })
            #expect(cluster.proxy.faultCount(.responded) >= 3)
            let written = cluster.proxy.requests(matching: .bulk).filter { $0.status == 200 }
            #expect(written.allSatisfy { $0.bodySize <= 2_000 })
            #expect(written.compactMap(\.bulkItems).reduce(0, +) == 40)
            let versions = try cluster.versions(in: "split")
            #expect(versions.count == 40)
            #expect(versions.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func anItemTooLargeEvenAloneFailsWith413NamingItsIdAndSize() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.payloadTooLarge, path: .bulk, bodyLargerThan: 2_000))
            let (client, _) = try cluster.client()
            var request = smallDocuments(6, index: "split")
            request.append(.index, index: "split", id: "huge", source: ["pad": .string(String(repeating: "y", count: 5_000))])
            let hugeSize = request.itemBytes(6).count
            let response = try client.bulk(request)
            #expect(response.errors && response.itemCount == 7)
            let failure = try #require(response.failures.first)
            #expect(response.failures.count == 1)
            #expect(failure.position == 6 && failure.id == "huge" && failure.index == "split")
            #expect(failure.status == 413)
            #expect(failure.errorReason?.contains("[huge]") == true)
            #expect(failure.errorReason?.contains("\(hugeSize) bytes") == true)
            let versions = try cluster.versions(in: "split")
            #expect(Set(versions.keys) == Set((0..<6).map { "d\($0)" }))
        }
    }

    @Test func rejectedItemsAreResentAloneAtTheirPositions() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.rejectBulkItems(.positions([1, 3, 5])), path: .bulk, trigger: .times(1)))
            let (client, recorder) = try cluster.client()
            let response = try client.bulk(smallDocuments(8, index: "items"), retryRejectedItems: true)
            #expect(!response.errors)
            #expect(response.items.map(\.position) == Array(0..<8))
            #expect(response.items.map(\.id) == (0..<8).map { "d\($0)" })
            #expect(response.items.allSatisfy { $0.status == 201 })
            let sent = cluster.proxy.requests(matching: .bulk)
            #expect(sent.map(\.bulkItems) == [8, 3])
            #expect(sent.map(\.rejectedItems) == [3, 0])
            #expect(recorder.delays.count == 1)
            let versions = try cluster.versions(in: "items")
            #expect(versions.count == 8)
            #expect(versions.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func randomRejectionsConvergeAndEveryDocumentLandsOnce() throws {
        try withProxiedCluster(seed: 42) { cluster in
            cluster.proxy.addRule(FaultRule(.rejectBulkItems(.random(probability: 0.3)), path: .bulk))
            let (client, recorder) = try cluster.client(
                retry: RetryPolicy(maxAttempts: 30, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)))
            let response = try client.bulk(smallDocuments(60, index: "items"), retryRejectedItems: true)
            #expect(!response.errors)
            #expect(response.items.map(\.id) == (0..<60).map { "d\($0)" })
            #expect(cluster.proxy.rejectedBulkItems > 0)
            #expect(recorder.delays.count == cluster.proxy.requests(matching: .bulk).count - 1)
            let versions = try cluster.versions(in: "items")
            #expect(versions.count == 60)
            #expect(versions.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func itemsStillRejectedAfterTheLastAttemptComeBackFailedWith429() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.rejectBulkItems(.ids(["d2"])), path: .bulk))
            let (client, recorder) = try cluster.client()
            let response = try client.bulk(smallDocuments(5, index: "items"), retryRejectedItems: true)
            #expect(response.errors)
            let failure = try #require(response.failures.first)
            #expect(response.failures.count == 1)
            #expect(failure.id == "d2" && failure.position == 2 && failure.status == 429 && failure.isRejected)
            #expect(failure.errorType == "es_rejected_execution_exception")
            #expect(cluster.proxy.requests(matching: .bulk).map(\.bulkItems) == [5, 1, 1])
            #expect(recorder.delays.count == 2)
            #expect(try Set(cluster.versions(in: "items").keys) == ["d0", "d1", "d3", "d4"])
        }
    }

    @Test func aResetBeforeTheClusterSawTheRequestIsRetriedAndLandsOnce() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.resetBeforeForwarding, path: .bulk, trigger: .times(1)))
            let (client, recorder) = try cluster.client()
            let response = try client.bulk(smallDocuments(10, index: "reset"))
            #expect(!response.errors && response.itemCount == 10)
            #expect(cluster.proxy.faultCount(.resetBeforeForwarding) == 1)
            #expect(cluster.proxy.requests(matching: .bulk).map(\.forwarded) == [false, true])
            #expect(recorder.delays.count == 1)
            let versions = try cluster.versions(in: "reset")
            #expect(versions.count == 10)
            #expect(versions.values.allSatisfy { $0 == 1 })
        }
    }

    /// The dangerous case: the cluster applied the bulk, the client saw a reset and resent it.
    /// With external versions the resend conflicts with itself: 409 means "already there".
    @Test func aResendAfterAnAppliedRequestGetsVersionConflictsWithExternalVersions() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.resetAfterForwarding, path: .bulk, trigger: .times(1)))
            let (client, recorder) = try cluster.client()
            let request = smallDocuments(5, index: "external", options: BulkItemOptions(version: 7))
            let response = try client.bulk(request)
            #expect(recorder.delays.count == 1)
            #expect(cluster.proxy.requests(matching: .bulk).map(\.forwarded) == [true, true])
            #expect(cluster.proxy.faultCount(.resetAfterForwarding) == 1)
            #expect(response.items.count == 5)
            #expect(response.items.allSatisfy { $0.isVersionConflict })
            let versions = try cluster.versions(in: "external")
            #expect(versions == Dictionary(uniqueKeysWithValues: (0..<5).map { ("d\($0)", Int64(7)) }))
        }
    }
}
