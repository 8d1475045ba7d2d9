/// Bounds for one sandboxed Lua state.
public struct SandboxLimits: Sendable, Hashable {
    /// Total bytes the Lua state may allocate (scripts, modules, the document being
    /// transformed); the encoded output is capped by the same amount. 0 means unlimited.
    public var memoryBytes: Int
    /// Wall-clock budget for one call: the whole chain of steps on one document, or loading
    /// one script. Zero means unlimited. Checked every 1000 Lua instructions, every 4096
    /// steps of the pattern matcher and of the C loops the sandbox wraps; once it fires, nothing in the call can catch it (docs/lua-api.md).
    public var timePerDocument: Duration
    /// Deterministic budget for one call, in work units: a Lua VM instruction, a step of the
    /// pattern matcher or of sort/move, or 64 allocated bytes. Unlike the time limit, where
    /// it fires does not depend on the machine. Zero (the default) means unlimited.
    public var workUnitsPerDocument: Int

    public init(memoryBytes: Int = 64 << 20, timePerDocument: Duration = .milliseconds(1000),
                workUnitsPerDocument: Int = 0) {
        self.memoryBytes = memoryBytes
        self.timePerDocument = timePerDocument
        self.workUnitsPerDocument = workUnitsPerDocument
    }

    /// 64 MiB and one second per document; no work budget (opt in with `workUnitsPerDocument`).
    public static let `default` = SandboxLimits()

    /// The time limit in whole milliseconds (a nonzero sub-millisecond limit rounds up to 1).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = timePerDocument.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return max(ms, 1)
    }
}
