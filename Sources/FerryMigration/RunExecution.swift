import Foundation
import FerryCluster
import FerryCore

/// One run being driven through its phases, with the figures its report needs. Each pass of
/// `drive` does one phase's work and journals the next phase, so a run killed anywhere picks
/// up where it was.
final class RunExecution {
    let migrator: Migrator
    let plan: MigrationPlan
    private(set) var record: RunRecord
    let options: RunOptions
    let lease: Lease
    let run: RunContext

    private var copySeconds = 0.0
    private var copyCPU = 0.0
    private var lastCounts = CopyCounts()
    private var catchUpStats = CatchUpStats()
    private var freezeMilliseconds: Int? = nil

    init(migrator: Migrator, plan: MigrationPlan, record: RunRecord, options: RunOptions, lease: Lease) {
        self.migrator = migrator
        self.plan = plan
        self.record = record
        self.options = options
        self.lease = lease
        run = RunContext(runID: record.runID, startedAtISO: record.startedAt)
    }

    /// Runs phases until the run is over.
    func drive() throws {
        do {
            while !record.phase.isFinal {
                Failpoints.hit("phase:\(record.phase.rawValue)")
                try lease.check()
                let next = try perform(record.phase)
                try migrator.journal.setPhase(record.runID, next, Migrator.message(for: next, plan))
                record.phase = next
            }
        } catch {
            // Never leave the application blocked because this run failed: if writes are frozen
            // and the aliases have not moved, lift the block and go back to catching up (the
            // next attempt freezes again). A kill -9 cannot get here: the same command lifts it
            // by finishing the run.
            if plan.mode == .blueGreen, record.phase == .frozen || record.phase == .verified {
                migrator.liftFreezeAfterFailure(plan, record: record, cause: error)
            }
            throw error
        }
    }

    /// Does the work of `phase` and returns the phase that follows.
    private func perform(_ phase: Phase) throws -> Phase {
        switch phase {
        case .validating:
            try migrator.validate(plan, run: run)
            if plan.mode == .inPlace {
                try inPlace.putMapping()
            } else {
                try migrator.createTargets(plan, run: run)
            }
            return .targetCreated
        case .targetCreated:
            if plan.mode == .writeNewFirst { try writeNewFirst.moveWriteAlias() }
            return .copying
        case .copying:
            let started = Date()
            let cpu = processCPUSeconds()
            lastCounts = try migrator.copyPendingSlices(plan, record: record, run: run, options: options)
            copySeconds = Date().timeIntervalSince(started)
            copyCPU = processCPUSeconds() - cpu
            return .copied
        case .copied:
            switch plan.mode {
            case .blueGreen:
                return .catchingUp
            case .writeNewFirst:
                try writeNewFirst.drainOldIndex(run: run, options: options)
                try migrator.verify(plan, record: record, options: options)
                return .verified
            case .inPlace:
                try inPlace.finish()
                return .verified
            }
        case .catchingUp:
            try catchUp.passes(&catchUpStats)
            try migrator.freezeWrites(plan.source.index, record: record)
            return .frozen
        case .frozen:
            // Idempotent: after a resume the block may have been lifted by hand.
            try migrator.freezeWrites(plan.source.index, record: record)
            try catchUp.frozenPass(&catchUpStats)
            if let rollbackCopy = CatchUp.forRollbackCopy(of: plan, migrator: migrator, record: record, run: run, options: options) {
                var copyStats = CatchUpStats()
                try rollbackCopy.frozenPass(&copyStats)
            }
            try migrator.verify(plan, record: record, options: options)
            try migrator.verifyContent(record: record, options: options)
            return .verified
        case .verified:
            return try finishVerified()
        case .switched:
            return .completed
        case .completed, .abandoned, .rolledBack:
            return phase
        }
    }

    /// The switch, as each mode has it.
    private func finishVerified() throws -> Phase {
        switch plan.mode {
        case .writeNewFirst:
            try writeNewFirst.retireOldIndex()
        case .inPlace:
            break
        case .blueGreen:
            // Everything verified assumed writes were blocked; if the block is gone (lifted by
            // hand), catch up and freeze again rather than switch on a moving source.
            let switched = try migrator.client.resolve(migrator.recipe.readAlias) == .alias(indices: [plan.targetIndex])
            guard try switched || migrator.isWriteBlocked(plan.source.index) else { return .catchingUp }
            try migrator.switchAliases(plan)
            Failpoints.hit("after-switch")
            if let frozenAt = try migrator.journal.frozenAt(record.runID) {
                let window = Int(Lease.nowMilliseconds() - frozenAt)
                freezeMilliseconds = window
                try migrator.journal.setFreezeWindow(record.runID, milliseconds: window)
            }
        }
        return .switched
    }

    private var catchUp: CatchUp {
        CatchUp(migrator: migrator, plan: plan, record: record, run: run, options: options)
    }

    private var writeNewFirst: WriteNewFirst {
        WriteNewFirst(migrator: migrator, plan: plan, record: record)
    }

    private var inPlace: InPlace {
        InPlace(migrator: migrator, plan: plan, record: record, run: run, options: options)
    }

    func report(began: Date, cpuAtStart: Double) throws -> MigrationReport {
        var report = MigrationReport(
            runID: record.runID, recipe: migrator.recipe.name, sourceIndex: plan.source.index, targetIndex: plan.targetIndex,
            path: plan.pathDescription, totals: try migrator.journal.totals(record.runID), counts: lastCounts,
            seconds: Date().timeIntervalSince(began), copySeconds: copySeconds, preservedIndex: plan.preservedIndex)
        report.freezeMilliseconds = freezeMilliseconds
        report.copyCPUSeconds = copyCPU
        report.cpuSeconds = processCPUSeconds() - cpuAtStart
        report.catchUp = catchUpStats
        report.targetCount = try migrator.client.count(plan.targetIndex)
        return report
    }
}
