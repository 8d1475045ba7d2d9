// `ferry transform --workers N`: N threads, one Lua state each, and nothing else. A worker
// takes the next run of whole lines from the input (in turn, under a lock), transforms it
// into its own buffer, and hands it to the ordered output; whichever worker finds the next
// run in input order ready writes it. So there are exactly as many busy threads as workers,
// bytes are copied once on the way in (read(2) into the run) and once on the way out (the
// engine's output into the run's buffer, written from there), and at most `window` runs
// are in flight, which bounds memory however far one worker gets ahead of another.
import Foundation
import FerryCore

/// A transformed run waiting for its turn to be written.
struct FinishedRun {
    let sequence: Int
    let output: ReusableBuffer
    /// Line numbers here count from the run's first line; the writer makes them absolute.
    var failures: [NDJSONFailure] = []
    var stats = NDJSONStats()
}

/// The input shared by the workers: whose turn it is to read, and the run's number.
final class SharedInput: @unchecked Sendable {
    private let lock = NSLock()
    private let reader: LineRunReader
    private var sequence = 0

    init(fd: Int32, runBytes: Int) { reader = LineRunReader(fd: fd, target: runBytes) }

    var runBytes: Int { reader.target }

    /// The next run into `run` and its number; nil when the input is done or the run stopped.
    /// A read error stops the run before the lock is let go: the next worker must not read on
    /// from the middle of a line under the same number.
    func next(into run: ReusableBuffer, output: OrderedOutput) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        do {
            guard output.waitForRoom(sequence), try reader.next(into: run) else { return nil }
        } catch {
            output.stop(error)
            return nil
        }
        defer { sequence += 1 }
        return sequence
    }
}

/// Runs written in input order by whichever worker holds the next one, with the counts and
/// failures reported on the way. Only the worker in the writer role touches the fd, the
/// counts and `report`, so `report` is called on one thread at a time, in input order.
final class OrderedOutput: @unchecked Sendable {
    private let condition = NSCondition()
    private let out: OutputBuffer
    private let window: Int
    private var report: ((NDJSONFailure) -> Void)?
    private var pending: [Int: FinishedRun] = [:]
    private var nextToWrite = 0
    private var writing = false
    private var spare: [ReusableBuffer] = []
    private var stopped: Error?
    // The writer role's own state.
    private var linesBefore = 0
    private(set) var stats = NDJSONStats()

    init(fd: Int32, window: Int, report: @escaping (NDJSONFailure) -> Void) {
        out = OutputBuffer(fd: fd, capacity: 1)   // runs are written straight from their buffers
        self.window = window
        self.report = report
    }

    /// Waits until run `sequence` fits in the window; false once the run has stopped.
    func waitForRoom(_ sequence: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while sequence >= nextToWrite + window && stopped == nil { condition.wait() }
        return stopped == nil
    }

    /// An output buffer for a run, reused from one already written when there is one.
    func buffer(capacity: Int) -> ReusableBuffer {
        condition.lock()
        let reused = spare.popLast()
        condition.unlock()
        guard let reused else { return ReusableBuffer(capacity: capacity) }
        reused.count = 0
        return reused
    }

    /// Hands over a finished run; writes it, and every run after it that is ready, when it
    /// is next in input order and no other worker is writing.
    func deliver(_ run: FinishedRun) {
        condition.lock()
        pending[run.sequence] = run
        guard !writing, stopped == nil else { return condition.unlock() }
        writing = true
        while let next = pending.removeValue(forKey: nextToWrite) {
            condition.unlock()
            let failed = write(next)
            condition.lock()
            spare.append(next.output)
            nextToWrite += 1
            if let failed, stopped == nil { stopped = failed }
            condition.broadcast()
            if stopped != nil { break }
        }
        writing = false
        condition.unlock()
    }

    private func write(_ run: FinishedRun) -> Error? {
        for failure in run.failures {
            report?(NDJSONFailure(line: linesBefore + failure.line, id: failure.id, message: failure.message))
        }
        linesBefore += run.stats.lines
        stats.add(run.stats)
        do {
            try out.writeThrough(run.output.bytes)
        } catch {
            return error
        }
        stats.bytesOut = out.written
        return nil
    }

    /// Lets go of `report` once every worker has finished (it must not outlive the call).
    func dropReport() { report = nil }

    /// Stops every worker at its next turn (reading or writing failed).
    func stop(_ error: Error) {
        condition.lock()
        if stopped == nil { stopped = error }
        condition.broadcast()
        condition.unlock()
    }

    /// Why the run stopped early, if it did; read after every worker has finished.
    var failure: Error? {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }
}

extension NDJSONTransformer {
    func runParallel(input: Int32, output: Int32, onFailure: (NDJSONFailure) -> Void) throws -> NDJSONStats {
        try withoutActuallyEscaping(onFailure) { onFailure in
            let shared = SharedInput(fd: input, runBytes: runBytes)
            let ordered = OrderedOutput(fd: output, window: workers * 4, report: onFailure)
            defer { ordered.dropReport() }
            let group = DispatchGroup()
            let (recipe, steps, runStartedAt, limits) = (recipe, steps, runStartedAt, limits)
            for _ in 1..<workers {
                spawn(group) {
                    // Built on the thread that runs it: the state's memory then comes from this
                    // thread's malloc arena, not the creating thread's (whose lock and cache
                    // lines every realloc of the Lua stack or string table would otherwise share).
                    do {
                        let lane = try NDJSONLane(recipe: recipe, steps: steps, runStartedAt: runStartedAt, limits: limits)
                        Self.work(lane: lane, input: shared, output: ordered)
                    } catch {
                        ordered.stop(error)
                    }
                }
            }
            Self.work(lane: firstLane, input: shared, output: ordered)   // this thread is a worker too
            group.wait()
            if let failure = ordered.failure { throw failure }
            return ordered.stats
        }
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

    private static func work(lane: NDJSONLane, input: SharedInput, output: OrderedOutput) {
        let run = ReusableBuffer(capacity: input.runBytes + (64 << 10))
        while let sequence = input.next(into: run, output: output) {
            var finished = FinishedRun(sequence: sequence, output: output.buffer(capacity: run.count + run.count / 2))
            var line = 0
            LineRunReader.forEachLine(in: run.bytes) { bytes in
                line += 1
                // A memory buffer cannot fail to take bytes.
                if let failure = try? lane.transform(bytes, number: line, into: finished.output, stats: &finished.stats) {
                    finished.failures.append(failure)
                }
            }
            output.deliver(finished)
        }
    }
}
