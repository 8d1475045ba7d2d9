/// `ferry status <family recipe>` as text: a pure function of `FamilyStatus` (golden-tested).
import Foundation

extension FamilyStatus {
    public var lines: [String] {
        var out = ["\(recipe): index family \(pattern)"]
        out.append("  template \(template.name): " + templateText)
        if let runID {
            let holder = leaseHolder.map { "; \($0) is running it" } ?? (runPhase.map { Self.isFinished($0) } == true ? "" : "; no runner holds the lease")
            out.append("  family run \(runID)\(targetVersion.map { " (to \($0))" } ?? ""): \(runPhase ?? "?")\(holder)")
        } else {
            out.append("  no family run in the journal")
        }
        out += table
        out.append("  " + totalsText)
        out.append("next: \(nextCommand)")
        return out
    }

    private static func isFinished(_ phase: String) -> Bool {
        ["COMPLETED", "ROLLED_BACK", "ABANDONED"].contains(phase)
    }

    private var templateText: String {
        let now = !template.exists ? "absent" : template.version.map { "version \($0)" } ?? "present, not made by ferry (no _meta.ferry.version)"
        guard let before = template.journaledBefore else { return now }
        return now + (before == "none"
            ? "; there was none before the family run (rollback deletes it)"
            : "; the journal keeps the one before (\(before)) for rollback")
    }

    private var table: [String] {
        guard !members.isEmpty else { return ["  no member matches \(pattern)"] }
        let header = ["member", "old index → new index", "state", "documents", "time", "freeze"]
        let rows = members.map { m -> [String] in
            [
                m.member, m.oldIndex + (m.newIndex.map { " → \($0)" } ?? ""), Self.stateText(m.state),
                m.documents.map(Self.count) ?? "?", m.seconds.map(Self.duration) ?? "-",
                m.freezeMilliseconds.map { "\($0) ms" } ?? "-",
            ]
        }
        // Columns padded to their widest cell; the numbers are right-aligned.
        let widths = (0..<header.count).map { c in ([header] + rows).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c >= 3 ? pad + cell : cell + pad
            }
            let text = "  " + padded.joined(separator: "  ")
            return String(text.reversed().drop { $0 == " " }.reversed())  // no trailing blanks
        }
        return ([header] + rows).map(line)
    }

    static func stateText(_ state: FamilyMemberStatus.State) -> String {
        switch state {
        case .done: return "done"
        case .current(let phase, let written, let of):
            let percent = of > 0 ? " (\(min(100, written * 100 / of))%)" : ""
            return "current: \(phase.lowercased().replacingOccurrences(of: "_", with: " ")) \(count(written))/\(count(of))\(percent)"
        case .pending: return "pending"
        case .skipped(let why): return "skipped: \(why)"
        case .rolledBack: return "rolled back"
        case .rollingBack(let phase): return "rolling back: \(phase.lowercased().replacingOccurrences(of: "_", with: " "))"
        case .failed(let why): return "FAILED: \(why)"
        }
    }

    private var totalsText: String {
        let counts = Dictionary(grouping: members, by: { Self.kind($0.state) }).mapValues(\.count)
        let summary = ["done", "current", "pending", "skipped", "rolling back", "rolled back", "failed"]
            .compactMap { k in counts[k].map { "\($0) \(k)" } }.joined(separator: ", ")
        let e = estimate
        let eta: String
        if e.documentsLeft == 0 {
            eta = "nothing left to copy"
        } else if let rate = e.documentsPerSecond, let left = e.secondsLeft {
            eta = "ETA for the rest: \(Self.count(e.documentsLeft)) documents at \(Self.count(Int(rate.rounded()))) docs/s so far ≈ \(Self.duration(left))"
        } else if e.documentsPerSecond == nil {
            eta = "ETA for the rest: \(Self.count(e.documentsLeft)) documents, no rate yet"
        } else {
            eta = "ETA for the rest: unknown (a pending member's size is unknown)"
        }
        return "\(members.count) member\(members.count == 1 ? "" : "s"): \(summary); \(eta)"
    }

    private static func kind(_ state: FamilyMemberStatus.State) -> String {
        switch state {
        case .done: return "done"
        case .current: return "current"
        case .pending: return "pending"
        case .skipped: return "skipped"
        case .rolledBack: return "rolled back"
        case .rollingBack: return "rolling back"
        case .failed: return "failed"
        }
    }

    /// 1234567 → "1,234,567".
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// 0.4 s, 12.3 s, 4m05s, 2h07m, 3d04h.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        if s < 86_400 { return String(format: "%dh%02dm", s / 3600, s % 3600 / 60) }
        return String(format: "%dd%02dh", s / 86_400, s % 86_400 / 3600)
    }
}
