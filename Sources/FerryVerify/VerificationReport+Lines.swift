import Foundation

extension VerificationReport {
    /// The report as `ferry verify` prints it: a header, one ✓/✗ line per check, each canary,
    /// the differences found, warnings and a last line that says verified or not.
    public var lines: [String] {
        let s = subject
        var out = [
            "verify \(recipe): \(s.sourceIndex) (\(s.sourceVersion)) → \(s.targetIndex) (\(s.targetVersion))"
                + (s.runID.map { ", run \($0)" } ?? "") + (s.runStartedAt.isEmpty ? "" : ", run_started_at \(s.runStartedAt)"),
        ]
        for result in checks {
            let mark = result.status == .passed ? "✓" : result.status == .failed ? "✗" : "–"
            out.append("\(mark) \(result.check.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(result.summary)")
            if result.check == .canaries {
                let width = canaries.map(\.canary.count).max() ?? 0
                for c in canaries {
                    let answer = c.problem ?? "\(c.sourceCount.map(String.init) ?? "?") / \(c.targetCount.map(String.init) ?? "?")"
                    out.append("    \(c.agrees ? "=" : "≠") \(c.canary.padding(toLength: width, withPad: " ", startingAt: 0))  \(answer)"
                        + (c.expectDiffer ? "  (expect = \"differ\")" : "") + (c.note.map { "  (\($0))" } ?? ""))
                }
            }
        }
        if !differences.isEmpty {
            let shown = differences.count < totalDifferences ? "first \(differences.count) of \(totalDifferences)" : "\(totalDifferences)"
            out.append("differences (\(shown)):")
            let width = min(differences.map(\.subject.count).max() ?? 0, 40)
            for d in differences {
                let where_ = d.path.map { "\($0): " } ?? ""
                out.append("  \(d.kind.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(d.subject.padding(toLength: max(width, d.subject.count), withPad: " ", startingAt: 0))  \(where_)\(d.detail)")
            }
        }
        for warning in warnings { out.append("warning: \(warning)") }
        let time = String(format: "%.1f s", seconds)
        if passed {
            out.append("verified: \(s.targetIndex) holds T(\(s.sourceIndex))" + (sample == nil ? "" : " on a sample of \(documentsChecked)") + " (\(time))")
        } else {
            out.append("differences found: \(differenceSummary); \(s.targetIndex) is not T(\(s.sourceIndex)) (\(time))")
        }
        return out
    }
}
