import Foundation
import Logging
import Synchronization
import FerryCluster
import FerryCore

/// Another runner holds the alias.
public struct LeaseHeld: UserFacingError {
    public let alias: String
    public let holder: String
    public let expiresInSeconds: Int

    public var description: String {
        "another ferry runner holds the lease on '\(alias)': \(holder) (expires in \(expiresInSeconds) s unless renewed)"
    }

    public var hint: String? {
        "wait for it to finish; a runner that died loses the lease when it expires, and the next `ferry run` takes over"
    }
}

/// One runner per alias: a lease document in the cluster (`ferry-leases/_doc/<alias>`), created
/// with `op_type=create`, renewed with `if_seq_no`/`if_primary_term` by a background thread,
/// taken over only once expired, deleted when the run ends. Expiry is judged by the runners'
/// clocks, so keep them in sync (NTP) and the TTL well above any skew.
public final class Lease: Sendable {
    public static let index = "ferry-leases"

    public let alias: String
    public let holder: String
    public let ttl: Duration
    private let cluster: ClusterConfig
    private let state: Mutex<(seqNo: Int64, primaryTerm: Int64, lost: String?, stopped: Bool)>
    private let wake = NSCondition()
    private let logger = Logger(label: "ferry.lease")

    /// Takes the lease or throws `LeaseHeld`; starts renewing it.
    public static func acquire(alias: String, runID: String, cluster: ClusterConfig, ttl: Duration = .seconds(60)) throws -> Lease {
        let client = try ClusterClient(config: cluster)
        try ensureIndex(client)
        // The nonce tells two processes apart where host and pid collide (containers).
        let nonce = String(UInt32.random(in: .min ... .max), radix: 16)
        let holder = "\(ProcessInfo.processInfo.hostName) pid \(getpid()) run \(runID) #\(nonce)"
        let body = document(holder: holder, runID: runID, ttl: ttl)
        do {
            let created = try client.indexDocument(index: index, id: alias, body: body, refresh: true, operation: .create)
            return Lease(alias: alias, holder: holder, ttl: ttl, cluster: cluster, written: created)
        } catch let error as ClusterError where error.status == 409 {
            guard let current = try client.fetchDocument(index: index, id: alias),
                  let seqNo = current.seqNo, let term = current.primaryTerm
            else { return try acquire(alias: alias, runID: runID, cluster: cluster, ttl: ttl) }
            if current.source["holder"]?.stringValue == holder {
                // Our own create, resent after its answer was lost: the lease is ours.
                return Lease(alias: alias, holder: holder, ttl: ttl, cluster: cluster, seqNo: seqNo, primaryTerm: term)
            }
            let expires = current.source["expires_at_ms"]?.intValue ?? 0
            let remaining = expires - nowMilliseconds()
            if remaining > 0 && !holderIsDeadHere(current.source) {
                throw LeaseHeld(alias: alias, holder: current.source["holder"]?.stringValue ?? "unknown", expiresInSeconds: Int(remaining / 1000) + 1)
            }
            do {
                let taken = try client.indexDocument(index: index, id: alias, body: body, refresh: true, ifSeqNo: seqNo, ifPrimaryTerm: term)
                Logger(label: "ferry.lease").notice("took over the expired lease on \(alias) from \(current.source["holder"]?.stringValue ?? "unknown")")
                return Lease(alias: alias, holder: holder, ttl: ttl, cluster: cluster, written: taken)
            } catch let error as ClusterError where error.status == 409 {
                throw LeaseHeld(alias: alias, holder: "a runner that took it over just now", expiresInSeconds: Int(ttl / .seconds(1)))
            }
        }
    }

    private convenience init(alias: String, holder: String, ttl: Duration, cluster: ClusterConfig, written: DocumentWriteResult) {
        self.init(alias: alias, holder: holder, ttl: ttl, cluster: cluster, seqNo: written.seqNo ?? 0, primaryTerm: written.primaryTerm ?? 1)
    }

    private init(alias: String, holder: String, ttl: Duration, cluster: ClusterConfig, seqNo: Int64, primaryTerm: Int64) {
        self.alias = alias
        self.holder = holder
        self.ttl = ttl
        self.cluster = cluster
        state = Mutex((seqNo, primaryTerm, nil, false))
        let thread = Thread { [self] in renewLoop() }
        thread.name = "ferry-lease"
        thread.start()
    }

    /// Why the lease was lost (renewal refused or impossible), if it was.
    public var lostReason: String? { state.withLock { $0.lost } }

    /// Throws if the lease was lost: the run must not go on (another runner may have it).
    public func check() throws {
        if let reason = lostReason {
            throw FerryError("lost the lease on '\(alias)': \(reason); stopping before changing anything else")
        }
    }

    /// Stops renewing and deletes the lease document (if it is still ours).
    public func release() {
        let (seqNo, term, lost) = state.withLock {
            $0.stopped = true
            return ($0.seqNo, $0.primaryTerm, $0.lost)
        }
        wake.lock()
        wake.broadcast()
        wake.unlock()
        guard lost == nil, let client = try? ClusterClient(config: cluster) else { return }
        _ = try? client.deleteDocument(index: Self.index, id: alias, refresh: true, ifSeqNo: seqNo, ifPrimaryTerm: term)
    }

    private func renewLoop() {
        guard let client = try? ClusterClient(config: cluster) else { return }
        let interval = ttl / 3
        var lastRenewal = ContinuousClock.now
        while true {
            wake.lock()
            _ = wake.wait(until: Date().addingTimeInterval(interval / .seconds(1)))
            wake.unlock()
            let (seqNo, term, stopped) = state.withLock { ($0.seqNo, $0.primaryTerm, $0.stopped) }
            if stopped { return }
            do {
                let runID = holder.components(separatedBy: " run ").last?.components(separatedBy: " #").first ?? ""
                let written = try client.indexDocument(
                    index: Self.index, id: alias, body: Self.document(holder: holder, runID: runID, ttl: ttl),
                    ifSeqNo: seqNo, ifPrimaryTerm: term)
                state.withLock {
                    $0.seqNo = written.seqNo ?? $0.seqNo
                    $0.primaryTerm = written.primaryTerm ?? $0.primaryTerm
                }
                lastRenewal = .now
            } catch let error as ClusterError where error.status == 409 {
                // A renewal resent after its answer was lost also gets 409: the lease is still
                // ours if the document names us.
                if let current = try? client.fetchDocument(index: Self.index, id: alias),
                   current.source["holder"]?.stringValue == holder, let seq = current.seqNo, let term = current.primaryTerm {
                    state.withLock {
                        $0.seqNo = seq
                        $0.primaryTerm = term
                    }
                    lastRenewal = .now
                    continue
                }
                state.withLock { $0.lost = "another runner changed the lease document" }
                logger.error("lost the lease on \(alias): another runner changed it")
                return
            } catch {
                // A failed renewal is retried at the next interval; the lease is lost only
                // when it can no longer be renewed before it expires.
                logger.warning("could not renew the lease on \(alias): \(error)")
                if ContinuousClock.now - lastRenewal >= ttl {
                    state.withLock { $0.lost = "it could not be renewed for \(ttl) (\(error))" }
                    return
                }
            }
        }
    }

    /// A holder on this very host whose process is gone (killed, crashed) cannot renew: its
    /// lease is taken over at once instead of after the TTL. Other hosts' holders need the TTL.
    private static func holderIsDeadHere(_ lease: JSONValue) -> Bool {
        guard lease["host"]?.stringValue == ProcessInfo.processInfo.hostName,
              let pid = lease["pid"]?.intValue, pid > 0, pid != Int64(getpid())
        else { return false }
        return kill(pid_t(pid), 0) != 0 && errno == ESRCH
    }

    private static func document(holder: String, runID: String, ttl: Duration) -> JSONValue {
        let now = nowMilliseconds()
        return [
            "holder": .string(holder), "run_id": .string(runID),
            "host": .string(ProcessInfo.processInfo.hostName), "pid": .int(Int64(getpid())),
            "renewed_at_ms": .int(now), "expires_at_ms": .int(now + Int64(ttl / .milliseconds(1))),
        ]
    }

    private static func ensureIndex(_ client: ClusterClient) throws {
        guard !(try client.indexExists(index)) else { return }
        do {
            try client.createIndex(index, body: ["settings": ["number_of_shards": 1], "mappings": ["dynamic": true]])
        } catch let error as ClusterError where error.hasType("resource_already_exists_exception") {
            // Another runner created it first.
        }
    }

    static func nowMilliseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
