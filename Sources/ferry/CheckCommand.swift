import ArgumentParser
import Foundation
import FerryAuthoring
import FerryCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a recipe offline: scripts, mappings, version graph, lookups, fixtures, determinism.",
        discussion: """
            Each line is ok, warn or FAIL and names the file it is about:
              recipe           recipe.lua loads and is valid; an unknown key is
                               named with its line and the key it probably
                               meant ("did you mean 'aliases'?")
              mapping          every mappings/<version>.json is JSON (else file,
                               line, column) with "mappings" and known types;
                               a file for a version not in 'versions' warns
              graph            every version reaches the latest through the steps
              script           every step compiles and returns function(doc, ctx) (path:line on error)
              module           every shared module (transforms/, the recipe folder) compiles
              lookup           every lookup database or SQL script has its table and key column
              fixture          every tests/*.json fixture is valid (known keys,
                               from ≠ to, run_started_at like a run's) and passes
              fixture mapping  every fixture output fits the mapping of its
                               version (numbers judged on their own digits)
              version field    outputs set version_field to their version when
                               its mapping has the field (warning)
              changed field    changed_field is a date in every mapping (else
                               catch-up passes find nothing; warning)
              coverage         every step is run by at least one fixture (warning)
              determinism      each fixture gives the same output when run twice in one
                               Lua state (a step must not keep state between documents)

            Examples:
              ferry check blog_posts
              ferry check blog_posts --json | jq '.checks[] | select(.status != "pass")'

            Exit codes: 0 nothing failed (warnings allowed); 1 a check failed; 64 bad usage.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: AuthoringOutputOptions

    @Argument(help: "The recipe (a folder under the recipes folder).")
    var recipe: String

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let items = RecipeChecker(catalog: global.catalog(), name: recipe).run()
            if output.json {
                output.printJSON(CheckReport.json(recipe: recipe, items))
            } else {
                CheckReport.lines(items, style: output.style).forEach(printOut)
            }
            if items.contains(where: { $0.status == .fail }) { throw ExitCode.failure }
        }
    }
}
