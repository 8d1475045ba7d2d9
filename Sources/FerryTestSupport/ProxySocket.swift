import FerryCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin POSIX socket helpers for the fault proxy: loopback only, blocking I/O, one thread per
/// connection. Blocking calls are woken by `shutdown(2)` from `FaultProxy.stop()`.
enum ProxySocket {
    #if canImport(Glibc)
        static let stream = Int32(SOCK_STREAM.rawValue)
        /// A peer that hung up must not kill the test process with SIGPIPE.
        static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
        static let stream = SOCK_STREAM
        static let sendFlags: Int32 = 0
    #endif

    /// Listens on 127.0.0.1 with a kernel-chosen port; returns the fd and the port.
    static func listenOnLoopback() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, stream, 0)
        guard fd >= 0 else { throw FerryError("socket() failed (errno \(errno))") }
        noSigPipe(fd)
        var addr = loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 && listen(fd, 64) == 0
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard bound, named else {
            let code = errno
            close(fd)
            throw FerryError("cannot listen on a loopback port (errno \(code))")
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Connects to a loopback host and port. Only loopback: the proxy never talks to the network.
    static func connectLoopback(host: String, port: Int) throws -> Int32 {
        guard host == "127.0.0.1" || host == "localhost" else {
            throw FerryError("fault proxy upstream must be on 127.0.0.1, not \(host)")
        }
        let fd = socket(AF_INET, stream, 0)
        guard fd >= 0 else { throw FerryError("socket() failed (errno \(errno))") }
        noSigPipe(fd)
        var addr = loopback(port: port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw FerryError("cannot connect to upstream 127.0.0.1:\(port) (errno \(code))")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Makes the next `close` send a TCP RST instead of a FIN: the client sees
    /// "connection reset by peer", as when a node or load balancer drops it.
    static func arrangeReset(_ fd: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, sendFlags) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// True when an idle keep-alive connection was closed by the peer (readable with EOF or
    /// an error), so it must not be reused.
    static func isClosedByPeer(_ fd: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return n <= 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    private static func noSigPipe(_ fd: Int32) {
        #if canImport(Darwin)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }
}

/// Buffered reads from one socket; HTTP parsing pulls bytes through it.
struct SocketReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    /// Where unread data starts in `buffer` (compacted lazily).
    private var start = 0

    init(fd: Int32) {
        self.fd = fd
    }

    private var available: ArraySlice<UInt8> { buffer[start...] }

    /// Reads more bytes; false on EOF or error (including a shutdown from `stop()`).
    private mutating func fill() -> Bool {
        if start > 65536 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[..<n])
            return true
        }
    }

    private mutating func consume(_ count: Int) -> [UInt8] {
        let bytes = Array(buffer[start..<(start + count)])
        start += count
        return bytes
    }

    /// One line without its CRLF (or bare LF), or nil at EOF.
    mutating func line() -> String? {
        while true {
            if let lf = available.firstIndex(of: 0x0A) {
                var bytes = consume(lf - start + 1).dropLast()
                if bytes.last == 0x0D { bytes = bytes.dropLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
            guard fill() else { return nil }
        }
    }

    /// Exactly `count` bytes, or nil at EOF.
    mutating func bytes(_ count: Int) -> [UInt8]? {
        while buffer.count - start < count {
            guard fill() else { return nil }
        }
        return consume(count)
    }

    /// Everything until the peer closes (a response without length or chunking).
    mutating func rest() -> [UInt8] {
        while fill() {}
        return consume(buffer.count - start)
    }
}
