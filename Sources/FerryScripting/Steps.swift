/// A step script loaded into one `LuaEngine` (the function it returned is kept in that
/// engine's Lua registry). Only valid with the engine that loaded it.
public struct LoadedStep: Sendable, Hashable {
    public let from: String
    public let to: String
    public let scriptPath: String
    let slot: Int32
    let engineID: UInt64

    /// "2.0→3.0"
    public var label: String { "\(from)→\(to)" }
}

/// What a chain of steps did with one document.
public enum TransformOutcome {
    /// The encoded `_source`. The bytes belong to the engine and are valid only until the
    /// next call on that engine: copy them (or write them into a bulk body) before that.
    case kept(UnsafeRawBufferPointer)
    /// A step returned nil; `stepIndex` is its 0-based position in the chain.
    case dropped(stepIndex: Int)
}
