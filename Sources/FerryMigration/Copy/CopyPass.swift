/// The one copy-pass service: every pass that moves documents (the first copy, catch-up, the
/// frozen pass, the write-new-first backfill and drain, the in-place rewrite) runs here, with
/// the run's workers, writers, reader, lease check, ledger and failure mapping.
import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

/// One pass: which documents (a query over some slices), through which steps, written how.
struct CopyPass {
    /// Where a pass's results go in the journal.
    enum Journaling {
        /// The first copy: slice by slice, so a resumed run redoes unfinished slices only.
        case slices
        /// Later passes: dead letters and dropped documents added by document.
        case byDocument
        /// A copy the run's records are not about (the rollback copy): any failure stops it.
        case strict(String)
    }

    var label: String
    var source: String
    var target: String
    var steps: [StepSpec]
    var write: any WritePolicy
    /// nil: every document of the slices.
    var query: JSONValue? = nil
    var slices: [Int] = [0]
    var sliceCount = 1
    var expected: Int
    var alreadyDone = 0
    var journaling: Journaling = .byDocument
    /// Pages to transform instead of reading `source` (see `CopyJob.replay`).
    var replay: [SearchPage]? = nil
    /// Who writes: ferry's pipeline, or the cluster's `_reindex` for a mapping-only first copy
    /// (Copy/CopyChoice.swift).
    var copier: Copier = .ferry
}

extension RunScope {
    /// A pass of this run's plan (source → target through its steps).
    func pass(_ label: String, write: any WritePolicy, query: JSONValue?, expected: Int) -> CopyPass {
        CopyPass(label: label, source: plan.source.index, target: plan.targetIndex, steps: plan.steps, write: write, query: query, expected: expected)
    }

    /// Runs `pass` to the end and returns its counts. A pass that stops throws `CopyFailed`
    /// (whose cause says the exit code: too many failures, or the cluster unavailable), with
    /// the failures so far journaled.
    @discardableResult
    func copy(_ pass: CopyPass) throws -> CopyCounts {
        if case .cluster(let sliced) = pass.copier { return try copyInCluster(pass, sliced: sliced) }
        var job = CopyJob(
            sourceIndex: pass.source, targetIndex: pass.target, steps: pass.steps, recipe: recipe, run: run,
            batch: recipe.batch, slices: pass.slices, sliceCount: pass.sliceCount)
        job.query = pass.query
        job.replay = pass.replay
        job.write = pass.write
        job.workers = options.workers
        job.writers = options.writers
        job.pointInTime = options.reader == .scroll ? nil : clusterInfo
        job.stuckDocuments = try journal.stuckDocuments(runID)
        if let throttle = runThrottle() {
            job.throttle = throttle
            job.batch.size = min(job.batch.size, throttle.smoothBatchSize)
        }
        switch pass.journaling {
        case .slices: job.maxFailures = max(0, options.maxErrors - (try journal.totals(runID).failed))
        case .byDocument: job.maxFailures = max(0, options.maxErrors - (try journal.deadLetterCount(runID)))
        case .strict: job.maxFailures = .max
        }
        let lease = self.lease
        var config = cluster
        config.deadline = freezeGuard.deadline  // under the freeze, every request ends by its deadline
        let pipeline = CopyPipeline(job: job, cluster: config, leaseLost: { lease?.lostReason })
        let (journal, runID, progress) = (self.journal, self.runID, self.progress)
        do {
            try pipeline.run(
                expected: pass.expected, alreadyDone: pass.alreadyDone,
                progress: { progress(pass.label, $0) },
                sliceCompleted: { result in
                    switch pass.journaling {
                    case .slices:
                        try journal.completeSlice(runID, result)
                        Failpoints.hit("slice-completed")
                    case .byDocument:
                        try journal.recordDeadLetters(runID, slice: -1, result.failures, replacingSlice: false)
                        try journal.recordSkipped(runID, result.skippedDocuments)
                    case .strict(let what):
                        if let failure = result.failures.first { throw FerryError("\(what): \(failure)") }
                    }
                })
        } catch {
            if let stuck = error as? DocumentStuck { try? journal.recordStuck(runID, stuck, phase: record.phase) }
            for (slice, failures) in pipeline.unfinishedFailures {
                switch pass.journaling {
                case .slices: try? journal.recordDeadLetters(runID, slice: slice, failures)
                case .byDocument: try? journal.recordDeadLetters(runID, slice: -1, failures, replacingSlice: false)
                case .strict: break
                }
            }
            summarize(pass, pipeline)
            try? journalPass(pass, pipeline.counts)   // what it wrote before it stopped is in the target
            throw CopyFailed(cause: error, failures: pipeline.recentFailures, counts: pipeline.counts, runID: runID, recipe: recipe.name, pass: pass.label)
        }
        summarize(pass, pipeline)
        try journalPass(pass, pipeline.counts)
        return pipeline.counts
    }

    /// The run's throttle, for a pass outside the freeze: under the freeze, every second blocks
    /// the application's writes, and the frozen pass is bounded by `--freeze-threshold` anyway.
    private func runThrottle() -> DocumentThrottle? {
        guard let limit = options.maxDocsPerSecond, freezeGuard.deadline == nil else { return nil }
        if figures.throttle == nil { figures.throttle = DocumentThrottle(limit: limit) }
        return figures.throttle
    }

    /// A later pass's counts, by kind (the first copy's are in its slices): status adds them up.
    private func journalPass(_ pass: CopyPass, _ counts: CopyCounts) throws {
        guard case .byDocument = pass.journaling else { return }
        try journal.recordPass(runID, label: pass.label, read: counts.read, written: counts.written, dropped: counts.dropped, failed: counts.failed)
    }

    private func summarize(_ pass: CopyPass, _ pipeline: CopyPipeline) {
        let counts = pipeline.counts
        figures.passes.append(PassSummary(
            label: pass.label, workers: options.workers, writers: options.writers, slices: pass.slices.count,
            reader: pipeline.readerUsed, write: pass.write.summary, read: counts.read, written: counts.written, failed: counts.failed))
    }

    /// The first copy: every slice the journal has not recorded as done, in passes (a slice
    /// whose point in time or scroll expired is read again in the next pass).
    func copyPendingSlices(write: any WritePolicy, query: JSONValue?) throws -> CopyCounts {
        var pending = try journal.pendingSlices(runID)
        let expected = try client.count(plan.source.index, query: query)
        var counts = CopyCounts()
        let choice = try firstCopyChoice(write: write, query: query)
        figures.copyNote = choice.line
        say("copying \(plan.source.index) → \(plan.targetIndex) through \(plan.pathDescription)"
            + (pending.count < record.sliceCount ? " (\(record.sliceCount - pending.count) of \(record.sliceCount) slices already done)" : ""))
        if let line = choice.line { say(line) }
        var round = 0
        while !pending.isEmpty {
            round += 1
            var pass = self.pass("copy", write: write, query: query, expected: expected)
            pass.slices = pending
            pass.sliceCount = record.sliceCount
            pass.alreadyDone = try journal.totals(runID).read
            pass.journaling = .slices
            pass.copier = choice.copier
            counts = try copy(pass)
            let remaining = try journal.pendingSlices(runID)
            guard remaining.count < pending.count else {
                throw FerryError("copy pass \(round) finished no slice (\(remaining.count) pending); stopping")
            }
            pending = remaining
        }
        return counts
    }
}

extension RunScope {
    /// Runs the first copy, timing it (wall and CPU) for the report.
    func timedCopy(_ body: () throws -> CopyCounts) throws {
        let started = Date()
        let cpu = processCPUSeconds()
        figures.lastCounts = try body()
        figures.copySeconds = Date().timeIntervalSince(started)
        figures.copyCPU = processCPUSeconds() - cpu
    }
}
