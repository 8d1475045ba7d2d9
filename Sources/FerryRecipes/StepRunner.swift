import Foundation
import FerryCore
import FerryScripting

/// One sandboxed Lua state for a recipe, with its lookups open and its steps loaded on first
/// use: the one way ferry builds a recipe's engine — the copy's workers and verification (through
/// `StepChain`) and the offline tools (fixtures, previews, NDJSON) alike. Not thread-safe: one
/// per thread, like `LuaEngine`.
public final class StepRunner {
    public let recipe: Recipe
    public let engine: LuaEngine
    private var loaded: [String: LoadedStep] = [:]

    /// `lookups` defaults to all of the recipe's (`ferry check` passes only those that open,
    /// so one broken table does not hide every other problem).
    public init(recipe: Recipe, runStartedAt: String, limits: SandboxLimits = .default, lookups: [LookupSpec]? = nil) throws {
        self.recipe = recipe
        engine = try LuaEngine(requireRoots: recipe.requireRoots, limits: limits, runStartedAt: runStartedAt)
        engine.lookupProvider = try SQLiteLookups(lookups ?? recipe.lookups)
    }

    /// The loaded steps from `from` to `to` along the recipe's shortest path (forward or
    /// back); mapping-only edges have nothing to load.
    public func steps(from: String, to: String) throws -> [LoadedStep] {
        try chain(recipe.graph.path(from: from, to: to))
    }

    /// The scripted steps of `specs`, loaded, in order.
    public func chain(_ specs: [StepSpec]) throws(ScriptError) -> [LoadedStep] {
        var steps: [LoadedStep] = []
        for spec in specs {
            if let step = try step(spec) { steps.append(step) }
        }
        return steps
    }

    /// The step loaded once per runner; nil for a mapping-only edge (no script).
    public func step(_ spec: StepSpec) throws(ScriptError) -> LoadedStep? {
        guard let script = spec.script else { return nil }
        let key = "\(spec.from)\u{0}\(spec.to)\u{0}\(script)"
        if let step = loaded[key] { return step }
        let step = try engine.loadStep(script: script, from: spec.from, to: spec.to)
        loaded[key] = step
        return step
    }

    public func setRunStartedAt(_ value: String) throws(ScriptError) {
        try engine.setContext("run_started_at", value)
    }

    /// Runs `steps` on `source` and copies the outcome out of the engine's buffer.
    public func run(_ source: [UInt8], id: String, index: String, steps: [LoadedStep]) throws(TransformError) -> OwnedOutcome {
        let result: Result<OwnedOutcome, TransformError> = source.withUnsafeBytes { raw in
            do throws(TransformError) {
                switch try engine.transform(source: raw, id: id, index: index, steps: steps) {
                case .kept(let bytes): return .success(.kept(Array(bytes)))
                case .dropped(let i): return .success(.dropped(stepIndex: i))
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Whether `text` has the shape `ctx.run_started_at` always has in a run
    /// (`2026-11-21T04:31:40Z`: ISO-8601, UTC, seconds), so a fixture or `--run-started-at`
    /// cannot test steps against a value a run never gives them.
    public static func isRunStartedAt(_ text: String) -> Bool {
        ISODate.date(from: text).map { ISODate.string(from: $0) == text } ?? false
    }

    /// The current UTC time as `ctx.run_started_at` shows it (`2026-11-21T04:31:40Z`).
    public static func now() -> String { ISODate.now() }
}

/// A `TransformOutcome` whose bytes the caller owns.
public enum OwnedOutcome: Hashable, Sendable {
    case kept([UInt8])
    case dropped(stepIndex: Int)
}
