/// Bounds for one sandboxed Lua state.
public struct SandboxLimits: Sendable, Hashable {
    /// Total bytes the Lua state may allocate (scripts, modules, the document being
    /// transformed); the encoded output is capped by the same amount. 0 means unlimited.
    public var memoryBytes: Int
    /// Wall-clock budget for one call: the whole chain of steps on one document, or loading
    /// one script. Zero means unlimited. Checked every 1000 Lua instructions, so it does not
    /// interrupt a long-running C function such as a pathological pattern match.
    public var timePerDocument: Duration

    public init(memoryBytes: Int = 64 << 20, timePerDocument: Duration = .milliseconds(1000)) {
        self.memoryBytes = memoryBytes
        self.timePerDocument = timePerDocument
    }

    /// 64 MiB and one second per document.
    public static let `default` = SandboxLimits()

    /// The time limit in whole milliseconds (a nonzero sub-millisecond limit rounds up to 1).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = timePerDocument.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return max(ms, 1)
    }
}
