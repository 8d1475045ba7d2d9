import FerryCore
import FerryTestSupport
import Testing

@testable import FerryCluster

/// Error answers of each distribution, in the shapes their docs show, presented by the proxy:
/// each must become a message that names the status, the cluster's error type and reason,
/// with a hint that says what to do.
@Suite struct ErrorShapeTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let status: Int
        let body: String
        let message: String
        let hint: String?
        var description: String { name }
    }

    static let cases: [Case] = [
        .init(name: "Elasticsearch 8, no credentials", status: 401, body: RecordedAnswers.elasticsearchUnauthenticated,
              message: "PUT /x → HTTP 401 security_exception: missing authentication credentials for REST request [/]",
              hint: "the cluster rejected the credentials"),
        .init(name: "Elasticsearch 8, no privilege", status: 403, body: RecordedAnswers.elasticsearchForbidden,
              message: "PUT /x → HTTP 403 security_exception: action [indices:admin/create] is unauthorized for user [ferry]",
              hint: "the credentials lack a privilege for PUT /x"),
        .init(name: "OpenSearch security plugin, no credentials", status: 401, body: RecordedAnswers.openSearchUnauthenticated,
              message: "PUT /x → HTTP 401: Unauthorized", hint: "the cluster rejected the credentials"),
        .init(name: "OpenSearch security plugin, no permission", status: 403, body: RecordedAnswers.openSearchForbidden,
              message: "PUT /x → HTTP 403 security_exception: no permissions for [indices:admin/create] and User [name=ferry",
              hint: "the credentials lack a privilege"),
        .init(name: "Amazon OpenSearch Service, bad signature", status: 403, body: RecordedAnswers.awsSignatureMismatch,
              message: "PUT /x → HTTP 403: The request signature we calculated does not match the signature you provided.",
              hint: "with --aws-sigv4: the IAM policy, the region and the service"),
        .init(name: "Elasticsearch 7 / OpenSearch, no such endpoint", status: 400,
              body: RecordedAnswers.noHandler("PUT", "/x"), message: "PUT /x → HTTP 400: no handler found for uri [/x] and method [PUT]",
              hint: nil),
        .init(name: "Elasticsearch 8, expired point in time", status: 404, body: RecordedAnswers.elasticsearchContextMissing,
              message: "PUT /x → HTTP 404 search_context_missing_exception: No search context found for id [91]",
              hint: "the scroll context expired"),
    ]

    @Test("error answers become messages that name the cause", arguments: cases)
    func errorShape(_ c: Case) throws {
        try withProxiedCluster { cluster in
            let contentType = c.body.hasPrefix("{") ? "application/json" : "text/plain"
            cluster.proxy.addRule(FaultRule(
                .respond(status: c.status, headers: ["Content-Type": contentType], body: c.body), path: .exact("/x")))
            let (client, _) = try cluster.client()
            let error = #expect(throws: ClusterError.self) { try client.createIndex("x") }
            #expect(error?.status == c.status)
            #expect(error?.description.hasPrefix(c.message) == true, "\(String(describing: error))")
            if let hint = c.hint {
                #expect(error?.hint?.contains(hint) == true, "\(String(describing: error?.hint))")
            }
            #expect(try !cluster.direct.indexExists("x"))
        }
    }

    @Test func missingEndpointIsRecognisedOnlyForNoHandlerAnswers() {
        func error(_ status: Int, _ body: String) -> ClusterError {
            Array(body.utf8).withUnsafeBytes {
                ClusterError.fromResponse(method: .PUT, path: "/x/_block/write", endpoint: "h", status: status, body: $0, attempts: 1)
            }
        }
        #expect(ClusterClient.isMissingEndpoint(error(400, RecordedAnswers.noHandler("PUT", "/x/_block/write"))))
        #expect(ClusterClient.isMissingEndpoint(error(405, #"{"error":"Incorrect HTTP method for uri [/x/_block/write] and method [PUT], allowed: [GET]","status":405}"#)))
        #expect(!ClusterClient.isMissingEndpoint(error(404, #"{"error":{"type":"index_not_found_exception","reason":"no such index [x]"},"status":404}"#)))
        #expect(!ClusterClient.isMissingEndpoint(error(403, RecordedAnswers.elasticsearchForbidden)))
    }
}
