import FerryCluster
import FerryCore
import FerryRecipes
import FerryScripting

/// T as the run applied it: the same steps, lookups, `run_started_at` and `ctx.index` the copy
/// pipeline's workers use, in one `LuaEngine` on the caller's thread.
final class RecomputedTransform {
    enum Outcome {
        /// T(source), canonical (the engine's encoder sorts keys).
        case kept([UInt8])
        /// A step returned nil: the run did not write the document either.
        case dropped(step: String)
        case failed(String)
    }

    private let engine: LuaEngine
    private let steps: [LoadedStep]
    private let contextIndex: String

    init(recipe: Recipe, subject: VerificationSubject) throws {
        let engine = try LuaEngine(requireRoots: recipe.requireRoots, runStartedAt: subject.runStartedAt)
        engine.lookupProvider = try SQLiteLookups(recipe.lookups)
        steps = try recipe.graph.path(from: subject.sourceVersion, to: subject.targetVersion).map {
            try engine.loadStep(script: $0.script, from: $0.from, to: $0.to)
        }
        self.engine = engine
        contextIndex = subject.contextIndex
    }

    func apply(_ hit: Hit, of page: SearchPage) -> Outcome {
        do {
            let outcome = try page.withSource(of: hit) { source in
                try engine.transform(source: source, id: hit.id, index: contextIndex, steps: steps)
            }
            switch outcome {
            case .kept(let bytes)?: return .kept(Array(bytes))   // engine-owned: copy before the next call
            case .dropped(let i)?: return .dropped(step: steps.indices.contains(i) ? steps[i].label : "a step")
            case nil: return .failed("the source document has no _source")
            }
        } catch {
            return .failed("\(error)")
        }
    }

    /// The bytes the engine writes for `json`: decoded onto the Lua stack and encoded back, so
    /// key order and number spelling cannot make equal documents look different.
    func canonical(_ json: [UInt8]) throws -> [UInt8] {
        try engine.roundTrip(json: json)
    }
}
