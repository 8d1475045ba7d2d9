import Foundation
import FerryCore
import FerryRecipes
import FerryScripting

/// Counts of one `ferry transform` run.
public struct NDJSONStats: Sendable, Hashable {
    public var lines = 0
    public var blank = 0
    public var written = 0
    public var dropped = 0
    public var failed = 0
    public var bytesIn = 0
    public var bytesOut = 0
    public var seconds = 0.0

    public var documents: Int { written + dropped + failed }

    /// Adds the counts of another part of the same run (not `seconds`).
    mutating func add(_ other: NDJSONStats) {
        lines += other.lines
        blank += other.blank
        written += other.written
        dropped += other.dropped
        failed += other.failed
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
    }
}

/// A document that failed, by input line.
public struct NDJSONFailure: Sendable, CustomStringConvertible {
    public let line: Int
    /// The `_id` of an `{"_id", "_source"}` line.
    public let id: String?
    public let message: String

    public var description: String { "line \(line): \(message)" }
}

/// `ferry transform`: NDJSON documents in, transformed NDJSON out, through the same bridge,
/// sandbox and lookups as `ferry run`. A line is either a bare `_source` or an object with a
/// `_source` member (`{"_id": ..., "_source": {...}}`, other members kept byte for byte);
/// the output line has the same shape. With one worker, runs of whole lines stream through
/// one reusable buffer and the engine's bytes go straight to a buffered writer; with more, each worker
/// thread takes runs of whole lines in turn and the output is written in input order
/// through a bounded window (NDJSONParallel.swift), so memory stays flat either way.
public final class NDJSONTransformer {
    public let recipe: Recipe
    public let steps: [StepSpec]
    public let workers: Int
    /// The first worker's Lua state and lookups, built here so that a recipe that cannot
    /// load fails before any input is read. The other workers build their own on the thread
    /// that runs them (NDJSONParallel.swift).
    let firstLane: NDJSONLane
    let runStartedAt: String
    let limits: SandboxLimits

    /// The bytes of input a worker takes at a time (tests make it small to cross many runs).
    var runBytes = 256 << 10

    public init(
        recipe: Recipe, from: String, to: String, runStartedAt: String, limits: SandboxLimits = .default,
        workers: Int = 1
    ) throws {
        precondition(workers >= 1, "at least one worker")
        self.recipe = recipe
        let steps = try recipe.graph.path(from: from, to: to)
        self.steps = steps
        self.workers = workers
        self.runStartedAt = runStartedAt
        self.limits = limits
        firstLane = try NDJSONLane(recipe: recipe, steps: steps, runStartedAt: runStartedAt, limits: limits)
    }

    /// Transforms every line of `input` into `output`, in input order; failures go to
    /// `onFailure` in input order too.
    public func run(input: Int32, output: Int32, onFailure: (NDJSONFailure) -> Void) throws -> NDJSONStats {
        let started = ContinuousClock.now
        var stats = workers == 1
            ? try runInline(input: input, output: output, onFailure: onFailure)
            : try runParallel(input: input, output: output, onFailure: onFailure)
        stats.seconds = Double((ContinuousClock.now - started) / .microseconds(1)) / 1e6
        return stats
    }

    private func runInline(input: Int32, output: Int32, onFailure: (NDJSONFailure) -> Void) throws -> NDJSONStats {
        let out = OutputBuffer(fd: output)
        let lane = firstLane
        var stats = NDJSONStats()
        let reader = LineRunReader(fd: input, target: runBytes)
        let run = ReusableBuffer(capacity: runBytes + (64 << 10))
        var number = 0
        while try reader.next(into: run) {
            try LineRunReader.forEachLine(in: run.bytes) { line in
                number += 1
                if let failure = try lane.transform(line, number: number, into: out, stats: &stats) {
                    onFailure(failure)
                }
            }
        }
        try out.flush()
        stats.bytesOut = out.written
        return stats
    }
}

/// Where a transformed line goes: the output file, or a batch's buffer.
protocol ByteSink: AnyObject {
    func append(_ bytes: UnsafeRawBufferPointer) throws
    func append(byte: UInt8) throws
}

extension OutputBuffer: ByteSink {}

/// One worker's Lua state with the chain loaded, transforming one line at a time.
final class NDJSONLane {
    private let runner: StepRunner
    private let chain: [LoadedStep]

    init(recipe: Recipe, steps: [StepSpec], runStartedAt: String, limits: SandboxLimits) throws {
        let runner = try StepRunner(recipe: recipe, runStartedAt: runStartedAt, limits: limits)
        self.runner = runner
        chain = try runner.chain(steps)   // mapping-only edges have no script
    }

    /// Transforms one input line into `out` and counts it; a document that failed comes back.
    func transform(_ line: UnsafeRawBufferPointer, number: Int, into out: some ByteSink, stats: inout NDJSONStats) throws -> NDJSONFailure? {
        stats.lines += 1
        stats.bytesIn += line.count + 1
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            stats.blank += 1
            return nil
        }
        let failure = try transformDocument(line, number: number, into: out, stats: &stats)
        if failure != nil { stats.failed += 1 }
        return failure
    }

    /// The parts of an envelope line: everything but the `_source` value is copied as is.
    private struct Envelope {
        var source: Range<Int>?
        var id: String?
        var index: String?
    }

    private func transformDocument(_ line: UnsafeRawBufferPointer, number: Int, into out: some ByteSink, stats: inout NDJSONStats) throws -> NDJSONFailure? {
        var envelope: Envelope?
        if Self.mentionsSource(line) {
            var found = Envelope()
            do {
                try TopLevelScanner.members(of: line) { key, _, value in
                    let bytes = UnsafeRawBufferPointer(rebasing: line[value])
                    if key.equals("_source") {
                        found.source = value
                    } else if key.equals("_id") {
                        found.id = scalarText(bytes)
                    } else if key.equals("_index") {
                        found.index = scalarText(bytes)
                    }
                }
            } catch {
                return NDJSONFailure(line: number, id: nil, message: "not a JSON object: \(error)")
            }
            if found.source != nil { envelope = found }
        }
        let sourceRange = envelope?.source ?? 0..<line.count
        let source = UnsafeRawBufferPointer(rebasing: line[sourceRange])
        if envelope != nil, source.first != UInt8(ascii: "{") {
            return NDJSONFailure(line: number, id: envelope?.id, message: "\(envelope?.id.map { "document \($0): " } ?? "")_source must be an object")
        }
        let outcome: TransformOutcome
        do throws(TransformError) {
            outcome = try runner.engine.transform(source: source, id: envelope?.id ?? "", index: envelope?.index ?? "", steps: chain)
        } catch {
            // A bare line has no id: say nothing rather than "document :".
            let named = envelope?.id == nil
                ? TransformError(kind: error.kind, documentID: nil, stepIndex: error.stepIndex, step: error.step,
                                 scriptPath: error.scriptPath, message: error.message)
                : error
            return NDJSONFailure(line: number, id: envelope?.id, message: named.description)
        }
        switch outcome {
        case .kept(let bytes):
            if envelope != nil { try out.append(UnsafeRawBufferPointer(rebasing: line[..<sourceRange.lowerBound])) }
            try out.append(bytes)
            if envelope != nil { try out.append(UnsafeRawBufferPointer(rebasing: line[sourceRange.upperBound...])) }
            try out.append(byte: 0x0A)
            stats.written += 1
        case .dropped:
            stats.dropped += 1
        }
        return nil
    }

    /// A cheap pre-check: only lines containing `"_source"` can be envelopes.
    private static func mentionsSource(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let base = line.baseAddress else { return false }
        let key: StaticString = "\"_source\""
        let length = key.utf8CodeUnitCount
        var offset = 0
        while offset + length <= line.count, let hit = memchr(base + offset, 0x22, line.count - offset - length + 1) {
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, key.utf8Start, length) == 0 { return true }
            offset = at + 1
        }
        return false
    }
}
