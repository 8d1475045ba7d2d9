import FerryCore
import FerryTestSupport
import Foundation
import Testing

@testable import FerryCluster

/// Which APIs ferry picks for each distribution and version. The fault proxy presents the
/// version's `GET /` answer (and, for endpoints osmem lacks, the version's recorded answer);
/// everything else reaches osmem. The request paths the proxy saw are the choices made.
/// docs/compatibility.md is the matrix these tests back.
@Suite struct CompatibilityTests {
    struct Expectation: Sendable, CustomStringConvertible {
        let product: String
        let root: String
        let pointInTime: ClusterInfo.PointInTimeAPI?
        let read: ClusterInfo.ReadStrategy
        let readSliced: ClusterInfo.ReadStrategy
        let writeBlockAPI: Bool
        let composableTemplates: Bool
        var description: String { product }
    }

    static let matrix: [Expectation] = [
        .init(product: "Elasticsearch 7.7.1", root: RecordedAnswers.elasticsearchRoot("7.7.1", lucene: "8.5.1", wire: "6.8.0"),
              pointInTime: nil, read: .scroll, readSliced: .scroll, writeBlockAPI: false, composableTemplates: false),
        .init(product: "Elasticsearch 7.9.3", root: RecordedAnswers.elasticsearchRoot("7.9.3", lucene: "8.6.2", wire: "6.8.0"),
              pointInTime: nil, read: .scroll, readSliced: .scroll, writeBlockAPI: true, composableTemplates: true),
        .init(product: "Elasticsearch 7.10.2", root: RecordedAnswers.elasticsearchRoot("7.10.2", lucene: "8.7.0", wire: "6.8.0"),
              pointInTime: .elasticsearch, read: .scroll, readSliced: .scroll, writeBlockAPI: true, composableTemplates: true),
        .init(product: "Elasticsearch 7.13.4", root: RecordedAnswers.elasticsearchRoot("7.13.4", lucene: "8.8.2", wire: "6.8.0"),
              pointInTime: .elasticsearch, read: .pointInTime, readSliced: .scroll, writeBlockAPI: true, composableTemplates: true),
        .init(product: "Elasticsearch 7.17.24", root: RecordedAnswers.elasticsearchRoot("7.17.24", lucene: "8.11.3", wire: "6.8.0"),
              pointInTime: .elasticsearch, read: .pointInTime, readSliced: .pointInTime, writeBlockAPI: true, composableTemplates: true),
        .init(product: "Elasticsearch 8.15.0", root: RecordedAnswers.elasticsearchRoot("8.15.0"),
              pointInTime: .elasticsearch, read: .pointInTime, readSliced: .pointInTime, writeBlockAPI: true, composableTemplates: true),
        .init(product: "OpenSearch 1.3.19", root: RecordedAnswers.openSearchRoot("1.3.19"),
              pointInTime: nil, read: .scroll, readSliced: .scroll, writeBlockAPI: true, composableTemplates: true),
        .init(product: "OpenSearch (reporting version 7.10.2 for compatibility)", root: RecordedAnswers.openSearchRoot("7.10.2"),
              pointInTime: nil, read: .scroll, readSliced: .scroll, writeBlockAPI: true, composableTemplates: true),
        .init(product: "OpenSearch 2.17.1", root: RecordedAnswers.openSearchRoot("2.17.1"),
              pointInTime: .opensearch, read: .scroll, readSliced: .scroll, writeBlockAPI: true, composableTemplates: true),
        .init(product: "OpenSearch 3.1.0", root: RecordedAnswers.openSearchRoot("3.1.0"),
              pointInTime: .opensearch, read: .pointInTime, readSliced: .pointInTime, writeBlockAPI: true, composableTemplates: true),
    ]

    @Test("capabilities and API choices per version", arguments: matrix)
    func versionChoices(_ expected: Expectation) throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.respond(status: 200, body: expected.root), method: "GET", path: .exact("/")))
            let (client, _) = try cluster.client()
            let info = try client.info()
            #expect(info.description == expected.product)
            #expect(info.pointInTimeAPI == expected.pointInTime)
            #expect(info.readStrategy(slices: 1) == expected.read)
            #expect(info.readStrategy(slices: 4) == expected.readSliced)
            #expect(info.hasWriteBlockAPI == expected.writeBlockAPI)
            #expect(info.hasComposableTemplates == expected.composableTemplates)

            try cluster.direct.createIndex("src", body: ["settings": ["number_of_shards": 1]])
            try expectWriteBlock(cluster, client, info)
            try expectTemplates(cluster, client, info)
            if info.pointInTimeAPI != nil { try expectPointInTime(cluster, client, info) }
        }
    }

    /// `_block/write` where the version has it (osmem has no handler for it: the recorded
    /// Elasticsearch answer stands in; for OpenSearch osmem's "no handler" leads to the
    /// setting), else the setting, which osmem applies for real.
    private func expectWriteBlock(_ cluster: ProxiedCluster, _ client: ClusterClient, _ info: ClusterInfo) throws {
        if info.distribution == .elasticsearch {
            cluster.proxy.addRule(FaultRule(
                .respond(status: 200, body: RecordedAnswers.writeBlockAdded("src")), method: "PUT",
                path: .exact("/src/_block/write")))
        }
        let before = cluster.proxy.requests.count
        try client.blockWrites("src", on: info)
        let paths = cluster.proxy.requests.dropFirst(before).map { "\($0.method) \($0.path)" }
        switch (info.hasWriteBlockAPI, info.distribution) {
        case (false, _):
            #expect(paths == ["PUT /src/_settings"])
        case (true, .elasticsearch):
            #expect(paths == ["PUT /src/_block/write"])
        case (true, .opensearch):
            #expect(paths == ["PUT /src/_block/write", "PUT /src/_settings"])
        }
        if paths.last == "PUT /src/_settings" {
            #expect(try cluster.direct.getSettings("src")["index"]?["blocks"]?["write"]?.stringValue == "true")
        }
        try client.unblockWrites("src")
        #expect(try cluster.direct.getSettings("src")["index"]?["blocks"]?["write"] == nil)
    }

    /// Composable or legacy templates; osmem has both, so the template is read back for real.
    private func expectTemplates(_ cluster: ProxiedCluster, _ client: ClusterClient, _ info: ClusterInfo) throws {
        let template: JSONValue = ["settings": ["index": ["number_of_shards": "2"]], "mappings": ["properties": ["t": ["type": "keyword"]]]]
        try client.putIndexTemplate("ferry-t", patterns: ["ferry-t-*"], template: template, priority: 5, on: info)
        let put = try #require(cluster.proxy.requests.last)
        #expect(put.path == (info.hasComposableTemplates ? "/_index_template/ferry-t" : "/_template/ferry-t"))
        let held = try #require(try client.getIndexTemplate("ferry-t", on: info))
        #expect(held["mappings"]?["properties"]?["t"]?["type"]?.stringValue == "keyword")
        try client.deleteIndexTemplate("ferry-t", on: info)
        #expect(try client.getIndexTemplate("ferry-t", on: info) == nil)
    }

    /// Elasticsearch's `/_pit` (recorded answers: osmem has only OpenSearch's endpoint) or
    /// OpenSearch's `/_search/point_in_time` (osmem, for real).
    private func expectPointInTime(_ cluster: ProxiedCluster, _ client: ClusterClient, _ info: ClusterInfo) throws {
        if info.pointInTimeAPI == .elasticsearch {
            cluster.proxy.addRule(FaultRule(
                .respond(status: 200, body: RecordedAnswers.elasticsearchPointInTime), method: "POST", path: .exact("/src/_pit")))
            cluster.proxy.addRule(FaultRule(
                .respond(status: 200, body: RecordedAnswers.elasticsearchPointInTimeClosed), method: "DELETE", path: .exact("/_pit")))
        }
        let id = try client.openPointInTime(index: "src", keepAlive: .seconds(60), on: info)
        #expect(!id.isEmpty)
        let opened = try #require(cluster.proxy.requests.last)
        try client.closePointInTime(id: id, on: info)
        let closed = try #require(cluster.proxy.requests.last)
        switch info.pointInTimeAPI {
        case .elasticsearch:
            #expect(opened.target == "/src/_pit?keep_alive=1m" && closed.path == "/_pit")
        case .opensearch:
            #expect(opened.target == "/src/_search/point_in_time?keep_alive=1m" && closed.path == "/_search/point_in_time")
            #expect(closed.status == 200)
        case nil:
            Issue.record("no point in time API")
        }
    }

    @Test("unsupported versions are refused by name", arguments: [
        (RecordedAnswers.elasticsearchRoot("6.8.23", lucene: "7.7.3", wire: "5.6.0"), "Elasticsearch 6.8.23 is not supported", "upgrade the cluster"),
        (RecordedAnswers.elasticsearchRoot("9.0.0", lucene: "10.1.0", wire: "8.18.0"), "Elasticsearch 9.0.0 is not supported", "not been checked yet"),
        (RecordedAnswers.openSearchRoot("4.0.0"), "OpenSearch 4.0.0 is not supported", "not been checked yet"),
    ])
    func unsupportedVersions(_ root: String, _ message: String, _ hint: String) throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.respond(status: 200, body: root), method: "GET", path: .exact("/")))
            let (client, _) = try cluster.client()
            let error = #expect(throws: FerryError.self) { try client.info() }
            #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
            #expect(error?.description.contains("Elasticsearch 7.x–8.x and OpenSearch 1.x–3.x") == true)
            #expect(error?.hint?.contains(hint) == true)
        }
    }

    @Test("the live server: osmem's own GET / is OpenSearch 3, read by point in time")
    func liveOsmem() throws {
        try withProxiedCluster { cluster in
            let info = try cluster.direct.info()
            #expect(info.distribution == .opensearch && info.version.major == 3)
            #expect(info.readStrategy(slices: 4) == .pointInTime)
        }
    }
}
