import FerryCore
import Foundation
import Testing

@testable import FerryCluster
@testable import FerryTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The proxy itself: a transparent relay without rules, deterministic with a seed, and a
/// correct HTTP/1.1 reader for what an upstream may send.
@Suite struct FaultProxyTests {
    @Test func withoutRulesItRelaysEverythingOverKeptAliveConnections() throws {
        try withProxiedCluster { cluster in
            let (client, _) = try cluster.client()
            try client.createIndex("relay")
            _ = try client.bulk(smallDocuments(3, index: "relay"), refresh: true)
            #expect(try client.count("relay") == 3)
            #expect(try client.indexExists("relay"))
            #expect(try client.getDocument(index: "relay", id: "nope") == nil)
            #expect(cluster.proxy.faultsInjected == 0)
            #expect(cluster.proxy.requests.allSatisfy { $0.forwarded && $0.fault == nil })
            #expect(cluster.proxy.requests.map(\.status) == [200, 200, 200, 200, 404])
        }
    }

    @Test func probabilityRulesGiveTheSameFaultsForTheSameSeed() throws {
        func pattern(seed: UInt64) throws -> [Int?] {
            var statuses: [Int?] = []
            try withProxiedCluster(seed: seed) { cluster in
                cluster.proxy.addRule(FaultRule(.serviceUnavailable, path: .exact("/"), trigger: .probability(0.5)))
                let (client, _) = try cluster.client(retry: .none)
                for _ in 0..<24 { _ = try? client.info() }
                statuses = cluster.proxy.requests.map(\.status)
            }
            return statuses
        }
        let first = try pattern(seed: 7)
        #expect(first.contains(503) && first.contains(200))
        #expect(try pattern(seed: 7) == first)
        #expect(try pattern(seed: 8) != first)
    }

    @Test func readsContentLengthChunkedAndCloseDelimitedResponses() throws {
        let wire = [
            "HTTP/1.1 100 Continue\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",  // answer to HEAD: no body follows
            "HTTP/1.1 404 Not Found\r\n\r\nuntil close",
        ].joined()
        let fds = try socketPair()
        defer { close(fds.1) }
        #expect(ProxySocket.writeAll(fds.0, Array(wire.utf8)))
        close(fds.0)
        var reader = SocketReader(fd: fds.1)
        let fixed = try #require(HTTPWire.readResponse(&reader, method: "GET"))
        #expect(fixed.status == 200 && String(decoding: fixed.body, as: UTF8.self) == "hello")
        let chunked = try #require(HTTPWire.readResponse(&reader, method: "GET"))
        #expect(String(decoding: chunked.body, as: UTF8.self) == "abcde")
        let head = try #require(HTTPWire.readResponse(&reader, method: "HEAD"))
        #expect(head.body.isEmpty && head.headLength == 9)
        let closing = try #require(HTTPWire.readResponse(&reader, method: "GET"))
        #expect(closing.status == 404 && closing.closeDelimited)
        #expect(String(decoding: closing.body, as: UTF8.self) == "until close")
    }

    @Test func readsChunkedRequestsAndAnswersExpectContinue() throws {
        let wire = "POST /_bulk HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab\nc\r\n0\r\n\r\n"
        let fds = try socketPair()
        defer { close(fds.1) }
        #expect(ProxySocket.writeAll(fds.0, Array(wire.utf8)))
        close(fds.0)
        var reader = SocketReader(fd: fds.1)
        var continued = false
        let request = try #require(HTTPWire.readRequest(&reader) { continued = true })
        #expect(continued)
        #expect(request.method == "POST" && request.path == "/_bulk" && request.keepAlive)
        #expect(request.body == Array("ab\nc".utf8))
    }

    @Test func bulkBodiesAreCutIntoItemsAndAnswersMergedInOrder() throws {
        let body = Array(
            """
            {"index":{"_index":"a","_id":"1"}}
            {"x":1}
            {"delete":{"_id":"2"}}
            {"create":{"_index":"a","_id":"3"}}
            {"x":3}

            """.utf8)
        let bulk = try #require(BulkBody(body))
        #expect(bulk.items.map(\.action) == ["index", "delete", "create"])
        #expect(bulk.items.map(\.id) == ["1", "2", "3"])
        #expect(bulk.body(keeping: [0, 2]) == Array("{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"x\":1}\n{\"create\":{\"_index\":\"a\",\"_id\":\"3\"}}\n{\"x\":3}\n".utf8))
        let upstream = #"{"took":3,"errors":false,"items":[{"index":{"_id":"1","status":201}},{"create":{"_id":"3","status":201}}]}"#
        let merged = try #require(
            bulk.mergedResponse(upstream: Array(upstream.utf8), forwarded: [0, 2], rejected: [1], defaultIndex: "dflt"))
        let json = try JSONValue.parse(merged)
        #expect(json["errors"] == true)
        #expect(json["items"]?[1]?["delete"]?["status"] == 429)
        #expect(json["items"]?[1]?["delete"]?["_index"] == "dflt")
        #expect(json["items"]?[2]?["create"]?["_id"] == "3")
        #expect(BulkBody(Array("not json\n".utf8)) == nil)
    }

    private func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, ProxySocket.stream, 0, &fds) == 0 else { throw FerryError("socketpair failed") }
        return (fds[0], fds[1])
    }
}
