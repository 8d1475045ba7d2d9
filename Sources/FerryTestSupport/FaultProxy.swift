import FerryCore
import Foundation

/// An HTTP/1.1 reverse proxy on a loopback port in front of a real cluster (an osmem clone),
/// injecting the faults a production cluster and the network in between produce: 429/503/413
/// answers, per-item bulk rejections, connection resets before or after the cluster applied a
/// request, stalls past the client's timeout, rejected credentials, incomplete search results.
/// Without rules it is a transparent relay, so every effect a test asserts can be checked in
/// the real cluster behind it.
///
/// Rules are evaluated in the order added; the first that matches and fires decides. They
/// can be changed while requests flow. `stop()` (or deinit) closes every socket, wakes stalled
/// requests and joins every thread.
///
///     let proxy = try FaultProxy(upstream: clone.url)
///     proxy.addRule(FaultRule(.serviceUnavailable, path: .bulk, trigger: .times(2)))
///     let client = try ClusterClient(config: ClusterConfig(url: proxy.url))
public final class FaultProxy: Sendable {
    private let core: ProxyCore

    /// `upstream`: base URL of the real server on 127.0.0.1 (a path prefix is kept). `seed`
    /// drives every probability rule, so a failing run can be replayed.
    /// `captureRequests` keeps every request whole (`captured`), for signature checks.
    public init(upstream: String, seed: UInt64 = 0x5EED, captureRequests: Bool = false) throws {
        core = try ProxyCore(upstream: upstream, seed: seed, captures: captureRequests)
        core.start()
    }

    deinit {
        core.stop()
    }

    /// "http://127.0.0.1:<port>"
    public var url: String { "http://127.0.0.1:\(core.port)" }
    public var port: Int { core.port }

    @discardableResult
    public func addRule(_ rule: FaultRule) -> FaultRuleID {
        core.addRule(rule)
    }

    public func removeRule(_ id: FaultRuleID) {
        core.removeRule(id)
    }

    /// Removes every rule: the proxy relays transparently again. Records and counters stay.
    public func clearRules() {
        core.clearRules()
    }

    /// Every request received, in arrival order.
    public var requests: [ProxiedRequest] { core.snapshot { $0.records } }

    /// Every request whole, when made with `captureRequests`; recorded before it is answered.
    public var captured: [CapturedRequest] { core.snapshot { $0.captured } }

    /// The requests whose path matches `path`.
    public func requests(matching path: PathMatch) -> [ProxiedRequest] {
        requests.filter { path.matches($0.path) }
    }

    /// Waits until at least `count` requests have been recorded, or `timeout` passes (then
    /// false): for a test that sends a request from another thread and must know it arrived.
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) -> Bool {
        core.waitForRequests(count, timeout: timeout)
    }

    /// Faults injected so far, of every kind.
    public var faultsInjected: Int { core.snapshot { $0.faultCounts.values.reduce(0, +) } }

    public func faultCount(_ kind: FaultKind) -> Int { core.snapshot { $0.faultCounts[kind] ?? 0 } }

    /// How many times a rule fired (also after it was removed).
    public func injections(of rule: FaultRuleID) -> Int { core.snapshot { $0.firedByRule[rule.value] ?? 0 } }

    /// Bulk items answered with a synthetic 429 so far.
    public var rejectedBulkItems: Int { core.snapshot { $0.records.reduce(0) { $0 + $1.rejectedItems } } }

    /// Closes the listener and all connections, interrupts stalls and waits for every proxy
    /// thread to end. Idempotent.
    public func stop() {
        core.stop()
    }
}
