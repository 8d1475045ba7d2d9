// Whole-line runs of an input: each turn hands out the next ~256 KiB ending at a line end,
// straight from read(2) into the caller's buffer (one worker's, when several take turns).
import Foundation
import FerryCore

/// A growable byte buffer owned by one worker at a time and reused run after run.
final class ReusableBuffer: ByteSink {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Makes room for `extra` more bytes after `count`, keeping what is there.
    func reserve(_ extra: Int) {
        guard capacity - count < extra else { return }
        var bigger = capacity * 2
        while bigger - count < extra { bigger *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 16)
        grown.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = grown
        capacity = bigger
    }

    func append(_ other: UnsafeRawBufferPointer) {
        guard let from = other.baseAddress, !other.isEmpty else { return }
        reserve(other.count)
        (base + count).copyMemory(from: from, byteCount: other.count)
        count += other.count
    }

    func append(byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }
}

/// Cuts a file descriptor into runs of whole lines. Not thread-safe: workers take turns
/// under one lock, and each run lands in the buffer of the worker whose turn it is.
final class LineRunReader {
    private let fd: Int32
    /// Bytes a run aims for; a line longer than that comes whole, in a run of its own size.
    let target: Int
    /// What the last read brought after the last line end: the start of the next run.
    private let carry: ReusableBuffer
    private var eof = false

    init(fd: Int32, target: Int = 256 << 10) {
        self.fd = fd
        self.target = target
        carry = ReusableBuffer(capacity: 4096)
    }

    /// Fills `run` (emptied first) with the next whole lines; false once the input is
    /// exhausted. The last line of the input may lack its "\n".
    func next(into run: ReusableBuffer) throws -> Bool {
        run.count = 0
        run.append(carry.bytes)
        carry.count = 0
        var searched = 0   // the first `searched` bytes of `run` hold no line end
        while !eof {
            if run.count >= target {
                if let end = Self.lastLineEnd(in: run, from: searched) {
                    carry.append(UnsafeRawBufferPointer(rebasing: run.bytes[(end + 1)...]))
                    run.count = end + 1
                    return true
                }
                searched = run.count
            }
            // Up to the target, then a line longer than that in steps of up to 64 KiB.
            let want = max(target - run.count, min(target, 64 << 10))
            run.reserve(want)
            let n = read(fd, run.base + run.count, want)
            if n < 0 {
                if errno == EINTR { continue }
                throw FerryError("cannot read the input: \(String(cString: strerror(errno)))")
            }
            if n == 0 { eof = true }
            run.count += n
        }
        return run.count > 0
    }

    /// Scans back from the end: what follows the last line end is at most one line.
    private static func lastLineEnd(in run: ReusableBuffer, from: Int) -> Int? {
        var at = run.count - 1
        while at >= from {
            if run.base.load(fromByteOffset: at, as: UInt8.self) == 0x0A { return at }
            at -= 1
        }
        return nil
    }

    /// Calls `body` with every line of a run (without its "\n" or "\r\n"), the last one even
    /// without a final newline.
    static func forEachLine(in run: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        guard let base = run.baseAddress else { return }
        var start = 0
        while start < run.count, let hit = memchr(base + start, 0x0A, run.count - start) {
            let end = base.distance(to: UnsafeRawPointer(hit))
            try body(trimmed(run, start, end))
            start = end + 1
        }
        if start < run.count { try body(trimmed(run, start, run.count)) }
    }

    private static func trimmed(_ run: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        var end = end
        if end > start, run[end - 1] == 0x0D { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: run[start..<end])
    }
}
