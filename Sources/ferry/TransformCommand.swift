import ArgumentParser
import Foundation
import FerryAuthoring
import FerryCore
import FerryRecipes

struct TransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Transform NDJSON documents offline: stdin → stdout through the recipe's steps.",
        discussion: """
            Each input line is a document's _source, or an object with a _source member such \
            as {"_id": "post-1", "_source": {...}} (ctx.id and ctx.index come from _id and \
            _index; other members are kept as they are). Each output line has the same shape \
            as its input line. Dropped documents are left out; failed documents are reported \
            on stderr with their line number, id, step and script path:line. A summary with \
            the rate goes to stderr at the end.

            Same Lua bridge, sandbox and lookups as `ferry run`, and no cluster: it is also \
            the offline benchmark of the transform pipeline.

            --workers N runs N Lua states side by side, one thread each (default: one per \
            core). The output keeps the input order whatever N is, failures are reported in \
            input order, and at most 4 runs of ~256 KiB of input per worker are held at \
            once (a line longer than that is one run of its own).

            Examples:
              ferry transform blog_posts < v1.ndjson > v3.ndjson
              ferry transform blog_posts --from 2.0 --to 3.0 --input v2.ndjson
              ferry transform blog_posts --run-started-at 2026-01-01T00:00:00Z < in.ndjson
              ferry transform blog_posts --workers 1 --input v1.ndjson > v3.ndjson

            Exit codes: 0 every document was written or dropped; 1 a document failed (the \
            others are still written) or the recipe could not load; 64 bad usage.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe (a folder under the recipes folder).")
    var recipe: String

    @Option(help: "Version of the input documents (default: the recipe's first version).")
    var from: String?

    @Option(help: "Version to produce (default: the recipe's latest).")
    var to: String?

    @Option(name: .customLong("run-started-at"), help: "ctx.run_started_at for the steps (default: now, ISO-8601 UTC).")
    var runStartedAt: String?

    @Option(help: ArgumentHelp("Read this file instead of stdin.", valueName: "file"))
    var input: String?

    @Option(help: ArgumentHelp("Lua states transforming side by side (default: the number of cores).", valueName: "n"))
    var workers: Int?

    @Flag(name: .shortAndLong, help: "No summary on stderr (failures are still reported).")
    var quiet = false

    func validate() throws {
        if let runStartedAt, !StepRunner.isRunStartedAt(runStartedAt) {
            throw ValidationError("--run-started-at '\(runStartedAt)' is not what a run gives steps: ISO-8601 UTC like 2026-01-01T00:00:00Z")
        }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
    }

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let from = self.from ?? recipe.versions[0]
            let to = self.to ?? recipe.latestVersion
            let transformer = try NDJSONTransformer(
                recipe: recipe, from: from, to: to, runStartedAt: runStartedAt ?? StepRunner.now(),
                workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
            var fd = STDIN_FILENO
            if let input {
                fd = open(input, O_RDONLY)
                guard fd >= 0 else { throw FerryError("cannot open \(input): \(String(cString: strerror(errno)))") }
            }
            defer { if fd != STDIN_FILENO { close(fd) } }
            let stats = try transformer.run(input: fd, output: STDOUT_FILENO) { failure in
                printError("error: \(failure)")
            }
            if !quiet {
                let path = transformer.steps.isEmpty ? from : ([from] + transformer.steps.map(\.to)).joined(separator: " → ")
                let rate = stats.seconds > 0 ? Double(stats.documents) / stats.seconds : 0
                let mb = stats.seconds > 0 ? Double(stats.bytesIn) / stats.seconds / 1_000_000 : 0
                printError(String(
                    format: "transform %@ %@: %d documents, %d written, %d dropped, %d failed in %.2f s (%.0f docs/s, %.1f MB/s in, %d %@)",
                    recipe.name, path, stats.documents, stats.written, stats.dropped, stats.failed, stats.seconds, rate, mb,
                    transformer.workers, transformer.workers == 1 ? "worker" : "workers"))
            }
            if stats.failed > 0 { throw ExitCode.failure }
        }
    }
}
