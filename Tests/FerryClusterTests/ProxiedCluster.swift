import FerryCore
import FerryTestSupport
import Foundation

@testable import FerryCluster

/// An osmem clone with a `FaultProxy` in front: tests inject faults into `proxy`, talk through
/// it with `client(...)`, and check the real effect with `direct`, which bypasses the proxy.
struct ProxiedCluster {
    let clone: OsmemClone
    let proxy: FaultProxy
    let direct: ClusterClient

    static let fast = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))

    /// A client through the proxy whose retry waits are recorded instead of slept, so tests
    /// assert on the delays asked for, not on wall time. Each call makes a fresh connection.
    func client(
        auth: ClusterConfig.Auth = .none, retry: RetryPolicy = fast, requestTimeout: Duration = .seconds(30),
        breaker: CircuitBreaker? = nil
    ) throws -> (ClusterClient, DelayRecorder) {
        let config = try ClusterConfig(
            url: proxy.url, auth: auth, connectTimeout: .seconds(5), requestTimeout: requestTimeout, retry: retry,
            circuitBreaker: breaker)
        return try Self.recording(config)
    }

    static func recording(_ config: ClusterConfig) throws -> (ClusterClient, DelayRecorder) {
        let client = try ClusterClient(config: config)
        let recorder = DelayRecorder()
        client.sleep = { recorder.delays.append($0) }
        return (client, recorder)
    }

    /// Every document of `index` with its `_version`, read directly from osmem.
    func versions(in index: String) throws -> [String: Int64] {
        try direct.refresh(index)
        var out: [String: Int64] = [:]
        try direct.scrollAll(index: index, body: ["sort": ["_doc"], "version": true], size: 500) { page in
            for hit in page.hits { out[hit.id] = hit.version }
        }
        return out
    }
}

/// The retry waits a client asked for.
final class DelayRecorder {
    var delays: [Duration] = []
}

/// Runs `body` against a fresh osmem clone behind a fresh fault proxy; both are torn down after.
func withProxiedCluster(seed: UInt64 = 0x5EED, _ body: (ProxiedCluster) throws -> Void) throws {
    let clone = try OsmemServer.shared().clone()
    defer { clone.close() }
    let proxy = try FaultProxy(upstream: clone.url, seed: seed)
    defer { proxy.stop() }
    let direct = try ClusterClient(config: clone.config())
    try body(ProxiedCluster(clone: clone, proxy: proxy, direct: direct))
}

/// `count` small documents "d0", "d1", ... for `index`.
func smallDocuments(_ count: Int, index: String, padding: Int = 0, options: BulkItemOptions = .init())
    -> BulkRequestBuilder
{
    var builder = BulkRequestBuilder()
    for i in 0..<count {
        let source: JSONValue = ["n": .int(Int64(i)), "pad": .string(String(repeating: "x", count: padding))]
        builder.append(.index, index: index, id: "d\(i)", source: source, options: options)
    }
    return builder
}
