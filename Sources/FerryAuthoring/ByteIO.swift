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
        buffer = .allocate(byteCount: self.capacity, alignment: 16)
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
