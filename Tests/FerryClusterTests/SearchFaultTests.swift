import FerryCore
import FerryTestSupport
import Testing

@testable import FerryCluster

/// A page with failed shards is an error, never a short page (elastic/elasticsearch#10417).
@Suite struct SearchFaultTests {
    @Test func aSearchPageWithAFailedShardIsAClusterErrorNotAShortPage() throws {
        try withProxiedCluster { cluster in
            _ = try cluster.direct.bulk(smallDocuments(20, index: "pages"), refresh: true)
            cluster.proxy.addRule(FaultRule(.shardFailures(failed: 1), path: .search))
            let (client, _) = try cluster.client()
            let error = try #require(throws: ClusterError.self) {
                try client.search(index: "pages", body: ["size": 5])
            }
            #expect(error.kind == .incompleteResults)
            #expect(error.type == "node_disconnected_exception")
            #expect(error.description.hasPrefix("POST /pages/_search → incomplete results"))
            #expect(error.description.contains("1 of 1 shards failed (index [pages] shard 0)"))
            #expect(error.endpoint == cluster.proxy.url)
            #expect(cluster.proxy.faultCount(.rewritten) == 1)
        }
    }

    @Test func aScrollPageWithAFailedShardIsAClusterError() throws {
        try withProxiedCluster { cluster in
            _ = try cluster.direct.bulk(smallDocuments(20, index: "pages"), refresh: true)
            let (client, _) = try cluster.client()
            let first = try client.openScroll(index: "pages", size: 5)
            #expect(first.hits.count == 5)
            cluster.proxy.addRule(FaultRule(.shardFailures(failed: 1), path: .scroll, trigger: .times(1)))
            let error = try #require(throws: ClusterError.self) {
                try client.scroll(id: try #require(first.scrollID))
            }
            #expect(error.kind == .incompleteResults)
            #expect(error.description.hasPrefix("POST /_search/scroll → incomplete results"))
            #expect(error.description.contains("[node-2] disconnected"))
        }
    }
}
