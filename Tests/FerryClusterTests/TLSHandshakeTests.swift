import FerryCore
import FerryTestSupport
import Foundation
import Testing

@testable import FerryCluster

/// A server that demands a client certificate in the TLS handshake (as Elasticsearch and
/// OpenSearch do with client authentication required): `openssl s_server -Verify 1`.
@Suite struct TLSHandshakeTests {
    @Test("without a client certificate the handshake fails with a TLS alert: named, hinted, not retried")
    func clientCertificateRequiredInTheHandshake() throws {
        let folder = NSTemporaryDirectory() + "ferry-handshake-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let certs = try TestCertificates.generate(in: folder)
        let server = try HandshakeClientCertServer(certificates: certs)
        defer { server.stop() }
        let retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))

        let anonymous = try ClusterClient(config: ClusterConfig(
            url: server.url, tls: .init(caFile: certs.caFile), connectTimeout: .seconds(5), retry: retry,
            circuitBreaker: nil))
        let error = #expect(throws: ClusterError.self) { try anonymous.request(.GET, "/") }
        #expect(error?.isTLSFailure == true, "\(String(describing: error)) / server log: \(server.log)")
        #expect(error?.description.contains("certificate required") == true, "\(String(describing: error))")
        #expect(error?.attempts == 1, "a TLS alert is not retried")
        #expect(error?.hint?.contains("--client-cert") == true)

        let withCertificate = try ClusterClient(config: ClusterConfig(
            url: server.url,
            tls: .init(caFile: certs.caFile, clientCertificate: certs.clientCertificate, clientKey: certs.clientKey),
            connectTimeout: .seconds(5), retry: retry, circuitBreaker: nil))
        #expect(try withCertificate.request(.GET, "/").status == 200)
    }
}
