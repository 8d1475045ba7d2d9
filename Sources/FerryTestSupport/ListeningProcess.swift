import FerryCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Waits until a server process accepts TCP connections on every one of `ports` (loopback),
/// polling with a deadline; fails at once, with `log()`, if the process exits first.
func waitUntilListening(_ process: Process, name: String, ports: [Int], timeout: Duration, log: () -> String) throws {
    let deadline = ContinuousClock.now + timeout
    var pending = Set(ports)
    while !pending.isEmpty {
        guard process.isRunning else {
            throw FerryError("\(name) exited at start (status \(process.terminationStatus)): \(log())")
        }
        guard ContinuousClock.now < deadline else {
            throw FerryError("\(name) did not listen on \(pending.sorted()) within \(timeout): \(log())")
        }
        for port in pending {
            guard let fd = try? ProxySocket.connectLoopback(host: "127.0.0.1", port: port) else { continue }
            close(fd)
            pending.remove(port)
        }
        if !pending.isEmpty { usleep(20_000) }  // polling a condition with a deadline, not a guess
    }
}

/// `openssl s_server` on a loopback port that requires a client certificate in the handshake
/// itself, as Elasticsearch and OpenSearch do with client authentication required (nginx
/// instead completes the handshake and answers 400). Stopped by `stop()` or deinit.
public final class HandshakeClientCertServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let folder: String
    private let lock = NSLock()
    private var stopped = false

    public init(certificates: TestCertificates, timeout: Duration = .seconds(20)) throws {
        guard let openssl = findExecutable("openssl") else {
            throw FerryError("openssl not found: the TLS tests need it; run scripts/setup.sh --deps")
        }
        folder = NSTemporaryDirectory() + "ferry-s-server-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        port = try unusedLoopbackPort()
        FileManager.default.createFile(atPath: "\(folder)/log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/log"))
        process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificates.serverCertificate,
            "-key", certificates.serverKey, "-CAfile", certificates.caFile, "-Verify", "1", "-verify_return_error",
            "-www",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        do {
            try waitUntilListening(process, name: "openssl s_server", ports: [port], timeout: timeout) { self.log }
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    public var url: String { "https://127.0.0.1:\(port)" }

    public var log: String { (try? String(contentsOfFile: "\(folder)/log", encoding: .utf8)) ?? "" }

    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        // SIGKILL: s_server keeps the signal mask it inherits, and a test runner's threads may
        // block SIGTERM; it holds nothing that needs a clean exit.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
