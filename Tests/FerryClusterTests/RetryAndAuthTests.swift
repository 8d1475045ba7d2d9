import FerryCore
import FerryTestSupport
import Testing

@testable import FerryCluster

/// Transport behaviour against a scripted local HTTP server: retries, Retry-After, headers.
@Suite struct RetryAndAuthTests {
    static let infoBody = #"{"version":{"number":"8.13.4"}}"#
    static let fast = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))

    /// A client whose retry waits are recorded instead of slept.
    final class Recorder {
        var delays: [Duration] = []
    }

    func client(_ stub: StubHTTPServer, auth: ClusterConfig.Auth = .none, retry: RetryPolicy = fast) throws
        -> (ClusterClient, Recorder)
    {
        let client = try ClusterClient(config: ClusterConfig(url: stub.url, auth: auth, retry: retry))
        let recorder = Recorder()
        client.sleep = { recorder.delays.append($0) }
        return (client, recorder)
    }

    @Test func retriesUnavailableThenSucceeds() throws {
        let stub = try StubHTTPServer(responses: [
            .init(status: 503, body: "busy"), .init(status: 502), .init(status: 200, body: Self.infoBody),
        ])
        defer { stub.stop() }
        let (client, recorder) = try client(stub)
        let info = try client.info()
        #expect(info.distribution == .elasticsearch)
        #expect(info.version.major == 8)
        #expect(stub.requests.count == 3)
        #expect(recorder.delays.count == 2)
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastStatus() throws {
        let stub = try StubHTTPServer(fallback: .init(status: 503, body: #"{"error":"cluster is restarting","status":503}"#))
        defer { stub.stop() }
        let (client, _) = try client(stub)
        let error = try #require(throws: ClusterError.self) { try client.clusterHealth() }
        #expect(error.status == 503)
        #expect(error.attempts == 3)
        #expect(error.description == "GET /_cluster/health → HTTP 503: cluster is restarting (after 3 attempts)")
        #expect(stub.requests.count == 3)
    }

    @Test func doesNotRetryOtherClientErrors() throws {
        let stub = try StubHTTPServer(fallback: .init(
            status: 403,
            body: #"{"error":{"type":"security_exception","reason":"action [indices:admin/create] is unauthorized"},"status":403}"#))
        defer { stub.stop() }
        let (client, recorder) = try client(stub, auth: .basic(user: "ferry", password: "pw"))
        let error = try #require(throws: ClusterError.self) { try client.createIndex("x") }
        #expect(stub.requests.count == 1)
        #expect(recorder.delays.isEmpty)
        #expect(error.type == "security_exception")
        #expect(error.hint?.contains("--user") == true)
        #expect(!error.description.contains("pw"))
    }

    @Test func honoursRetryAfter() throws {
        let stub = try StubHTTPServer(responses: [
            .init(status: 429, headers: ["Retry-After": "2"]), .init(status: 200, body: Self.infoBody),
        ])
        defer { stub.stop() }
        let (client, recorder) = try client(stub)
        _ = try client.info()
        #expect(recorder.delays.count == 1)
        #expect(recorder.delays[0] >= .seconds(2))
    }

    @Test func sendsAuthHeaders() throws {
        let stub = try StubHTTPServer(fallback: .init(status: 200, body: Self.infoBody))
        defer { stub.stop() }
        for (auth, expected) in [
            (ClusterConfig.Auth.basic(user: "elastic", password: "s3cret"), "Basic ZWxhc3RpYzpzM2NyZXQ="),
            (.apiKey("a2V5"), "ApiKey a2V5"),
            (.bearer("tok"), "Bearer tok"),
            (.none, nil),
        ] {
            let (client, _) = try client(stub, auth: auth)
            _ = try client.info()
            #expect(stub.requests.last?.headers["authorization"] == expected)
        }
    }

    @Test func signsWithAWSSigV4() throws {
        let stub = try StubHTTPServer(fallback: .init(status: 200, body: Self.infoBody))
        defer { stub.stop() }
        let (client, _) = try client(
            stub,
            auth: .awsSigV4(provider: "aws:amz:eu-west-1:es", accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret",
                            sessionToken: "session"))
        _ = try client.info()
        let headers = try #require(stub.requests.last?.headers)
        let authorization = try #require(headers["authorization"])
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"))
        #expect(authorization.contains("/eu-west-1/es/aws4_request"))
        #expect(!authorization.contains("secret"))
        #expect(headers["x-amz-date"] != nil)
        #expect(headers["x-amz-security-token"] == "session")
    }

    @Test func bodiesAreSentAsIsWithoutExpectContinue() throws {
        let stub = try StubHTTPServer(fallback: .init(status: 200, body: #"{"took":1,"errors":false,"items":[{"index":{"status":201}}]}"#))
        defer { stub.stop() }
        let (client, _) = try client(stub)
        var builder = BulkRequestBuilder()
        builder.append(.index, index: "i", id: "1", source: Array(("{\"big\":\"" + String(repeating: "x", count: 200_000) + "\"}").utf8))
        let response = try client.bulk(builder)
        #expect(response.itemCount == 1)
        let request = try #require(stub.requests.last)
        #expect(request.method == "POST")
        #expect(request.target == "/_bulk")
        #expect(request.headers["content-type"] == "application/x-ndjson")
        #expect(request.headers["expect"] == nil)
        #expect(request.body == builder.body)

        try client.createIndex("a/b", body: ["settings": [:]])
        #expect(stub.requests.last?.method == "PUT")
        #expect(stub.requests.last?.target == "/a%2Fb")
        #expect(stub.requests.last?.headers["content-type"] == "application/json")
        #expect(stub.requests.last.map { String(decoding: $0.body, as: UTF8.self) } == #"{"settings":{}}"#)

        _ = try client.indexExists("x")
        #expect(stub.requests.last?.method == "HEAD")
        try client.deleteIndex("x")
        #expect(stub.requests.last?.method == "DELETE")
    }

    @Test func bulkItemsRejectedWith429AreResentAlone() throws {
        let first = #"{"took":2,"errors":true,"items":[{"index":{"_index":"i","_id":"0","status":201,"result":"created"}},{"index":{"_index":"i","_id":"1","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}},{"index":{"_index":"i","_id":"2","status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}}]}"#
        let second = #"{"took":1,"errors":false,"items":[{"index":{"_index":"i","_id":"1","status":201,"result":"created"}}]}"#
        let stub = try StubHTTPServer(responses: [.init(status: 200, body: first), .init(status: 200, body: second)])
        defer { stub.stop() }
        let (client, recorder) = try client(stub)
        var builder = BulkRequestBuilder()
        for i in 0..<3 { builder.append(.index, index: "i", id: "\(i)", source: Array("{\"i\":\(i)}".utf8)) }
        let response = try client.bulk(builder, retryRejectedItems: true)
        #expect(stub.requests.count == 2)
        #expect(stub.requests[1].body == Array(builder.itemBytes(1)))
        #expect(recorder.delays.count == 1)
        #expect(response.items.map(\.status) == [201, 201, 400])
        #expect(response.items.map(\.position) == [0, 1, 2])
        #expect(response.failures.map(\.id) == ["2"])
        #expect(response.errors)
    }

    @Test func itemCountMismatchIsAnError() throws {
        let stub = try StubHTTPServer(fallback: .init(status: 200, body: #"{"errors":false,"items":[]}"#))
        defer { stub.stop() }
        let (client, _) = try client(stub)
        var builder = BulkRequestBuilder()
        builder.append(.index, index: "i", id: "1", source: Array("{}".utf8))
        let error = #expect(throws: ClusterError.self) { try client.bulk(builder) }
        #expect(error?.kind == .invalidResponse)
    }
}
