import FerryCore
import FerryJournal
import FerryPipeline

/// One line per check, and the differences the counts and canaries add.
extension Verifier {
    func documentsResult(_ check: DocumentCheck, options: VerifyOptions, seed: Int?, log: DifferenceLog) -> CheckResult {
        let found = log.count(.missing, .unexpected, .differs, .transformFailed)
        let scope = options.sample.map { _ in "a sample of \(check.read) (seed \(seed ?? 0))" }
            ?? "all \(check.read) source documents, \(check.targetScanned) target documents"
        var figures = found == 0 ? "\(check.compared) equal T(source)" : "\(check.compared) compared"
        if check.dropped > 0 { figures += ", \(check.dropped) dropped by the steps" }
        if check.deadLetters > 0 { figures += ", \(check.deadLetters) dead letters" }
        guard found == 0 else {
            let kinds = [Difference.Kind.missing, .unexpected, .differs, .transformFailed]
                .compactMap { k in log.totals[k].map { "\($0) \(k.rawValue.replacingOccurrences(of: "_", with: " "))" } }
            return CheckResult(check: .documents, status: .failed, summary: "\(scope): \(figures); \(kinds.joined(separator: ", "))")
        }
        return CheckResult(check: .documents, status: .passed, summary: "\(scope): \(figures)")
    }

    func countsResult(_ c: CountFigures, subject: VerificationSubject, into log: inout DifferenceLog) -> CheckResult {
        guard let expected = c.expected else {
            return CheckResult(
                check: .counts, status: .skipped,
                summary: "source \(c.source), target \(c.target); the documents the steps drop are unknown for a sample without a journaled run (verify without --sample to count them)")
        }
        let line = "source \(c.source) − dropped \(c.dropped ?? 0) − dead letters \(c.deadLetters) = \(expected); target holds \(c.target)"
        guard expected == c.target else {
            let delta = c.target - expected
            log.add(Difference(.count, subject.targetIndex, "holds \(c.target) documents, expected \(expected) (\(abs(delta)) \(delta < 0 ? "fewer" : "more"))"))
            return CheckResult(check: .counts, status: .failed, summary: line)
        }
        return CheckResult(check: .counts, status: .passed, summary: line)
    }

    func canariesResult(_ results: [CanaryResult], into log: inout DifferenceLog) -> CheckResult {
        for r in results where !r.passes {
            var detail = r.problem ?? "source \(r.sourceCount.map(String.init) ?? "?"), target \(r.targetCount.map(String.init) ?? "?")"
            if let note = r.note { detail += " (\(note))" }
            if !r.onlyInSource.isEmpty { detail += "; only in source: \(r.onlyInSource.joined(separator: ", "))" }
            if !r.onlyInTarget.isEmpty { detail += "; only in target: \(r.onlyInTarget.joined(separator: ", "))" }
            log.add(Difference(.canary, r.canary, detail))
        }
        let failing = results.filter { !$0.passes }
        let differing = results.filter { $0.expectDiffer && !$0.agrees }
        var summary = "\(results.count - failing.count - differing.count) of \(results.count) agree"
        if !differing.isEmpty { summary += "; \(differing.count) differ as expected (\(differing.map(\.canary).joined(separator: ", ")))" }
        if !failing.isEmpty { summary += "; \(failing.count) differ: \(failing.map(\.canary).joined(separator: ", "))" }
        return CheckResult(check: .canaries, status: failing.isEmpty ? .passed : .failed, summary: summary)
    }
}
