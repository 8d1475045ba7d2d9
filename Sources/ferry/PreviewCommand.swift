import ArgumentParser
import Foundation
import FerryAuthoring
import FerryCluster
import FerryCore
import FerryMigration

struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Show what the steps do to live documents, and whether the target mapping takes them. Read-only.",
        discussion: """
            Finds the current version like `ferry run` (read alias → index → _meta.ferry, or \
            --from), reads a random sample of documents (or --ids) with one search request; the \
            report prints the sample's seed, and --seed picks the same documents again. It runs them through the steps \
            in a local sandbox and prints, per document, the changes to its _source: + added, \
            - removed, ~ changed (with nested paths like metadata.word_count and tags[2]). Then \
            it checks each output against the target version's mapping and lists what the \
            cluster would reject (a field a strict mapping forbids, a string into an integer, \
            an unparseable date, an object where a keyword is mapped) or silently mis-map (a \
            field dynamic: false does not index, a fraction an integer field truncates).

            Nothing in the cluster changes: no index, alias, setting or document is written.

            Examples:
              ferry preview blog_posts                      10 random documents, latest
              ferry preview blog_posts --sample 3 --steps   the document after each step
              ferry preview blog_posts --seed 4242          the sample of "seed 4242" again
              ferry preview blog_posts --query '{"term":{"author":"zed"}}'
                                                            a sample of zed's posts only
              ferry preview blog_posts --ids post-1,post-42 --to 2.0
              ferry preview blog_posts --json | jq .summary

            Exit codes: 0 safe to run (no failed document, no mapping problem); 1 a document \
            failed, a mapping problem was found, no document matched, or the preview could \
            not run (the message names the thing); 64 bad usage (the argument parser's code). \
            Ids that are not found are listed but do not change the exit code.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: AuthoringOutputOptions

    @Argument(help: "The recipe (a folder under the recipes folder).")
    var recipe: String

    @Option(help: "How many documents to pick at random (default 10, at most 10000).")
    var sample: Int?

    @Option(help: ArgumentHelp("Repeat an earlier random sample: the seed the report printed.", valueName: "n"))
    var seed: Int64?

    @Option(help: ArgumentHelp("Sample only the documents this query matches (query DSL, the value of \"query\").",
                               valueName: "json"))
    var query: String?

    @Option(help: ArgumentHelp("Preview these document ids instead of a sample.", valueName: "id,id,..."))
    var ids: String?

    @Option(help: "Version of the current index, for an index ferry did not create.")
    var from: String?

    @Option(help: "Version to preview (default: the recipe's latest).")
    var to: String?

    @Flag(help: "Show the document and the changes after each step.")
    var steps = false

    @Flag(help: "Do not shorten long values.")
    var full = false

    var idList: [String] {
        (ids ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        if let sample, !(1...10_000).contains(sample) { throw ValidationError("--sample must be between 1 and 10000") }
        if ids != nil, sample != nil { throw ValidationError("use --sample or --ids, not both") }
        if ids != nil, seed != nil || query != nil { throw ValidationError("--seed and --query pick a sample; --ids names the documents: use one or the other") }
        _ = try queryValue()
        if ids != nil, idList.isEmpty { throw ValidationError("--ids needs at least one id, e.g. --ids post-1,post-2") }
    }

    /// `--query` as a query object, e.g. {"term":{"author":"alice"}}.
    func queryValue() throws -> JSONValue? {
        guard let query else { return nil }
        let value: JSONValue
        do {
            value = try JSONValue.parse(query)
        } catch {
            throw ValidationError("--query is not JSON: \(error)")
        }
        guard let clauses = value.objectValue, clauses.count == 1 else {
            throw ValidationError("--query must be one query clause, the value of \"query\", e.g. --query '{\"term\":{\"author\":\"alice\"}}'")
        }
        return value
    }

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            let client = try ClusterClient(config: try global.clusterConfig())
            _ = try client.info()
            // Planning only reads (aliases, the source mapping); it is how `run` finds the version.
            let plan = try MigrationPlanner(client: client, recipe: recipe).plan(from: from, to: to)
            let previewer = Previewer(
                recipe: recipe, sourceIndex: plan.source.index, fromVersion: plan.source.version,
                toVersion: plan.targetVersion, showSteps: steps)
            let selection: PreviewSelection = ids != nil
                ? .ids(idList)
                : .sample(sample ?? 10, seed: seed ?? Int64.random(in: 1...999_999), query: try queryValue())
            let report = try previewer.run(client: client, selection: selection)
            if output.json {
                output.printJSON(report.json)
            } else {
                let renderer = DiffRenderer(style: output.style, valueLimit: full ? 0 : 100)
                report.lines(renderer: renderer, mappingFile: recipe.mappingPath(for: plan.targetVersion)).forEach(printOut)
            }
            if !report.summary.isSafe || report.summary.previewed == 0 { throw ExitCode.failure }
        }
    }
}
