import FerryCluster
import FerryCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A running osmem-server (in-memory OpenSearch-compatible cluster) on a loopback port.
/// Tests take an isolated copy-on-write `clone()` each, so one server serves a whole test run.
///
/// The server exits by itself when we do: it watches its stdin (a pipe we hold open) and our pid.
public final class OsmemServer: @unchecked Sendable {
    public let url: String
    public let pid: Int32
    public let version: String
    private let process: Process
    private let stdinPipe: Pipe
    private let lock = NSLock()
    private var stopped = false

    /// Starts a new server. Prefer `shared()` in tests.
    public init(timeout: Duration = .seconds(30)) throws {
        let binary = try Self.locateBinary()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--addr", "127.0.0.1:0", "--parent-pid", String(ProcessInfo.processInfo.processIdentifier),
        ]
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw FerryError("cannot start osmem-server at \(binary): \(error)")
        }
        self.process = process
        self.stdinPipe = stdin
        self.pid = process.processIdentifier

        let line: String
        do {
            line = try Self.readLine(from: stdout.fileHandleForReading.fileDescriptor, timeout: timeout)
        } catch {
            process.terminate()
            throw error
        }
        guard let json = try? JSONValue.parse(line), let url = json["url"]?.stringValue else {
            process.terminate()
            throw FerryError("osmem-server printed an unexpected ready line: \(line)")
        }
        guard Self.isLoopback(url) else {
            process.terminate()
            throw FerryError("osmem-server is not on a loopback address: \(url)")
        }
        self.url = url
        self.version = json["version"]?.stringValue ?? "?"
    }

    deinit {
        stop()
    }

    /// Terminates the server and waits for it to exit. Idempotent.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        try? stdinPipe.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// An isolated copy-on-write cluster for one test; `close()` (or deinit) deletes it.
    public func clone() throws -> OsmemClone {
        let client = try ClusterClient(config: ClusterConfig(url: url, retry: .none))
        let json = try client.request(.POST, RequestPath(["_osmem", "clones"])).json()
        guard let id = json["id"]?.stringValue, let cloneURL = json["url"]?.stringValue, Self.isLoopback(cloneURL)
        else {
            throw FerryError("unexpected response from POST /_osmem/clones: \(json.serialized())")
        }
        return OsmemClone(id: id, url: cloneURL, serverURL: url)
    }

    // MARK: Shared instance

    private static let sharedLock = NSLock()
    nonisolated(unsafe) private static var sharedResult: Result<OsmemServer, any Error>?

    /// One server for the whole process, started on first use. A failure to start is
    /// remembered, so every test reports it without trying again.
    public static func shared() throws -> OsmemServer {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let sharedResult { return try sharedResult.get() }
        let result = Result { try OsmemServer() }
        sharedResult = result
        return try result.get()
    }

    // MARK: Helpers

    /// OSMEM_SERVER_BIN, else the binary bundled with the `osmem_server` Python package.
    static func locateBinary() throws -> String {
        let notFound = FerryError(
            "osmem-server not found: pip install osmem-server",
            hint: "or set OSMEM_SERVER_BIN to the osmem-server binary")
        if let path = ProcessInfo.processInfo.environment["OSMEM_SERVER_BIN"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else { throw notFound }
            return path
        }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import osmem_server; print(osmem_server.resolve_binary())"]
        let out = Pipe()
        python.standardOutput = out
        python.standardError = FileHandle.nullDevice
        do { try python.run() } catch { throw notFound }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard python.terminationStatus == 0, !path.isEmpty, FileManager.default.isExecutableFile(atPath: path) else {
            throw notFound
        }
        return path
    }

    /// Reads the first line from `fd`, waiting on the pipe with poll(2) up to `timeout`.
    static func readLine(from fd: Int32, timeout: Duration) throws -> String {
        let deadline = ContinuousClock.now + timeout
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = deadline - ContinuousClock.now
            let remainingMs = Int32(clamping: Int64(remaining.components.seconds * 1000)
                + remaining.components.attoseconds / 1_000_000_000_000_000)
            guard remainingMs > 0 else {
                throw FerryError("osmem-server did not report ready within \(timeout)")
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, remainingMs)
            if ready < 0 {
                if errno == EINTR { continue }
                throw FerryError("waiting for osmem-server: poll failed (errno \(errno))")
            }
            if ready == 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FerryError("reading osmem-server output failed (errno \(errno))")
            }
            if n == 0 {
                throw FerryError("osmem-server exited before reporting ready")
            }
            if let newline = chunk[..<n].firstIndex(of: UInt8(ascii: "\n")) {
                line.append(contentsOf: chunk[..<newline])
                return String(decoding: line, as: UTF8.self)
            }
            line.append(contentsOf: chunk[..<n])
        }
    }

    static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host else { return false }
        return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
    }
}

/// An isolated clone of the shared server, for one test.
public final class OsmemClone: @unchecked Sendable {
    public let id: String
    public let url: String
    private let serverURL: String
    private let lock = NSLock()
    private var closed = false

    init(id: String, url: String, serverURL: String) {
        self.id = id
        self.url = url
        self.serverURL = serverURL
    }

    deinit {
        close()
    }

    /// A config for this clone with a small, fast retry policy by default.
    public func config(retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10))) throws
        -> ClusterConfig
    {
        try ClusterConfig(url: url, connectTimeout: .seconds(5), requestTimeout: .seconds(60), retry: retry)
    }

    public func client() throws -> ClusterClient {
        try ClusterClient(config: config())
    }

    /// Deletes the clone. Idempotent; errors are ignored (the server may already be gone).
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        guard let config = try? ClusterConfig(url: serverURL, retry: .none),
            let client = try? ClusterClient(config: config)
        else { return }
        _ = try? client.request(.DELETE, RequestPath(["_osmem", "clones", id])) { _ in true }
    }
}

/// A loopback TCP port with nothing listening on it (bound to port 0, then closed).
public func unusedLoopbackPort() throws -> Int {
    #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
    #else
        let stream = SOCK_STREAM
    #endif
    let fd = socket(AF_INET, stream, 0)
    guard fd >= 0 else { throw FerryError("socket() failed (errno \(errno))") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw FerryError("bind() failed (errno \(errno))") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw FerryError("getsockname() failed (errno \(errno))") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
