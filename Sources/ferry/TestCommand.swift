import ArgumentParser
import Foundation
import FerryAuthoring
import FerryCore
import FerryRecipes

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the recipe's fixtures (tests/*.json) offline and show a diff for each failure.",
        discussion: """
            A fixture is one JSON file in recipes/<name>/tests/:
              {"description": "...", "from": "1.0", "to": "3.0",
               "run_started_at": "2026-01-01T00:00:00Z", "id": "post-1",
               "input": {...the document at "from"...},
               "expected": {...the document at "to"...}}
            Instead of "expected", "expect": "drop" expects a step to return nil, and \
            "expect_error": "text" expects the document to fail with a message containing text. \
            run_started_at (default 2026-01-01T00:00:00Z), id (default: the file name) and \
            index (default <read alias>-<from>) are what the steps see in ctx. Any other key \
            is refused with the key it probably meant; from and to must differ; \
            run_started_at must look like what a run gives (2026-01-01T00:00:00Z).

            Outputs are compared as JSON values: key order does not matter, but 1 and 1.0 \
            differ (integers stay integers). A failure shows what differs: ~ expected X, got Y; \
            - a field that is missing; + a field that was not expected.

            Examples:
              ferry test blog_posts
              ferry test blog_posts --filter v2_to_v3 --verbose
              ferry test blog_posts --json

            Exit codes: 0 every fixture passed; 1 a fixture failed (or is invalid), or none \
            were found; 64 bad usage.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: AuthoringOutputOptions

    @Argument(help: "The recipe (a folder under the recipes folder).")
    var recipe: String

    @Option(help: "Only fixtures whose file name contains this text (repeatable).")
    var filter: [String] = []

    @Flag(name: .shortAndLong, help: "List passing fixtures too.")
    var verbose = false

    @Flag(help: "Do not shorten long values in diffs.")
    var full = false

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let recipe = try global.catalog().load(self.recipe)
            var files = Fixture.load(recipe: recipe)
            if !filter.isEmpty {
                files = files.filter { file in
                    let name = (Self.path(of: file) as NSString).lastPathComponent
                    return filter.contains { name.contains($0) }
                }
            }
            if files.isEmpty {
                throw FerryError(
                    filter.isEmpty ? "no fixtures in \(recipe.folder)/tests" : "no fixture in \(recipe.folder)/tests matches \(filter.joined(separator: ", "))",
                    hint: "a fixture is tests/<case>.json with from, to, input and expected; see `ferry help test`")
            }
            let runner = try StepRunner(recipe: recipe, runStartedAt: Fixture.defaultRunStartedAt)
            let results = FixtureRunner(runner: runner).run(files)
            if output.json {
                output.printJSON(FixtureReport.json(recipe: recipe.name, results))
            } else {
                let renderer = DiffRenderer(style: output.style, valueLimit: full ? 0 : 100)
                FixtureReport.lines(results, renderer: renderer, verbose: verbose).forEach(printOut)
            }
            if results.contains(where: { !$0.passed }) { throw ExitCode.failure }
        }
    }

    private static func path(of file: Result<Fixture, FixtureError>) -> String {
        switch file {
        case .success(let fixture): fixture.path
        case .failure(let error): error.path
        }
    }
}
