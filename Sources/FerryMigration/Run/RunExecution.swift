/// The run loop: drives one run through its mode's phases, journaling each transition, and
/// gathers the figures of its report.
import Foundation
import FerryCluster
import FerryCore

/// Each pass of `drive` does one phase's work (the strategy's) and journals the next phase, so
/// a run killed anywhere picks up where it was.
final class RunExecution {
    let scope: RunScope
    private(set) var record: RunRecord

    init(scope: RunScope) {
        self.scope = scope
        self.record = scope.record
    }

    /// Runs phases until the run is over.
    func drive() throws {
        let strategy = scope.strategy
        do {
            while !record.phase.isFinal {
                Failpoints.hit("phase:\(record.phase.rawValue)")
                try scope.lease?.check()
                try scope.journal.checkInPlace(runID: record.runID)
                let next = try strategy.perform(record.phase, in: scope)
                try scope.journal.setPhase(record.runID, next, Self.message(for: next, scope.plan))
                record.phase = next
            }
        } catch {
            strategy.recover(from: error, in: record.phase, scope: scope)
            throw error
        }
    }

    static func message(for phase: Phase, _ plan: MigrationPlan) -> String {
        switch phase {
        case .targetCreated: return "created \(plan.targetIndex)"
        case .copying: return "copying \(plan.source.index) → \(plan.targetIndex)"
        case .copied: return "copy finished"
        case .verified: return "verified \(plan.targetIndex)"
        case .switched: return "aliases switched to \(plan.targetIndex)"
        case .completed: return "completed"
        default: return phase.rawValue.lowercased()
        }
    }

    func report(began: Date, cpuAtStart: Double) throws -> MigrationReport {
        let (plan, figures) = (scope.plan, scope.figures)
        var report = MigrationReport(
            runID: record.runID, recipe: scope.recipe.name, sourceIndex: plan.source.index, targetIndex: plan.targetIndex,
            path: plan.pathDescription, totals: try scope.journal.totals(record.runID), counts: figures.lastCounts,
            seconds: Date().timeIntervalSince(began), copySeconds: figures.copySeconds, preservedIndex: plan.preservedIndex)
        report.freezeMilliseconds = figures.freezeMilliseconds
        report.copyCPUSeconds = figures.copyCPU
        report.cpuSeconds = processCPUSeconds() - cpuAtStart
        report.catchUp = figures.catchUp
        report.passes = figures.passes
        report.throttle = figures.throttle?.figures
        report.copyNote = figures.copyNote
        report.laterPasses = try scope.journal.passTotals(record.runID)
        report.targetCount = try scope.client.count(plan.targetIndex)
        report.deadLetters = try scope.journal.deadLetterCount(record.runID)
        return report
    }
}
