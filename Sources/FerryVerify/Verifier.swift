import Foundation
import FerryCluster
import FerryCore
import FerryJournal
import FerryPipeline
import FerryRecipes
import FerryScripting

/// How much `Verifier.verify` checks.
public struct VerifyOptions: Sendable {
    /// Compare a random sample of this many source documents instead of all of them.
    public var sample: Int?
    /// The sample's `random_score` seed: the same seed on the same data picks the same
    /// documents. nil picks one (reported, so the sample can be repeated).
    public var seed: Int?
    /// Source documents per page (and target ids per lookup).
    public var pageSize = 500
    /// Differences kept in the report; all are counted.
    public var differenceLimit = 100
    public var checks: Set<VerifyCheck> = Set(VerifyCheck.allCases)

    public init(sample: Int? = nil, seed: Int? = nil) {
        self.sample = sample
        self.seed = seed
    }
}

/// `ferry verify`, and the check `ferry run` makes before it switches: does the target hold
/// exactly T(source)? Counts, every (or a sample of) document recomputed through the steps and
/// compared byte for byte, the live mapping, and the recipe's canary queries.
///
/// Synchronous, on the caller's thread: one `ClusterClient`, one `LuaEngine`, one page of
/// documents in memory at a time.
public final class Verifier {
    public let recipe: Recipe
    let client: ClusterClient
    /// Called after each page of documents with the number of source documents read so far.
    public var progress: (Int) -> Void = { _ in }

    public init(recipe: Recipe, client: ClusterClient) {
        self.recipe = recipe
        self.client = client
    }

    public convenience init(recipe: Recipe, cluster: ClusterConfig) throws {
        self.init(recipe: recipe, client: try ClusterClient(config: cluster))
    }

    /// `Verifier(...).verify(subject, sample: 1000).passed`
    public func verify(_ subject: VerificationSubject, sample: Int?, seed: Int? = nil) throws -> VerificationReport {
        try verify(subject, options: VerifyOptions(sample: sample, seed: seed))
    }

    /// Throws only when it cannot verify (an index is missing, the cluster fails, the recipe
    /// does not load); differences are in the report.
    public func verify(_ subject: VerificationSubject, options: VerifyOptions) throws -> VerificationReport {
        let began = ContinuousClock.now
        for index in [subject.sourceIndex, subject.targetIndex] where try !client.indexExists(index) {
            throw FerryError("cannot verify: index \(index) does not exist")
        }
        if let sample = options.sample, sample < 1 {
            throw FerryError("cannot verify: a sample needs at least 1 document (got \(sample))")
        }
        var warnings = subject.notes
        if let runFingerprint = subject.runFingerprint, try recipe.fingerprint() != runFingerprint {
            warnings.append("recipe \(recipe.name) changed since run \(subject.runID ?? "?") started: T is recomputed with today's scripts, mappings and lookups")
        }
        let seed = options.sample == nil ? nil : options.seed ?? Int.random(in: 0...Int(Int32.max))
        var log = DifferenceLog(limit: options.differenceLimit)
        var results: [VerifyCheck: CheckResult] = [:]
        func skip(_ check: VerifyCheck, _ why: String) { results[check] = CheckResult(check: check, status: .skipped, summary: why) }

        // T as the run applied it, for the documents and for canary ids only the old index has.
        let transform = options.checks.isDisjoint(with: [.documents, .canaries])
            ? nil : try RecomputedTransform(recipe: recipe, subject: subject)

        // Documents first: a full pass counts the dropped documents the count check needs.
        var documents: DocumentCheck?
        if options.checks.contains(.documents) {
            documents = try checkDocuments(subject, transform: transform!, options: options, seed: seed, into: &log)
            results[.documents] = documentsResult(documents!, options: options, seed: seed, log: log)
        } else {
            skip(.documents, "not asked for")
        }

        var counts: CountFigures?
        if options.checks.contains(.counts) {
            let full = options.sample == nil ? documents : nil
            counts = CountFigures(
                source: try full?.read ?? client.count(subject.sourceIndex),
                dropped: full?.dropped ?? subject.droppedByRun,
                deadLetters: full?.deadLetters ?? subject.deadLetterIDs.count,
                target: try client.count(subject.targetIndex))
            results[.counts] = countsResult(counts!, subject: subject, into: &log)
        } else {
            skip(.counts, "not asked for")
        }

        if options.checks.contains(.mapping) {
            let (fields, found) = try MappingCheck(client: client, recipe: recipe)
                .differences(index: subject.targetIndex, version: subject.targetVersion)
            found.forEach { log.add($0) }
            let file = recipe.mappingPath(for: subject.targetVersion)
            results[.mapping] = found.isEmpty
                ? CheckResult(check: .mapping, status: .passed, summary: "\(fields) fields match \(file)")
                : CheckResult(check: .mapping, status: .failed, summary: "\(found.count) field\(found.count == 1 ? " of \(subject.targetIndex) differs" : "s of \(subject.targetIndex) differ") from \(file): \(found.map(\.subject).joined(separator: ", "))")
        } else {
            skip(.mapping, "not asked for")
        }

        var canaries: [CanaryResult] = []
        if !options.checks.contains(.canaries) {
            skip(.canaries, "not asked for")
        } else if recipe.canaries.isEmpty {
            skip(.canaries, "the recipe declares none (canaries in recipe.lua)")
        } else {
            // The documents the run left out on purpose are not in the target: by id where known.
            let droppedIDs = documents?.droppedIDs ?? []
            let unknownDropped = options.sample == nil && documents != nil
                ? documents!.dropped - droppedIDs.count
                : max(0, (subject.droppedByRun ?? 0) - droppedIDs.count)
            let check = CanaryCheck(
                client: client, sourceIndex: subject.sourceIndex, targetIndex: subject.targetIndex,
                leftOut: subject.deadLetterIDs.union(droppedIDs), unknownLeftOut: unknownDropped, transform: transform!)
            canaries = try recipe.canaries.map { try check.run($0) }
            results[.canaries] = canariesResult(canaries, into: &log)
        }

        return VerificationReport(
            recipe: recipe.name, subject: subject, sample: options.sample, seed: seed,
            checks: VerifyCheck.allCases.compactMap { results[$0] }, differences: log.listed,
            differenceTotals: log.totals, counts: counts, canaries: canaries,
            documentsChecked: documents?.read ?? 0, warnings: warnings,
            seconds: (ContinuousClock.now - began) / .seconds(1))
    }

    // MARK: Documents

    private func checkDocuments(
        _ subject: VerificationSubject, transform: RecomputedTransform, options: VerifyOptions, seed: Int?,
        into log: inout DifferenceLog
    ) throws -> DocumentCheck {
        var check = DocumentCheck(client: client, transform: transform, subject: subject)
        let pageSize = max(1, min(options.pageSize, 10_000))
        if let sample = options.sample, let seed {
            try readSample(subject.sourceIndex, count: sample, seed: seed, pageSize: pageSize) { page, take in
                try check.check(page, first: take, into: &log)
                progress(check.read)
            }
        } else {
            try client.scrollAll(index: subject.sourceIndex, body: ["sort": ["_doc"]], size: pageSize, keepAlive: .seconds(300)) { page in
                try check.check(page, into: &log)
                progress(check.read)
            }
            try check.findUnexpected(pageSize: max(pageSize, 1000), into: &log)
        }
        return check
    }

    /// The first `count` documents by `random_score` (seeded, on `_seq_no`): a uniform sample
    /// the cluster picks, read with a scroll sorted by score and cut after `count` hits
    /// (`handle` gets each page and how many of its first hits belong to the sample).
    private func readSample(
        _ index: String, count: Int, seed: Int, pageSize: Int, _ handle: (SearchPage, Int) throws -> Void
    ) throws {
        let body: JSONValue = [
            "query": ["function_score": [
                "query": ["match_all": [:]],
                "random_score": ["seed": .int(Int64(seed)), "field": "_seq_no"],
                "boost_mode": "replace",
            ]],
            "sort": ["_score"],
        ]
        var page = try client.openScroll(index: index, body: body, size: min(pageSize, count), keepAlive: .seconds(300))
        var scrollID = page.scrollID
        defer { if let scrollID { try? client.clearScroll(id: scrollID) } }
        var remaining = count
        while !page.hits.isEmpty, remaining > 0 {
            let take = min(page.hits.count, remaining)
            remaining -= take
            try handle(page, take)
            guard remaining > 0, let id = page.scrollID else { break }
            page = try client.scroll(id: id, keepAlive: .seconds(300))
            scrollID = page.scrollID ?? scrollID
        }
    }
}
