import Foundation

/// What the work under the write block consisted of, with times, for the run report: the
/// delta applied, the count comparison that stands for the id check, the id check itself when
/// counts disagreed (or the capability to find the delta was missing), and the verification.
public struct FreezeParts: Sendable, Equatable {
    /// How the delta under the block was found, e.g. "changed_field updated_at since the last
    /// catch-up pass", or why the exact scan of every id was used instead.
    public var method = ""
    /// True when the exact scan of every id and version ran under the block.
    public var exactScan = false
    public var deltaDocuments = 0
    public var deltaMilliseconds = 0
    public var countsMilliseconds = 0
    /// Deletes the counts showed as not yet reconciled (they sent the run to the id check).
    public var unreconciled = 0
    public var idCheckMilliseconds: Int? = nil
    public var verificationMilliseconds = 0
    /// The content check (sample, mapping, canaries) before the block, in ms; nil if it did
    /// not run before it (a run resumed under the freeze).
    public var contentBeforeFreeze: Int? = nil
    /// Why the content check ran (again) under the block; nil when it did not.
    public var contentUnderFreeze: String? = nil
    /// Freezes lifted at `--max-freeze` before the one that switched.
    public var liftedAtDeadline = 0

    var lines: [String] {
        var out = ["  under it: delta \(deltaDocuments) documents in \(deltaMilliseconds) ms (\(method))"]
        if !exactScan {
            out.append("            counts \(countsMilliseconds) ms" + (unreconciled == 0 ? " (no delete left to reconcile)" : " (\(unreconciled) deletes not reconciled: id check)"))
        }
        if let idCheckMilliseconds { out.append("            id check \(idCheckMilliseconds) ms (every id and version of both indices)") }
        out.append("            checks \(verificationMilliseconds) ms (" + (contentUnderFreeze.map { "dead letters, the content sample, mapping and canaries: \($0)" } ?? "dead letters") + ")")
        if let contentBeforeFreeze {
            out.append("  before it: content sample, mapping and canaries \(contentBeforeFreeze) ms" + (contentUnderFreeze == nil ? "" : " (not settled there)"))
        }
        if liftedAtDeadline > 0 { out.append("            \(liftedAtDeadline) earlier freeze(s) lifted at --max-freeze") }
        return out
    }
}

/// Milliseconds `body` took.
func timed(_ milliseconds: inout Int, _ body: () throws -> Void) rethrows {
    let started = Date()
    defer { milliseconds += Int(Date().timeIntervalSince(started) * 1000) }
    try body()
}

extension Duration {
    /// The duration in seconds, for deadlines kept as `Date`s.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
