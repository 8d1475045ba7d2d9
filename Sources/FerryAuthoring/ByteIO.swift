import Foundation
import FerryCore

/// A buffered writer on a file descriptor: the engine's output bytes are copied once, into
/// this buffer, and leave in large `write(2)` calls.
final class OutputBuffer {
    private let fd: Int32
    private let capacity: Int
    private let buffer: UnsafeMutableRawPointer
    private var count = 0
    private(set) var written = 0

    init(fd: Int32, capacity: Int = 1 << 20) {
        self.fd = fd
        self.capacity = max(capacity, 1)
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { try flush() }
        if bytes.count > capacity {
            try writeAll(base, bytes.count)
            return
        }
        (buffer + count).copyMemory(from: base, byteCount: bytes.count)
        count += bytes.count
    }

    func append(byte: UInt8) throws {
        if count == capacity { try flush() }
        buffer.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    func flush() throws {
        if count > 0 { try writeAll(buffer, count) }
        count = 0
    }

    /// Writes `bytes` after what is buffered, without copying them into the buffer: for
    /// callers that already hold large runs of output.
    func writeThrough(_ bytes: UnsafeRawBufferPointer) throws {
        try flush()
        if let base = bytes.baseAddress, !bytes.isEmpty { try writeAll(base, bytes.count) }
    }

    private func writeAll(_ pointer: UnsafeRawPointer, _ length: Int) throws {
        var done = 0
        while done < length {
            let n = write(fd, pointer + done, length - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FerryError("cannot write the output: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        written += length
    }
}

/// Reads a file descriptor line by line into one reusable buffer (grown only for a line
/// longer than any before), handing out each line without copying it.
struct LineReader {
    let fd: Int32
    var chunk = 1 << 20

    /// Calls `body(line, lineNumber)` for every line (without its "\n" or "\r\n"), the last
    /// one even without a final newline.
    func forEachLine(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        var capacity = chunk
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        var eof = false
        while !eof {
            if filled == capacity {   // one line fills the buffer: make room for more of it
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buffer, byteCount: filled)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = read(fd, buffer + filled, capacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw FerryError("cannot read the input: \(String(cString: strerror(errno)))")
            }
            if n == 0 { eof = true }
            let scanFrom = filled
            filled += n
            var start = 0
            var cursor = scanFrom
            while cursor < filled, let hit = memchr(buffer + cursor, 0x0A, filled - cursor) {
                let end = buffer.distance(to: hit)
                lineNumber += 1
                try body(Self.trimmed(buffer, start, end), lineNumber)
                start = end + 1
                cursor = start
            }
            if eof, start < filled {
                lineNumber += 1
                try body(Self.trimmed(buffer, start, filled), lineNumber)
                start = filled
            }
            if start > 0 {
                (buffer).copyMemory(from: buffer + start, byteCount: filled - start)
                filled -= start
            }
        }
    }

    private static func trimmed(_ buffer: UnsafeMutableRawPointer, _ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        var end = end
        if end > start, buffer.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { end -= 1 }
        return UnsafeRawBufferPointer(start: buffer + start, count: end - start)
    }
}
