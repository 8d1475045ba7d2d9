import Foundation
import FerryMigration

/// Progress of a copy: a bar with rate and ETA redrawn in place on a terminal, a plain line
/// every few seconds otherwise (logs, CI).
final class ProgressDisplay {
    private let isTerminal = standardErrorIsTerminal
    private var lastPlainLine = Date.distantPast
    private var drawn = false

    func update(label: String, counts: CopyCounts) {
        let now = Date()
        let done = counts.written + counts.dropped + counts.failed
        let rate = counts.elapsed > 0.2 ? Double(done) / counts.elapsed : 0
        let total = max(counts.expected, done)
        if isTerminal {
            let fraction = total > 0 ? Double(done) / Double(total) : 0
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let eta = rate > 0 && total > done ? Self.duration(Double(total - done) / rate) : "--"
            let line = String(format: "\r%@ %@ %d/%d %3.0f%%  %.0f docs/s  ETA %@  dropped %d  failed %d",
                              label, bar, done, total, fraction * 100, rate, eta, counts.dropped, counts.failed)
            FileHandle.standardError.write(Data((line + Self.throttle(counts) + "\u{1B}[K").utf8))
            drawn = true
        } else if counts.elapsed >= 1, now.timeIntervalSince(lastPlainLine) >= 5 {
            lastPlainLine = now
            let line = String(
                format: "%@: %d/%d done, %d written, %d dropped, %d failed, %.0f docs/s",
                label, done, total, counts.written, counts.dropped, counts.failed, rate)
            FileHandle.standardError.write(Data((line + Self.throttle(counts) + "\n").utf8))
        }
    }

    /// Ends the in-place line before other output.
    func finishLine() {
        if drawn {
            FileHandle.standardError.write(Data("\n".utf8))
            drawn = false
        }
    }

    /// The pace `--max-docs-per-second` allows now, if set.
    private static func throttle(_ counts: CopyCounts) -> String {
        counts.throttledTo.map { String(format: "  (throttled to %.0f docs/s)", $0) } ?? ""
    }

    private static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
