import FerryCore
import FerryTestSupport
import Foundation
import Testing

@testable import FerryCluster

/// Retries, Retry-After and credentials, against osmem behind a fault-injecting proxy.
@Suite struct RetryAndAuthTests {
    @Test func retriesUnavailableThenTheRequestReachesTheCluster() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.serviceUnavailable, method: "PUT", path: .exact("/retried"), trigger: .times(1)))
            cluster.proxy.addRule(FaultRule(.badGateway, method: "PUT", path: .exact("/retried"), trigger: .times(1)))
            let (client, recorder) = try cluster.client()
            try client.createIndex("retried")
            #expect(cluster.proxy.requests(matching: .exact("/retried")).map(\.status) == [503, 502, 200])
            #expect(recorder.delays.count == 2)
            #expect(try cluster.direct.indexExists("retried"))
        }
    }

    @Test func tooManyRequestsIsRetriedAndTheBulkLandsOnce() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.tooManyRequests(), path: .bulk, trigger: .times(2)))
            let (client, recorder) = try cluster.client()
            let response = try client.bulk(smallDocuments(10, index: "docs"))
            #expect(!response.errors && response.itemCount == 10)
            #expect(cluster.proxy.requests(matching: .bulk).map(\.status) == [429, 429, 200])
            #expect(recorder.delays.count == 2)
            let versions = try cluster.versions(in: "docs")
            #expect(versions.count == 10)
            #expect(versions.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastStatus() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.serviceUnavailable, path: .exact("/_cluster/health")))
            let (client, recorder) = try cluster.client()
            let error = try #require(throws: ClusterError.self) { try client.clusterHealth() }
            #expect(error.kind == .http)
            #expect(error.status == 503)
            #expect(error.attempts == 3)
            #expect(error.type == "cluster_block_exception")
            #expect(error.description.hasPrefix("GET /_cluster/health → HTTP 503 cluster_block_exception: blocked by"))
            #expect(error.description.hasSuffix("(after 3 attempts)"))
            #expect(cluster.proxy.requests.count == 3)
            #expect(recorder.delays.count == 2)
        }
    }

    @Test func forbiddenIsNotRetriedAndTheMessageHasAHintButNoCredential() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.forbidden, method: "PUT"))
            let (client, recorder) = try cluster.client(auth: .basic(user: "ferry", password: "pw-s3cret"))
            let error = try #require(throws: ClusterError.self) { try client.createIndex("x") }
            #expect(cluster.proxy.requests.count == 1)
            #expect(recorder.delays.isEmpty)
            #expect(error.status == 403 && error.attempts == 1)
            #expect(error.type == "security_exception")
            #expect(error.hint?.contains("--user") == true)
            #expect(!"\(error.description) \(error.hint ?? "")".contains("pw-s3cret"))
            #expect(try !cluster.direct.indexExists("x"))
        }
    }

    @Test func wrongCredentialsGet401OnceWithAHintAndRightOnesGetThrough() throws {
        try withProxiedCluster { cluster in
            let right = "Basic " + Data("ferry:right-pw".utf8).base64EncodedString()
            cluster.proxy.addRule(FaultRule(.requireAuthorization(right)))
            let (wrong, recorder) = try cluster.client(auth: .basic(user: "ferry", password: "wrong-pw"))
            let error = try #require(throws: ClusterError.self) { try wrong.createIndex("guarded") }
            #expect(error.status == 401 && error.attempts == 1)
            #expect(cluster.proxy.requests.count == 1)
            #expect(recorder.delays.isEmpty)
            #expect(error.type == "security_exception")
            #expect(error.hint?.contains("credentials") == true)
            #expect(!"\(error.description) \(error.hint ?? "")".contains("wrong-pw"))
            let rejected = try #require(cluster.proxy.requests.last)
            #expect(rejected.fault == .unauthorized && !rejected.forwarded)
            #expect(rejected.authorization?.matches(right) == false)
            #expect(!"\(rejected.authorization as Any)".contains("d3JvbmctcHc"))  // base64 of the password

            let (good, _) = try cluster.client(auth: .basic(user: "ferry", password: "right-pw"))
            try good.createIndex("guarded")
            #expect(cluster.proxy.requests.last?.forwarded == true)
            #expect(try cluster.direct.indexExists("guarded"))
        }
    }

    @Test func honoursRetryAfter() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.tooManyRequests(retryAfterSeconds: 2), path: .exact("/"), trigger: .times(1)))
            let (client, recorder) = try cluster.client()
            let info = try client.info()
            #expect(info.distribution == .opensearch)
            #expect(cluster.proxy.requests.map(\.status) == [429, 200])
            #expect(recorder.delays.count == 1)
            // The jittered backoff alone is at most 2 ms with this policy: the 2 s come from Retry-After.
            #expect(recorder.delays.first.map { $0 >= .seconds(2) } == true)
        }
    }

    @Test func sendsAuthHeaders() throws {
        try withProxiedCluster { cluster in
            for (auth, expected) in [
                (ClusterConfig.Auth.basic(user: "elastic", password: "s3cret"), "Basic ZWxhc3RpYzpzM2NyZXQ="),
                (.apiKey("a2V5"), "ApiKey a2V5"),
                (.bearer("tok"), "Bearer tok"),
            ] {
                let (client, _) = try cluster.client(auth: auth)
                _ = try client.info()
                let seen = try #require(cluster.proxy.requests.last)
                #expect(seen.authorization?.matches(expected) == true)
                #expect(seen.status == 200 && seen.forwarded)
            }
            let (anonymous, _) = try cluster.client()
            _ = try anonymous.info()
            #expect(cluster.proxy.requests.last?.authorization == nil)
        }
    }

    @Test func signsWithAWSSigV4() throws {
        try withProxiedCluster { cluster in
            let (client, _) = try cluster.client(
                auth: .awsSigV4(AWSSigV4(
                    region: "eu-west-1", service: "es", accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret",
                    sessionToken: "session")))
            _ = try client.info()
            let seen = try #require(cluster.proxy.requests.last)
            let authorization = try #require(seen.authorization)
            #expect(authorization.scheme == "AWS4-HMAC-SHA256")
            #expect(authorization.satisfies { $0.contains("Credential=AKIDEXAMPLE/") })
            #expect(authorization.satisfies { $0.contains("/eu-west-1/es/aws4_request") })
            #expect(authorization.satisfies { !$0.contains("secret") })
            #expect(seen.headers["x-amz-date"] != nil)
            #expect(seen.secrets["x-amz-security-token"]?.matches("session") == true)
        }
    }

    @Test func bodiesAreRelayedAsIsWithoutExpectContinue() throws {
        try withProxiedCluster { cluster in
            let (client, _) = try cluster.client()
            let big: JSONValue = ["big": .string(String(repeating: "x", count: 200_000))]
            var builder = BulkRequestBuilder()
            builder.append(.index, index: "i", id: "1", source: big)
            #expect(try !client.bulk(builder).errors)
            let request = try #require(cluster.proxy.requests.last)
            #expect(request.method == "POST" && request.target == "/_bulk")
            #expect(request.headers["content-type"] == "application/x-ndjson")
            #expect(!request.headerNames.contains("expect"))
            #expect(request.bodySize == builder.byteCount)
            try cluster.direct.refresh("i")
            #expect(try cluster.direct.getDocument(index: "i", id: "1") == big)

            let invalid = #expect(throws: ClusterError.self) { try client.createIndex("a/b", body: ["settings": [:]]) }
            #expect(invalid?.type == "invalid_index_name_exception")
            #expect(cluster.proxy.requests.last?.target == "/a%2Fb")
            #expect(cluster.proxy.requests.last?.headers["content-type"] == "application/json")

            #expect(try client.indexExists("i"))
            #expect(try !client.indexExists("nope"))
            #expect(cluster.proxy.requests.suffix(2).map(\.method) == ["HEAD", "HEAD"])
            try client.deleteIndex("i")
            #expect(cluster.proxy.requests.last?.method == "DELETE")
            #expect(try !cluster.direct.indexExists("i"))
        }
    }

    @Test func aBulkAnswerForTheWrongNumberOfItemsIsAnError() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(
                FaultRule(.rewriteResponse { $0.body = Array(#"{"took":1,"errors":false,"items":[]}"#.utf8) }, path: .bulk))
            let (client, _) = try cluster.client()
            let error = #expect(throws: ClusterError.self) { try client.bulk(smallDocuments(1, index: "i")) }
            #expect(error?.kind == .invalidResponse)
            #expect(error?.reason?.contains("0 items for 1 sent") == true)
        }
    }
}
