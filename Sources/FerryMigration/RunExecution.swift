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
            if plan.mode == .blueGreen, !(error is Interrupted),
               record.phase == .frozen || record.phase == .verified || migrator.freezeGuard.currentBlock != nil {
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
            if catchUpStats.freeze.liftedAtDeadline > 0, catchUpStats.lastDelta > options.freezeThreshold {
                throw FerryError(
                    "the freeze was lifted at --max-freeze and catch-up could not bring the delta back under --freeze-threshold (\(catchUpStats.lastDelta) > \(options.freezeThreshold) documents); writes to \(plan.source.index) are not blocked",
                    hint: "`ferry run \(migrator.recipe.name)` again when the application writes less, or raise --max-freeze")
            }
            try migrator.freezeWrites(plan.source.index, record: record, maxFreeze: options.maxFreeze)
            return .frozen
        case .frozen:
            // Idempotent: after a resume the block may have been lifted by hand.
            try migrator.freezeWrites(plan.source.index, record: record, maxFreeze: options.maxFreeze)
            do {
                try underTheFreeze()
            } catch where migrator.freezePastDeadline {
                return try liftAtDeadline(cause: error)
            }
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
            // Under the guard: a signal arriving now waits for the switch, then sees it done.
            let moved: Bool = try migrator.freezeGuard.whileNotInterrupted {
                let switched = try migrator.client.resolve(migrator.recipe.readAlias) == .alias(indices: [plan.targetIndex])
                guard try switched || migrator.isWriteBlocked(plan.source.index) else { return false }
                try migrator.switchAliases(plan)
                migrator.freezeGuard.blockLifted()  // the block stays, as the rollback point; not ours to lift any more
                return true
            }
            guard moved else { return .catchingUp }
            migrator.freezeDeadline = nil
            Failpoints.hit("after-switch")
            if let frozenAt = try migrator.journal.frozenAt(record.runID) {
                let window = Int(Lease.nowMilliseconds() - frozenAt)
                freezeMilliseconds = window
                try migrator.journal.setFreezeWindow(record.runID, milliseconds: window)
            }
        }
        return .switched
    }

    /// The frozen pass and the checks before the switch, all under the deadline.
    private func underTheFreeze() throws {
        try catchUp.frozenPass(&catchUpStats)
        try timed(&catchUpStats.freeze.verificationMilliseconds) {
            if let rollbackCopy = CatchUp.forRollbackCopy(of: plan, migrator: migrator, record: record, run: run, options: options) {
                var copyStats = CatchUpStats()
                try rollbackCopy.exactFrozenPass(&copyStats)
            }
            try migrator.verify(plan, record: record, options: options)
            try migrator.verifyContent(record: record, options: options)
        }
        if migrator.freezePastDeadline {
            throw FerryError("the checks under the freeze ended after --max-freeze")
        }
    }

    /// Past `--max-freeze`: lifts the block (journaled with the reason) and catches up again,
    /// or, after `maxFreezeAttempts` such freezes, stops with the block lifted.
    private func liftAtDeadline(cause: any Error) throws -> Phase {
        let seconds = Int(options.maxFreeze.inSeconds)
        let reason = "the freeze reached --max-freeze (\(seconds) s): \(cause)"
        try migrator.unfreezeWrites(plan.source.index, record: record, reason: reason)
        catchUpStats.freeze.liftedAtDeadline += 1
        guard catchUpStats.freeze.liftedAtDeadline < options.maxFreezeAttempts else {
            throw FerryError(
                "\(reason); \(catchUpStats.freeze.liftedAtDeadline) freezes reached the deadline, so the run stops; the write block on \(plan.source.index) is lifted and the aliases still point to it",
                hint: "`ferry run \(migrator.recipe.name)` continues (catches up and freezes again); raise --max-freeze if the cluster is slow, or `ferry rollback \(migrator.recipe.name)`")
        }
        migrator.say("\(reason); lifted the write block, catching up again")
        return .catchingUp
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
