import FerryCore
import Testing

@testable import FerryCluster

@Suite struct ClientUnitTests {
    @Test func pathSegmentsAreEncoded() {
        #expect(RequestPath(["blog", "_doc", "a/b?c#d e+%"]).path == "/blog/_doc/a%2Fb%3Fc%23d%20e%2B%25")
        #expect(RequestPath(["i", "_doc", ".."]).path == "/i/_doc/%2E%2E")
        #expect(RequestPath(["logs-*,other", "_search"]).path == "/logs-*,other/_search")
        #expect(RequestPath(["i", "_doc", "é"]).path == "/i/_doc/%C3%A9")
        #expect(RequestPath(["i", "_search"], query: [("scroll", "5m"), ("q", "a&b")]).target == "/i/_search?scroll=5m&q=a%26b")
        #expect(RequestPath([]).path == "/")
        #expect(("/_search/scroll" as RequestPath).path == "/_search/scroll")
    }

    @Test func timeValues() {
        #expect(timeValue(.seconds(300)) == "5m")
        #expect(timeValue(.seconds(30)) == "30s")
        #expect(timeValue(.milliseconds(1500)) == "1500ms")
    }

    @Test func configStripsAndRedactsCredentials() throws {
        let config = try ClusterConfig(url: "https://elastic:s3cret@es.example:9200/")
        #expect(config.url == "https://es.example:9200")
        guard case .basic(let user, let password) = config.auth else {
            Issue.record("expected basic auth")
            return
        }
        #expect(user == "elastic")
        #expect(password == "s3cret")
        #expect(!config.description.contains("s3cret"))
        #expect(!String(describing: config).contains("s3cret"))
        #expect(ClusterConfig.redact("http://u:p@h:1/x?y") == "http://h:1/x?y")
        // A password with '/', '?' or '#' must not survive either (such URLs do not parse).
        #expect(ClusterConfig.redact("https://admin:p/ss@es:9200") == "https://es:9200")
        #expect(!ClusterConfig.redact("https://admin:p?s#s@es:9200/x").contains("p?s"))
        #expect(throws: FerryError.self) { try ClusterConfig(url: "ftp://x") }
        #expect(throws: FerryError.self) { try ClusterConfig(url: "not a url") }
    }

    @Test func configFromCommandLine() throws {
        let env = ["FERRY_PASSWORD": "pw", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"]
        let basic = try ClusterConfig.fromCommandLine(url: "http://localhost:9200", user: "bob", environment: env)
        guard case .basic("bob", "pw") = basic.auth else {
            Issue.record("expected basic auth from FERRY_PASSWORD")
            return
        }
        let key = try ClusterConfig.fromCommandLine(url: "http://localhost:9200", apiKey: "id:key", environment: [:])
        guard case .apiKey("aWQ6a2V5") = key.auth else {
            Issue.record("expected encoded api key")
            return
        }
        let aws = try ClusterConfig.fromCommandLine(url: "https://x.es.amazonaws.com", awsSigV4: "eu-west-1", environment: env)
        guard case .awsSigV4(let signer) = aws.auth, signer.region == "eu-west-1", signer.service == "es",
            signer.accessKeyID == "AK", signer.secretAccessKey == "SK", !signer.hasSessionToken
        else {
            Issue.record("expected sigv4")
            return
        }
        #expect(!aws.description.contains("SK"))
        #expect(throws: FerryError.self) {
            try ClusterConfig.fromCommandLine(url: "http://h:1", user: "a:b", apiKey: "k", environment: [:])
        }
    }

    @Test func errorBodiesOfBothShapes() {
        let structured = #"{"error":{"root_cause":[{"type":"resource_already_exists_exception","reason":"index [b/x] already exists"}],"type":"resource_already_exists_exception","reason":"index [b/x] already exists"},"status":400}"#
        let e1 = Array(structured.utf8).withUnsafeBytes {
            ClusterError.fromResponse(method: .PUT, path: "/b", endpoint: "http://u:p@h:9200", status: 400, body: $0, attempts: 1)
        }
        #expect(e1.description == "PUT /b → HTTP 400 resource_already_exists_exception: index [b/x] already exists")
        #expect(e1.endpoint == "http://h:9200")

        let plain = #"{"error":"alias [x] missing","status":404}"#
        let e2 = Array(plain.utf8).withUnsafeBytes {
            ClusterError.fromResponse(method: .GET, path: "/_alias/x", endpoint: "h", status: 404, body: $0, attempts: 1)
        }
        #expect(e2.type == nil)
        #expect(e2.description == "GET /_alias/x → HTTP 404: alias [x] missing")

        let expired = #"{"error":{"root_cause":[{"type":"search_context_missing_exception","reason":"No search context found for id [4]"}],"type":"search_phase_execution_exception","reason":"all shards failed"},"status":404}"#
        let e3 = Array(expired.utf8).withUnsafeBytes {
            ClusterError.fromResponse(method: .POST, path: "/_search/scroll", endpoint: "h", status: 404, body: $0, attempts: 1)
        }
        #expect(e3.type == "search_context_missing_exception")
        #expect(e3.hasType("search_phase_execution_exception"))
        #expect(e3.hint?.contains("keep-alive") == true)

        let html = "<html>\n<body>502 Bad Gateway</body></html>"
        let e4 = Array(html.utf8).withUnsafeBytes {
            ClusterError.fromResponse(method: .GET, path: "/", endpoint: "h", status: 502, body: $0, attempts: 5)
        }
        #expect(e4.description == "GET / → HTTP 502: <html> <body>502 Bad Gateway</body></html> (after 5 attempts)")

        let unauthorized = ClusterError(kind: .http, method: .GET, path: "/", endpoint: "h", status: 401)
        #expect(unauthorized.hint?.contains("--user") == true)
    }

    @Test func infoDetectsDistribution() throws {
        let es = try JSONValue.parse(#"{"cluster_name":"c","version":{"number":"8.13.4","build_flavor":"default"}}"#)
        let info = try #require(ClusterInfo(json: es))
        #expect(info.distribution == .elasticsearch)
        #expect(info.version.major == 8 && info.version.minor == 13 && info.version.patch == 4)
        let os = try JSONValue.parse(#"{"version":{"number":"2.11.0-SNAPSHOT","distribution":"opensearch"}}"#)
        let osInfo = try #require(ClusterInfo(json: os))
        #expect(osInfo.distribution == .opensearch)
        #expect(osInfo.version.isAtLeast(2, 11))
        #expect(!osInfo.version.isAtLeast(2, 12))
        #expect(osInfo.version.string == "2.11.0-SNAPSHOT")
    }

    @Test func retryDelaysAreJitteredAndCapped() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(5))
        for retry in 1...12 {
            for _ in 0..<50 {
                let delay = policy.delay(beforeRetry: retry)
                let ceiling = min(5000, 100 * (1 << (retry - 1)))
                #expect(delay >= .zero && delay <= .milliseconds(ceiling))
            }
        }
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(2)) >= .seconds(2))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(3600)) <= .seconds(30))
    }
}
