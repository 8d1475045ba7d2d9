import FerryCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The proxy's engine: listener, connection threads, rules and records. Separate from
/// `FaultProxy` so the threads retain this object, not the public one, and the public one's
/// deinit can stop everything.
final class ProxyCore: Sendable {
    struct State {
        var rules: [(id: Int, rule: FaultRule, remaining: Int?)] = []
        var nextRuleID = 0
        var firedByRule: [Int: Int] = [:]
        var faultCounts: [FaultKind: Int] = [:]
        var records: [ProxiedRequest] = []
        /// Whole requests, kept only when `captures` (see `CapturedRequest`).
        var captured: [CapturedRequest] = []
        var random: SplitMix64
        /// Open client and upstream sockets, shut down by `stop()` to wake blocked reads.
        var sockets: Set<Int32> = []
        var stopped = false
    }

    let upstreamHost: String
    let upstreamPort: Int
    /// Path prefix of the upstream URL, prepended to every target ("" for none).
    let upstreamBasePath: String
    let port: Int
    let captures: Bool
    private let listener: Int32
    /// Stalls wait on the read end; `stop()` writes a byte, which wakes every waiter at once.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    let state: Mutex<State>
    private let threads = DispatchGroup()
    /// Signalled once per recorded request, for `waitForRequests`.
    private let recorded = DispatchSemaphore(value: 0)

    init(upstream: String, seed: UInt64, captures: Bool = false) throws {
        self.captures = captures
        guard let components = URLComponents(string: upstream), components.scheme == "http",
            let host = components.host, let port = components.port
        else { throw FerryError("fault proxy upstream must be http://127.0.0.1:<port>, not \(upstream)") }
        upstreamHost = host
        upstreamPort = port
        var base = components.percentEncodedPath
        while base.hasSuffix("/") { base.removeLast() }
        upstreamBasePath = base
        let (listener, listenPort) = try ProxySocket.listenOnLoopback()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            close(listener)
            throw FerryError("pipe() failed (errno \(errno))")
        }
        self.listener = listener
        self.port = listenPort
        wakeRead = fds[0]
        wakeWrite = fds[1]
        state = Mutex(State(random: SplitMix64(seed: seed)))
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    func start() {
        threads.enter()
        let thread = Thread { [self] in
            acceptLoop()
            threads.leave()
        }
        thread.name = "fault-proxy-\(port)"
        thread.start()
    }

    func stop() {
        let sockets: Set<Int32>? = state.withLock { state in
            guard !state.stopped else { return nil }
            state.stopped = true
            return state.sockets
        }
        guard let sockets else { return }
        // shutdown(), not close(): it wakes accept()/recv() in the other threads, and the fds
        // stay owned (and closed) by those threads, so no fd number is reused under them.
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        threads.wait()
    }

    func snapshot<T>(_ read: (State) -> T) -> T {
        state.withLock { read($0) }
    }

    // MARK: Rules

    func addRule(_ rule: FaultRule) -> FaultRuleID {
        state.withLock { state in
            state.nextRuleID += 1
            var remaining: Int?
            if case .times(let n) = rule.trigger { remaining = n }
            state.rules.append((state.nextRuleID, rule, remaining))
            return FaultRuleID(value: state.nextRuleID)
        }
    }

    func removeRule(_ id: FaultRuleID) {
        state.withLock { $0.rules.removeAll { $0.id == id.value } }
    }

    func clearRules() {
        state.withLock { $0.rules.removeAll() }
    }

    /// The first rule that matches `request` and fires, consuming a `.times` count or a random
    /// draw. An authorized request passes its `requireAuthorization` rule without firing it.
    func decide(_ request: HTTPRequestMessage) -> FaultAction? {
        state.withLock { state in
            for i in state.rules.indices where state.rules[i].rule.matches(request) {
                let rule = state.rules[i].rule
                if case .requireAuthorization(let expected) = rule.action,
                    request.headers["authorization"] == expected
                {
                    continue
                }
                switch rule.trigger {
                case .always:
                    break
                case .times:
                    guard let left = state.rules[i].remaining, left > 0 else { continue }
                    state.rules[i].remaining = left - 1
                case .probability(let p):
                    guard Double.random(in: 0..<1, using: &state.random) < p else { continue }
                }
                state.firedByRule[state.rules[i].id, default: 0] += 1
                return rule.action
            }
            return nil
        }
    }

    /// Positions of `body`'s items that `selection` rejects, drawing from the seeded generator.
    func select(_ selection: BulkItemSelection, in body: BulkBody) -> [Int] {
        switch selection {
        case .all:
            return Array(body.items.indices)
        case .positions(let positions):
            return body.items.indices.filter(positions.contains)
        case .ids(let ids):
            return body.items.indices.filter { body.items[$0].id.map(ids.contains) ?? false }
        case .random(let p):
            return state.withLock { state in
                body.items.indices.filter { _ in Double.random(in: 0..<1, using: &state.random) < p }
            }
        }
    }

    func record(_ request: ProxiedRequest) {
        state.withLock { state in
            state.records.append(request)
            if let fault = request.fault { state.faultCounts[fault, default: 0] += 1 }
        }
        recorded.signal()
    }

    /// Waits until `count` requests are recorded; false if `timeout` passes first.
    func waitForRequests(_ count: Int, timeout: Duration) -> Bool {
        let deadline = DispatchTime.now() + .milliseconds(Int(timeout.components.seconds * 1000))
        while snapshot({ $0.records.count }) < count {
            guard recorded.wait(timeout: deadline) == .success else { return snapshot { $0.records.count } >= count }
        }
        return true
    }

    // MARK: Sockets

    /// Registers an open socket so `stop()` can wake it; once stopped, closes it and says no.
    func register(_ fd: Int32) -> Bool {
        let accepted = state.withLock { state in
            guard !state.stopped else { return false }
            state.sockets.insert(fd)
            return true
        }
        if !accepted { close(fd) }
        return accepted
    }

    /// Unregisters and closes a socket; `reset` sends a TCP RST instead of a FIN.
    func release(_ fd: Int32, reset: Bool = false) {
        state.withLock { _ = $0.sockets.remove(fd) }
        if reset { ProxySocket.arrangeReset(fd) }
        close(fd)
    }

    /// Waits `duration` or until `stop()`; false when stopped.
    func pause(_ duration: Duration) -> Bool {
        let deadline = ContinuousClock.now + duration
        while true {
            let left = deadline - ContinuousClock.now
            let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            guard ms > 0 else { return true }
            var pfd = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, Int32(clamping: ms))
            if rc > 0 { return false }
            if rc < 0, errno != EINTR { return false }
        }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            guard register(fd) else { return }
            threads.enter()
            let thread = Thread { [self] in
                serve(client: fd)
                threads.leave()
            }
            thread.name = "fault-proxy-connection"
            thread.start()
        }
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same faults.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
