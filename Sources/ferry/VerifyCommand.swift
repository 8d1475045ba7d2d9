import ArgumentParser
import Foundation
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes

/// `ferry verify`'s own exit code, kept here rather than in ExitStatus: only verify uses it.
enum VerifyExit {
    /// Verification ran to the end and found differences (not an error: the answer is "no").
    static let differencesFound: Int32 = 6
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the new index holds exactly T(old index). Read-only.",
        discussion: """
            Finds the recipe's latest run in the journal (its source and target indices, its \
            run_started_at and dead letters; for an adopted concrete index, the preserved copy \
            is read after the switch) and checks:
              counts     source − dropped − dead letters = target
              documents  each source document (or --sample N) through the steps again,
                         compared with the target: missing, unexpected, differs (+ path)
              mapping    the target's live field mapping = mappings/<to>.json
              canaries   the recipe's canary queries answer the same on both indices

            Without a journaled run, name the indices: --source and --target (with --from \
            and --to unless ferry created them, and --run-started-at unless the journal has \
            the run that made the target). Nothing in the cluster changes. See docs/verify.md.

            Examples:
              ferry verify blog_posts                         every document
              ferry verify blog_posts --sample 1000           1000 random documents
              ferry verify blog_posts --sample 1000 --seed 7  the same 1000 again
              ferry verify blog_posts --json | jq .differences
              ferry verify blog_posts --source posts-v1 --target posts-v3
                  --from 1.0 --to 3.0 --run-started-at 2026-01-01T00:00:00Z

            Exit codes: 0 verified; 6 differences found; 1 cannot verify (an index is missing, \
            the cluster failed, no run to verify: the message names the thing); 64 bad usage.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe.")
    var recipe: String

    @Option(help: "Compare a random sample of N source documents instead of all.")
    var sample: Int?

    @Option(help: "Seed of the sample (the same seed on the same data picks the same documents).")
    var seed: Int?

    @Flag(help: "Print the report as one JSON document.")
    var json = false

    @Option(help: "Differences listed (all are counted).")
    var limit: Int = 50

    @Option(name: .customLong("run"), help: "Verify this run (default: the recipe's latest).")
    var runID: String?

    @Option(help: ArgumentHelp("The old index, when there is no journaled run.", valueName: "index"))
    var source: String?

    @Option(help: ArgumentHelp("The new index, when there is no journaled run.", valueName: "index"))
    var target: String?

    @Option(help: "Version of --source (default: its _meta.ferry.version).")
    var from: String?

    @Option(help: "Version of --target (default: its _meta.ferry.version).")
    var to: String?

    @Option(name: .customLong("run-started-at"),
            help: ArgumentHelp("ctx.run_started_at of the run that made --target, when the journal does not have it.", valueName: "iso8601"))
    var runStartedAt: String?

    func validate() throws {
        if let sample, sample < 1 { throw ValidationError("--sample must be at least 1") }
        if let seed, !(0...Int(Int32.max)).contains(seed) { throw ValidationError("--seed must be between 0 and \(Int32.max)") }
        if limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if (source == nil) != (target == nil) { throw ValidationError("--source and --target go together") }
        if source != nil, runID != nil { throw ValidationError("use --run or --source/--target, not both") }
        if source == nil, from != nil || to != nil || runStartedAt != nil {
            throw ValidationError("--from, --to and --run-started-at need --source and --target (a journaled run knows them)")
        }
    }

    func run() throws {
        global.bootstrapLogging()
        var passed = false
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let client = try ClusterClient(config: try global.clusterConfig())
            _ = try client.info()
            let subject = try findSubject(recipe: recipe, client: client)
            var options = VerifyOptions(sample: sample, seed: seed)
            options.differenceLimit = limit
            let verifier = Verifier(recipe: recipe, client: client)
            if !json, standardErrorIsTerminal {
                verifier.progress = { read in FileHandle.standardError.write(Data("\rdocuments checked: \(read)".utf8)) }
            }
            let report = try verifier.verify(subject, options: options)
            if !json, standardErrorIsTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if json {
                printOut(report.json.serialized(sortedKeys: true))
            } else {
                report.lines.forEach(printOut)
            }
            passed = report.passed
        }
        if !passed { throw ExitCode(VerifyExit.differencesFound) }
    }

    private func findSubject(recipe: Recipe, client: ClusterClient) throws -> VerificationSubject {
        let journal = try global.journal()
        if let source, let target {
            return try VerificationSubject.between(
                source: source, target: target, from: from, to: to, runStartedAt: runStartedAt,
                recipe: recipe, journal: journal, client: client)
        }
        guard let run = try journal.run(recipe: recipe.name, id: runID) else {
            throw FerryError(
                runID.map { "no run \($0) of recipe \(recipe.name) in \(global.statePath)" }
                    ?? "no run of recipe \(recipe.name) in \(global.statePath): nothing tells which indices to compare",
                hint: "pass --state with the journal of the run, or name the indices: --source INDEX --target INDEX [--from V --to V --run-started-at T]")
        }
        return try VerificationSubject.of(run: run, journal: journal, client: client)
    }
}
