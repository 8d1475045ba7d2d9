import FerryCluster
import FerryCore
import FerryJournal
import FerryPipeline
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

    private let chain: StepChain
    private let contextIndex: String

    init(recipe: Recipe, subject: VerificationSubject) throws {
        chain = try StepChain(recipe: recipe, from: subject.sourceVersion, to: subject.targetVersion, runStartedAt: subject.runStartedAt)
        contextIndex = subject.contextIndex
    }

    func apply(_ hit: Hit, of page: SearchPage) -> Outcome {
        do {
            let outcome = try page.withSource(of: hit) { source in
                try chain.transform(source: source, id: hit.id, index: contextIndex)
            }
            switch outcome {
            case .kept(let bytes)?: return .kept(Array(bytes))   // engine-owned: copy before the next call
            case .dropped(let i)?: return .dropped(step: chain.label(ofStep: i))
            case nil: return .failed("the source document has no _source")
            }
        } catch {
            return .failed("\(error)")
        }
    }

    /// The bytes the engine writes for `json`: decoded onto the Lua stack and encoded back, so
    /// key order and number spelling cannot make equal documents look different.
    func canonical(_ json: [UInt8]) throws -> [UInt8] {
        try chain.engine.roundTrip(json: json)
    }
}
