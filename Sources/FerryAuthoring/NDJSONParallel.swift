// `ferry transform --workers N`: a reader thread cuts the input into batches of lines, one
// thread per Lua state transforms them, and the calling thread writes the results in input
// order. At most `window` batches are in flight, so memory stays bounded however far ahead
// the reader or one slow worker gets.
import Foundation
import FerryCore

/// Lines in input order: their bytes back to back and where each one ends.
struct LineBatch: Sendable {
    let sequence: Int
    let firstLine: Int
    var bytes: [UInt8] = []
    var ends: [Int] = []

    static let maxLines = 512
    static let maxBytes = 512 << 10

    var isFull: Bool { ends.count >= Self.maxLines || bytes.count >= Self.maxBytes }
}

/// What a worker made of a batch.
struct BatchResult: Sendable {
    let sequence: Int
    var output: [UInt8] = []
    var failures: [NDJSONFailure] = []
    var stats = NDJSONStats()
}

/// A batch's output buffer.
final class ChunkBuffer: ByteSink {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    func append(_ other: UnsafeRawBufferPointer) { bytes.append(contentsOf: other) }
    func append(byte: UInt8) { bytes.append(byte) }
}

/// The hand-offs between reader, workers and writer, under one lock.
final class ReorderWindow: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var queue: [LineBatch] = []
    private var results: [Int: BatchResult] = [:]
    private var inFlight = 0        // submitted and not yet written
    private var submitted = 0
    private var closed = false
    private var aborted = false
    private var readError: Error?

    init(capacity: Int) { self.capacity = capacity }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        return body()
    }

    /// Reader: waits for room in the window; false once the run is aborted.
    func submit(_ batch: LineBatch) -> Bool {
        locked {
            while inFlight >= capacity && !aborted { condition.wait() }
            guard !aborted else { return false }
            queue.append(batch)
            inFlight += 1
            submitted += 1
            return true
        }
    }

    /// Reader: no more batches (and why, if reading failed).
    func close(error: Error?) { locked { closed = true; readError = error } }

    /// Worker: the next batch, or nil when there are no more.
    func take() -> LineBatch? {
        locked {
            while queue.isEmpty && !closed && !aborted { condition.wait() }
            return aborted || queue.isEmpty ? nil : queue.removeFirst()
        }
    }

    func finish(_ result: BatchResult) { locked { results[result.sequence] = result } }

    /// Writer: the result of batch `sequence`, waiting for it; nil after the last batch.
    func next(_ sequence: Int) -> BatchResult? {
        locked {
            while results[sequence] == nil && !(closed && sequence >= submitted) && !aborted { condition.wait() }
            guard let result = results.removeValue(forKey: sequence) else { return nil }
            inFlight -= 1
            return result
        }
    }

    /// Stops the reader and the workers (the writer could not write).
    func abort() { locked { aborted = true } }

    var error: Error? { locked { readError } }
}

/// Lets a value owned by one thread at a time cross into the thread that will own it.
private struct Handoff<T>: @unchecked Sendable { let value: T }

extension NDJSONTransformer {
    func runParallel(input: Int32, output: Int32, onFailure: (NDJSONFailure) -> Void) throws -> NDJSONStats {
        let window = ReorderWindow(capacity: lanes.count * 4)
        let group = DispatchGroup()
        spawn(group) { Self.readBatches(fd: input, into: window) }
        for lane in lanes {
            let lane = Handoff(value: lane)
            spawn(group) {
                while let batch = window.take() { window.finish(Self.transform(batch, lane: lane.value)) }
            }
        }
        let out = OutputBuffer(fd: output)
        var stats = NDJSONStats()
        var sequence = 0
        do {
            while let result = window.next(sequence) {
                try result.output.withUnsafeBytes { try out.append($0) }
                result.failures.forEach(onFailure)
                stats.add(result.stats)
                sequence += 1
            }
            try out.flush()
        } catch {
            window.abort()
            group.wait()
            throw error
        }
        group.wait()
        if let error = window.error { throw error }
        stats.bytesOut = out.written
        return stats
    }

    private func spawn(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.stackSize = 8 << 20   // Lua's C calls nest on this stack, as on the main thread
        thread.start()
    }

    private static func readBatches(fd: Int32, into window: ReorderWindow) {
        struct Aborted: Error {}
        var batch: LineBatch?
        var sequence = 0
        do {
            try LineReader(fd: fd).forEachLine { line, number in
                if batch == nil { batch = LineBatch(sequence: sequence, firstLine: number) }
                batch!.bytes.append(contentsOf: line)
                batch!.ends.append(batch!.bytes.count)
                if batch!.isFull {
                    guard window.submit(batch!) else { throw Aborted() }
                    batch = nil
                    sequence += 1
                }
            }
            if let last = batch { _ = window.submit(last) }
            window.close(error: nil)
        } catch is Aborted {
            window.close(error: nil)
        } catch {
            window.close(error: error)
        }
    }

    private static func transform(_ batch: LineBatch, lane: NDJSONLane) -> BatchResult {
        var result = BatchResult(sequence: batch.sequence)
        let out = ChunkBuffer(capacity: batch.bytes.count + batch.bytes.count / 2)
        batch.bytes.withUnsafeBytes { all in
            var start = 0
            for (i, end) in batch.ends.enumerated() {
                let line = UnsafeRawBufferPointer(rebasing: all[start..<end])
                // A memory buffer cannot fail to take bytes.
                if let failure = try? lane.transform(line, number: batch.firstLine + i, into: out, stats: &result.stats) {
                    result.failures.append(failure)
                }
                start = end
            }
        }
        result.output = out.bytes
        return result
    }
}
