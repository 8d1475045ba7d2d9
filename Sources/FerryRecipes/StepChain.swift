import FerryScripting

/// A recipe's transform as one worker runs it: a `StepRunner` (one `lua_State` with the
/// recipe's lookup tables) with the steps of one version path loaded. The copy pipeline, the
/// run's validation and `ferry verify` all build T this way, so they cannot drift apart.
/// Mapping-only edges (no script) load nothing: the document goes through them unchanged.
/// Not Sendable: one per thread.
public final class StepChain {
    public let runner: StepRunner
    public var engine: LuaEngine { runner.engine }
    /// The scripted steps of the path, in order (mapping-only edges have none).
    public let steps: [LoadedStep]
    /// Every edge of the path, scripted or not.
    public let path: [StepSpec]

    public init(recipe: Recipe, steps: [StepSpec], runStartedAt: String) throws {
        runner = try StepRunner(recipe: recipe, runStartedAt: runStartedAt)
        self.steps = try runner.chain(steps)
        self.path = steps
    }

    /// True when no edge of the path has a script: T is the identity and only the mapping
    /// changes, so the copy can be the cluster's own `_reindex`.
    public var isMappingOnly: Bool { Self.isMappingOnly(path) }

    /// True when `path` has no scripted edge (an empty path counts: nothing to transform).
    public static func isMappingOnly(_ path: [StepSpec]) -> Bool {
        path.allSatisfy(\.isMappingOnly)
    }

    public convenience init(recipe: Recipe, from: String, to: String, runStartedAt: String) throws {
        try self.init(recipe: recipe, steps: try recipe.graph.path(from: from, to: to), runStartedAt: runStartedAt)
    }

    /// T(source) for one document; `.kept` bytes are valid until the next call.
    public func transform(source: UnsafeRawBufferPointer, id: String, index: String) throws(TransformError) -> TransformOutcome {
        try engine.transform(source: source, id: id, index: index, steps: steps)
    }

    /// The label (`2.0→3.0`) of the step at `index` of the chain.
    public func label(ofStep index: Int) -> String {
        steps.indices.contains(index) ? steps[index].label : "a step"
    }
}
