import FerryCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tiny scripted HTTP/1.1 server on a loopback port, for what a real cluster will not do on
/// demand: answer 503 or 429, send `Retry-After`, or show which headers a client sent.
/// Answers queued responses in order, then `fallback`; records every request.
public final class StubHTTPServer: @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String

        public init(status: Int, headers: [String: String] = [:], body: String = "{}") {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    public struct Request: Sendable {
        public let method: String
        /// Path and query as sent.
        public let target: String
        /// Header names lowercased.
        public let headers: [String: String]
        public let body: [UInt8]
    }

    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    private let listener: Int32
    private let lock = NSLock()
    private var queued: [Response]
    private let fallback: Response
    private var recorded: [Request] = []
    private var connections: Set<Int32> = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    public init(responses: [Response] = [], fallback: Response = Response(status: 200)) throws {
        queued = responses
        self.fallback = fallback
        #if canImport(Glibc)
            let stream = Int32(SOCK_STREAM.rawValue)
        #else
            let stream = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, stream, 0)
        guard fd >= 0 else { throw FerryError("socket() failed (errno \(errno))") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 && listen(fd, 16) == 0
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok, named else {
            close(fd)
            throw FerryError("cannot listen on a loopback port (errno \(errno))")
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "stub-http-\(port)"
        thread.start()
    }

    deinit {
        stop()
    }

    /// Requests received so far, in order.
    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// Closes the listener and open connections and waits for the server thread to end.
    public func stop() {
        lock.lock()
        if stopped {
            lock.unlock()
            return
        }
        stopped = true
        // shutdown() wakes the blocking accept()/recv() calls; the thread closes the fds.
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        lock.unlock()
        finished.wait()
    }

    private func acceptLoop() {
        defer {
            close(listener)
            finished.signal()
        }
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            lock.lock()
            let isStopped = stopped
            if !isStopped { connections.insert(fd) }
            lock.unlock()
            if isStopped {
                close(fd)
                return
            }
            serve(fd)
            lock.lock()
            connections.remove(fd)
            lock.unlock()
            close(fd)
        }
    }

    /// Serves keep-alive requests on one connection until the client closes it.
    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        while let request = readRequest(fd, buffer: &buffer) {
            lock.lock()
            recorded.append(request)
            let response = queued.isEmpty ? fallback : queued.removeFirst()
            lock.unlock()
            var head = "HTTP/1.1 \(response.status) Stub\r\nContent-Type: application/json\r\n"
            for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
            let body = request.method == "HEAD" ? [] : Array(response.body.utf8)
            head += "Content-Length: \(response.body.utf8.count)\r\n\r\n"
            guard writeAll(fd, Array(head.utf8) + body) else { return }
        }
    }

    private func readRequest(_ fd: Int32, buffer: inout [UInt8]) -> Request? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while true {
            if let end = Self.find(separator, in: buffer) {
                headEnd = end
                break
            }
            guard readMore(fd, into: &buffer) else { return nil }
        }
        guard let headEnd else { return nil }
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headEnd + separator.count
        while buffer.count < bodyStart + length {
            guard readMore(fd, into: &buffer) else { return nil }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private func readMore(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[..<n])
            return true
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        #if canImport(Glibc)
            let flags = Int32(MSG_NOSIGNAL)  // a client that hung up must not kill the test run
        #else
            let flags: Int32 = 0
        #endif
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, flags) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
