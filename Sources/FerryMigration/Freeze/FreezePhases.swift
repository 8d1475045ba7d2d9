import Foundation
import FerryCluster
import FerryCore

/// The blue-green phases around the write block: freezing once catch-up is small, the work
/// under the block (bounded by `--max-freeze`), and the switch under the guard.
extension RunScope {
    /// Blocks writes once catch-up has brought the delta down (FROZEN next); after a freeze was
    /// lifted at the deadline, only if the delta is under `--freeze-threshold` again. The block
    /// request is the freeze's first: if it outlasts `--max-freeze`, the block is lifted as for
    /// any other (CATCHING_UP again, or the run stops after the last allowed freeze).
    func freezeAfterCatchUp() throws -> Phase {
        let stats = figures.catchUp
        if stats.freeze.liftedAtDeadline > 0, stats.lastDelta > options.freezeThreshold {
            throw FerryError(
                "the freeze was lifted at --max-freeze and catch-up could not bring the delta back under --freeze-threshold (\(stats.lastDelta) > \(options.freezeThreshold) documents); writes to \(plan.source.index) are not blocked",
                hint: "`ferry run \(recipe.name)` again when the application writes less, or raise --max-freeze")
        }
        do {
            try writeBlock.freezeWrites(plan.source.index, record: record, maxFreeze: options.maxFreeze)
        } catch where writeBlock.pastDeadline {
            return try liftAtDeadline(cause: error)
        }
        return .frozen
    }

    /// CATCHING_UP, after the passes: the content check before the block (`ContentCheck`);
    /// what it could not settle is checked again under the block.
    func checkBeforeFreeze() throws {
        var why: String? = nil
        var ms = 0
        try timed(&ms) { why = try verifyBeforeFreeze() }
        figures.catchUp.freeze.contentBeforeFreeze = ms
        figures.catchUp.freeze.contentUnderFreeze = why
        if let why { say("the content check runs again under the freeze: \(why)") }
    }

    /// FROZEN: the frozen pass (delta, counts, an id check if they disagree) and what must
    /// hold at the switch, all by the deadline; past it, the block is lifted and the run
    /// catches up again. The content check ran before the block, unless it could not settle
    /// everything there (or the run was resumed here): then it runs under the block, as before.
    func frozenPhase() throws -> Phase {
        do {
            // Idempotent: after a resume the block may have been lifted by hand.
            try writeBlock.freezeWrites(plan.source.index, record: record, maxFreeze: options.maxFreeze)
            try CatchUp(scope: self).frozenPass(&figures.catchUp)
            if figures.catchUp.freeze.contentBeforeFreeze == nil { figures.catchUp.freeze.contentUnderFreeze = "resumed under the freeze" }
            let contentUnderTheBlock = figures.catchUp.freeze.contentUnderFreeze != nil
            var ms = 0
            try timed(&ms) {
                if let rollbackCopy = CatchUp.forRollbackCopy(of: self) {
                    var copyStats = CatchUpStats()
                    try rollbackCopy.exactFrozenPass(&copyStats)
                }
                try checkDeadLetters()
                if contentUnderTheBlock {
                    try verify(stableCount: true)
                    try verifyContent()
                }
            }
            figures.catchUp.freeze.verificationMilliseconds += ms
            if writeBlock.pastDeadline { throw FerryError("the checks under the freeze ended after it") }
        } catch where writeBlock.pastDeadline {
            return try liftAtDeadline(cause: error)
        }
        return .verified
    }

    /// Past `--max-freeze`: lifts the block (journaled with the reason, said once) and catches
    /// up again, or, after `maxFreezeAttempts` such freezes, journals the return to CATCHING_UP
    /// and stops with `FreezeDeadlineReached`, which tells the stop path the block is already
    /// lifted (lifting it again would print and journal a second lift).
    private func liftAtDeadline(cause: any Error) throws -> Phase {
        let reason = "the freeze reached --max-freeze (\(Self.seconds(options.maxFreeze))): \(cause)"
        let index = plan.source.index
        let attempts = figures.catchUp.freeze.liftedAtDeadline + 1
        let last = attempts >= options.maxFreezeAttempts
        try writeBlock.unfreezeWrites(
            index, record: record, reason: reason,
            saying: "\(reason); lifted the write block on \(index)" + (last ? "" : ", catching up again"))
        figures.catchUp.freeze.liftedAtDeadline = attempts
        guard !last else {
            try journal.setPhase(runID, .catchingUp, "\(attempts) freezes reached --max-freeze; the write block is lifted")
            throw FreezeDeadlineReached(
                description: "\(attempts) freezes reached --max-freeze (\(Self.seconds(options.maxFreeze))), so the run stops; writes to \(index) are not blocked and the aliases still point to it",
                hint: "`ferry run \(recipe.name)` continues (catches up and freezes again); raise --max-freeze if the cluster is slow, or `ferry rollback \(recipe.name)`")
        }
        return .catchingUp
    }

    /// The switch, under the guard: a signal arriving meanwhile waits for it, then sees it
    /// done. Returns false (catch up again) if the block is gone, lifted by hand: everything
    /// verified assumed it was there.
    func switchUnderTheBlock() throws -> Bool {
        let moved: Bool = try freezeGuard.whileNotInterrupted {
            let switched = try client.resolve(recipe.readAlias).hasSwitched(from: plan.source.index, to: plan.targetIndex)
            guard try switched || writeBlock.isWriteBlocked(plan.source.index) else { return false }
            try switchAliases()
            // The block stays, as the rollback point: no longer the signal handler's to lift.
            freezeGuard.blockLifted()
            return true
        }
        freezeGuard.deadline = nil
        client.deadline = nil
        return moved
    }

    /// Whether a failure in `phase` may have left writes blocked by this run.
    func mayHoldTheBlock(_ phase: Phase, after error: any Error) -> Bool {
        !(error is Interrupted) && !(error is FreezeDeadlineReached) && (phase == .frozen || phase == .verified || freezeGuard.currentBlock != nil)
    }

    private static func seconds(_ duration: Duration) -> String {
        let s = duration.inSeconds
        return s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s)
    }
}
