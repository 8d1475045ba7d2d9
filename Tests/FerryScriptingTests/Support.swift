import Foundation
import FerryScripting

/// A throwaway folder laid out like a project: recipes/blog/..., transforms/...
final class TempProject {
    let root: String

    init(_ files: [String: String] = [:]) throws {
        // Short paths keep Lua's chunk names untruncated in most messages.
        root = NSTemporaryDirectory() + "fs-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (path, text) in files { try write(path, text) }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { root + "/" + relative }

    func write(_ relative: String, _ text: String) throws {
        let full = path(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    var recipeRoot: String { path("recipes/blog") }
    var transformsRoot: String { path("transforms") }

    func engine(limits: SandboxLimits = .default) throws -> LuaEngine {
        try LuaEngine(requireRoots: [recipeRoot, transformsRoot], limits: limits, runStartedAt: "2024-05-01T00:00:00Z")
    }

    /// Writes recipes/blog/steps/<name> and loads it.
    func step(_ engine: LuaEngine, _ name: String, _ source: String, from: String = "1.0", to: String = "2.0") throws -> LoadedStep {
        try write("recipes/blog/steps/" + name, source)
        return try engine.loadStep(script: path("recipes/blog/steps/" + name), from: from, to: to)
    }
}

/// An owned copy of a TransformOutcome.
enum Outcome: Equatable {
    case kept(String)
    case dropped(Int)
}

func run(_ engine: LuaEngine, _ json: String, id: String = "42", index: String = "posts-v1", steps: [LoadedStep]) throws(TransformError) -> Outcome {
    let bytes = Array(json.utf8)
    let result: Result<Outcome, TransformError> = bytes.withUnsafeBytes { raw in
        do throws(TransformError) {
            switch try engine.transform(source: raw, id: id, index: index, steps: steps) {
            case .kept(let out): return .success(.kept(String(decoding: out, as: UTF8.self)))
            case .dropped(let index): return .success(.dropped(index))
            }
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

/// Runs the chain and returns its error (nil if it succeeded).
func transformError(_ engine: LuaEngine, _ json: String, steps: [LoadedStep]) -> TransformError? {
    do {
        _ = try run(engine, json, steps: steps)
        return nil
    } catch {
        return error
    }
}

/// CPU time this thread has used: what a test of an algorithm's cost measures, unlike the
/// wall clock, which a loaded machine stretches.
func threadCPUTime() -> Duration {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return .seconds(Int64(ts.tv_sec)) + .nanoseconds(Int64(ts.tv_nsec))
}
