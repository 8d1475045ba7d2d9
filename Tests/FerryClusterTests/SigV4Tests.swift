import FerryCore
import FerryTestSupport
import Foundation
import Testing

@testable import FerryCluster

/// Ferry's AWS SigV4 signatures, judged by botocore's `SigV4Auth`: a capturing proxy in front
/// of osmem records each request exactly as sent, `scripts/sigv4-reference.py` recomputes the
/// Authorization header for it (same X-Amz-Date, same body, the headers ferry signed), and the
/// two must be equal. Test credentials only.
@Suite struct SigV4Tests {
    static let keyID = "AKIDFERRYTEST"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYFERRYTEST"

    func signer(service: String = "es", token: String? = nil) -> AWSSigV4 {
        AWSSigV4(region: "eu-west-1", service: service, accessKeyID: Self.keyID, secretAccessKey: Self.secret,
                 sessionToken: token)
    }

    @Test func everyKindOfRequestIsSignedAsBotocoreSignsIt() throws {
        try withCapture(signer()) { client, proxy in
            _ = try client.info()
            try client.createIndex("sig-test", body: ["mappings": ["properties": ["title": ["type": "text"]]]])
            var bulk = BulkRequestBuilder()
            bulk.append(.index, index: "sig-test", id: "a/b c?é", source: ["title": "hello world"])
            bulk.append(.index, index: "sig-test", id: "2", source: ["title": "hello there"])
            #expect(try !client.bulk(bulk).errors)
            try client.refresh("sig-test")
            // Query parameters out of order, with ',' '*' ':' and spaces: the cases curl 7.88 signs wrong.
            let search = RequestPath(
                ["sig-test", "_search"],
                query: [("size", "10"), ("scroll", "1m"), ("filter_path", "hits.total,took,_scroll_id"),
                        ("q", "title:hello wor*")])
            let found = try client.request(.GET, search).json()
            #expect(found["hits"]?["total"]?["value"]?.intValue == 2)
            // A path that needs escaping (the document id above).
            #expect(try client.getDocument(index: "sig-test", id: "a/b c?é")?["title"]?.stringValue == "hello world")

            let captured = proxy.captured
            #expect(captured.map(\.method) == ["GET", "PUT", "POST", "POST", "GET", "GET"])
            #expect(captured[4].target.contains("filter_path=hits.total,took,_scroll_id"))
            #expect(captured[5].target.contains("%2Fb%20c%3F%C3%A9"))
            try expectBotocoreAgrees(captured, signer: signer())
            for request in captured {
                #expect(request.header("x-amz-content-sha256") == nil, "service es sends no content hash")
                #expect(request.header("x-amz-security-token") == nil)
            }
        }
    }

    @Test func aSessionTokenIsSentAndSigned() throws {
        let aws = signer(token: "FQoGZXIvYXdzEXAMPLE//token+with/slashes==")
        try withCapture(aws) { client, proxy in
            _ = try client.info()
            try client.createIndex("tok")
            let captured = proxy.captured
            #expect(captured.count == 2)
            for request in captured {
                #expect(request.header("x-amz-security-token") == "FQoGZXIvYXdzEXAMPLE//token+with/slashes==")
                #expect(try signedHeaderNames(request).contains("x-amz-security-token"))
            }
            try expectBotocoreAgrees(captured, signer: aws)
        }
    }

    @Test func serverlessSendsTheContentHash() throws {
        let aws = signer(service: "aoss")
        try withCapture(aws) { client, proxy in
            _ = try client.info()
            var bulk = BulkRequestBuilder()
            bulk.append(.index, index: "aoss-test", id: "1", source: ["n": 1])
            #expect(try !client.bulk(bulk).errors)
            let captured = proxy.captured
            for request in captured {
                let hash = request.body.withUnsafeBytes { AWSSigV4.payloadHash($0) }
                #expect(request.header("x-amz-content-sha256") == hash)
                #expect(try signedHeaderNames(request).contains("x-amz-content-sha256"))
                #expect(request.header("authorization")?.contains("/eu-west-1/aoss/aws4_request") == true)
            }
            try expectBotocoreAgrees(captured, signer: aws)
        }
    }

    /// The canonical forms against AWS's own documented example (SigV4 test suite, "get-vanilla").
    @Test func matchesAWSDocumentedExample() throws {
        let aws = AWSSigV4(
            region: "us-east-1", service: "service", accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: nil)
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
        let headers = [UInt8]().withUnsafeBytes {
            aws.signedHeaders(method: "GET", path: "/", query: "", headers: [("Host", "example.amazonaws.com")], body: $0, now: date)
        }
        #expect(headers.first { $0.name == "x-amz-date" }?.value == "20150830T123600Z")
        #expect(headers.first { $0.name == "Authorization" }?.value
            == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(AWSSigV4.canonicalQuery("q=a%20b*&filter_path=a,b&size=1") == "filter_path=a%2Cb&q=a%20b%2A&size=1")
        #expect(AWSSigV4.canonicalPath("/i/_doc/a%2Fb") == "/i/_doc/a%252Fb")
    }

    @Test func theHostAndPathPrefixSignedAreTheOnesSent() {
        let target = SigningTarget(url: "https://search.example.com:443/es", signer: signer())
        #expect(target.host == "search.example.com" && target.basePath == "/es")
        let plain = SigningTarget(url: "http://127.0.0.1:9200", signer: signer())
        #expect(plain.host == "127.0.0.1:9200" && plain.basePath == "")
        let lines = [UInt8]().withUnsafeBytes {
            target.headerLines(method: .GET, target: "/_search?q=a", baseLines: ["Content-Type: application/json"], body: $0)
        }
        #expect(lines.contains("Host: search.example.com"))
        #expect(lines.contains { $0.hasPrefix("Authorization: AWS4-HMAC-SHA256 Credential=AKIDFERRYTEST/") })
        #expect(lines.contains { $0.hasPrefix("Authorization:") && $0.contains("SignedHeaders=content-type;host;x-amz-date,") })
    }

    // MARK: Helpers

    private func withCapture(_ aws: AWSSigV4, _ body: (ClusterClient, FaultProxy) throws -> Void) throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
        defer { proxy.stop() }
        let config = try ClusterConfig(url: proxy.url, auth: .awsSigV4(aws), retry: .none)
        try body(try ClusterClient(config: config), proxy)
    }

    private func signedHeaderNames(_ request: CapturedRequest) throws -> [String] {
        BotocoreSigV4.signedHeaderNames(request)
    }

    private func expectBotocoreAgrees(_ requests: [CapturedRequest], signer aws: AWSSigV4) throws {
        let reference = try BotocoreSigV4.authorizations(for: requests, signer: aws)
        for (request, expected) in zip(requests, reference) {
            #expect(request.header("authorization") == expected, "\(request)")
        }
    }
}
