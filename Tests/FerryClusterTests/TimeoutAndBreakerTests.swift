import FerryCore
import FerryTestSupport
import Foundation
import Synchronization
import Testing

@testable import FerryCluster

/// Stalls past the request timeout, and the circuit breaker, through the fault proxy.
@Suite struct TimeoutAndBreakerTests {
    @Test func aStallPastTheRequestTimeoutIsATimeoutErrorNamingItAndIsRetried() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.stall(.seconds(600)), path: .exact("/")))
            let (client, recorder) = try cluster.client(
                retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1)), requestTimeout: .milliseconds(500))
            let error = try #require(throws: ClusterError.self) { try client.info() }
            #expect(error.kind == .transport)
            #expect(error.attempts == 2)
            #expect(error.transportError == "request timeout of 500ms reached")
            #expect(error.description.contains("request timeout of 500ms reached after 2 attempts"))
            #expect(cluster.proxy.faultCount(.stalled) == 2)
            #expect(recorder.delays.count == 1)
        }
    }

    @Test func aStallThatEndsAtTheDeadlineSaysSoNotThatNothingWasSent() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.stall(.seconds(600)), path: .exact("/")))
            let (client, _) = try cluster.client(retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1)))
            client.deadline = Date().addingTimeInterval(0.5)
            let error = try #require(throws: ClusterError.self) { try client.info() }
            // The request was sent and timed out at the deadline (curl may end a millisecond
            // early, so a last attempt with what was left may follow): that is the cause.
            #expect(cluster.proxy.faultCount(.stalled) == error.attempts && error.attempts >= 1)
            #expect(error.transportError?.hasPrefix("deadline reached (") == true, "\(error)")
            #expect(!error.description.contains("before the request was sent"), "\(error)")
        }
    }

    @Test func aStallOnceIsRetriedAndSucceeds() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.stall(.seconds(600)), path: .exact("/"), trigger: .times(1)))
            // Long enough for the retry to answer on a loaded test machine, far below the stall.
            let (client, recorder) = try cluster.client(requestTimeout: .seconds(3))
            #expect(try client.info().distribution == .opensearch)
            #expect(cluster.proxy.requests.map(\.fault) == [.stalled, nil])
            #expect(recorder.delays.count == 1)
        }
    }

    @Test func stoppingTheProxyCutsAStallShort() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let proxy = try FaultProxy(upstream: clone.url)
        proxy.addRule(FaultRule(.stall(.seconds(600))))
        let done = DispatchSemaphore(value: 0)
        let url = proxy.url
        let outcome = Mutex<String?>(nil)
        Thread {
            let text: String
            do {
                let client = try ClusterClient(config: ClusterConfig(url: url, retry: .none))
                text = "answered \(try client.clusterHealth())"
            } catch {
                text = "\(error)"
            }
            outcome.withLock { $0 = text }
            done.signal()
        }.start()
        #expect(proxy.waitForRequests(1))
        let started = ContinuousClock.now
        proxy.stop()
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(outcome.withLock { $0 }?.hasPrefix("cannot reach") == true)
    }

    @Test func theBreakerOpensAfterConsecutiveFailuresAndThenFailsFast() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.serviceUnavailable))
            let breaker = CircuitBreaker(threshold: 3, coolDown: nil)
            let (client, _) = try cluster.client(retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1)), breaker: breaker)
            for _ in 0..<3 {
                let error = #expect(throws: ClusterError.self) { try client.clusterHealth() }
                #expect(error?.status == 503)
            }
            #expect(breaker.state == .open)
            #expect(cluster.proxy.requests.count == 6)

            let open = try #require(throws: ClusterError.self) { try client.createIndex("after") }
            #expect(open.kind == .circuitOpen)
            #expect(open.consecutiveFailures == 3)
            #expect(open.description.contains("PUT /after not sent"))
            #expect(open.description.contains("3 consecutive failed requests"))
            #expect(open.description.contains("(last: GET /_cluster/health → HTTP 503 after 2 attempts)"))
            #expect(open.hint != nil)
            #expect(cluster.proxy.requests.count == 6)

            // Without a cool-down it stays open even once the cluster is back, until reset.
            cluster.proxy.clearRules()
            #expect(throws: ClusterError.self) { try client.clusterHealth() }
            #expect(cluster.proxy.requests.count == 6)
            breaker.reset()
            try client.createIndex("after")
            #expect(breaker.state == .closed)
            #expect(try cluster.direct.indexExists("after"))
        }
    }

    @Test func transportFailuresCountAndASuccessResetsTheCount() throws {
        try withProxiedCluster { cluster in
            let breaker = CircuitBreaker(threshold: 3, coolDown: nil)
            let (client, _) = try cluster.client(retry: .none, breaker: breaker)
            let resets = cluster.proxy.addRule(FaultRule(.resetBeforeForwarding, path: .exact("/")))
            for _ in 0..<2 { #expect(throws: ClusterError.self) { try client.info() } }
            #expect(breaker.consecutiveFailures == 2)
            #expect(breaker.lastFailure?.hasPrefix("cannot reach") == true)
            // A 404 is an answer: the cluster is up, the count starts over.
            #expect(try !client.indexExists("missing"))
            #expect(breaker.consecutiveFailures == 0)
            for _ in 0..<2 { #expect(throws: ClusterError.self) { try client.info() } }
            #expect(breaker.state == .closed)
            #expect(throws: ClusterError.self) { try client.info() }
            #expect(breaker.state == .open)
            // At least one reset per failed request; libcurl may add a silent resend of its own
            // when a reused keep-alive connection is reset (see docs/faults.md).
            #expect(cluster.proxy.injections(of: resets) >= 5)
        }
    }

    @Test func clientsOfOneConfigShareTheBreaker() throws {
        try withProxiedCluster { cluster in
            cluster.proxy.addRule(FaultRule(.serviceUnavailable))
            let config = try ClusterConfig(
                url: cluster.proxy.url, retry: .none, circuitBreaker: CircuitBreaker(threshold: 2, coolDown: nil))
            let copy = config
            let (first, _) = try ProxiedCluster.recording(config)
            let (second, _) = try ProxiedCluster.recording(copy)
            #expect(throws: ClusterError.self) { try first.info() }
            #expect(throws: ClusterError.self) { try second.info() }
            let error = #expect(throws: ClusterError.self) { try first.info() }
            #expect(error?.kind == .circuitOpen)
            #expect(cluster.proxy.requests.count == 2)
        }
    }

    @Test func afterTheCoolDownOneTrialRequestClosesOrReopensTheBreaker() throws {
        try withProxiedCluster { cluster in
            let clock = ManualClock()
            let breaker = CircuitBreaker(threshold: 2, coolDown: .seconds(30), now: clock.now)
            let (client, _) = try cluster.client(retry: .none, breaker: breaker)
            cluster.proxy.addRule(FaultRule(.serviceUnavailable))
            for _ in 0..<2 { #expect(throws: ClusterError.self) { try client.info() } }
            #expect(breaker.state == .open)

            clock.advance(.seconds(29))
            #expect(throws: ClusterError.self) { try client.info() }
            #expect(cluster.proxy.requests.count == 2)

            // Cool-down over, still failing: the trial fails and the breaker opens again.
            clock.advance(.seconds(1))
            let trial = #expect(throws: ClusterError.self) { try client.info() }
            #expect(trial?.status == 503)
            #expect(cluster.proxy.requests.count == 3)
            #expect(breaker.state == .open)
            #expect(#expect(throws: ClusterError.self) { try client.info() }?.kind == .circuitOpen)

            // Cool-down over and the cluster is back: the trial succeeds and closes it.
            cluster.proxy.clearRules()
            clock.advance(.seconds(30))
            #expect(try client.info().distribution == .opensearch)
            #expect(breaker.state == .closed)
            #expect(breaker.consecutiveFailures == 0)
        }
    }
}

/// A clock tests move by hand, for the breaker's cool-down.
final class ManualClock: Sendable {
    private let offset = Mutex(Duration.zero)
    private let start = ContinuousClock.now

    var now: @Sendable () -> ContinuousClock.Instant {
        { [self] in start + offset.withLock { $0 } }
    }

    func advance(_ by: Duration) {
        offset.withLock { $0 += by }
    }
}
