/// The shared start of the `deadletters --retry` tests: 20 blog posts migrated by the real
/// binary with `--max-errors 2` while the 2.0→3.0 step fails post-3 and post-9.
import Foundation
import Testing
import FerryCluster
import FerryJournal
import FerryTestSupport
import FerryMigration

struct DeadLetteredRun {
    let scratch: ScratchRecipes
    let clone: OsmemClone
    let client: ClusterClient
    /// The run's journal.
    let state: String
    var ferry: FerryProcess

    /// Runs the migration; `remove()` cleans up.
    init(stateTag: String) throws {
        scratch = try ScratchRecipes()
        try scratch.wrapStep("v2_to_v3", """
              if ctx.id == "post-3" or ctx.id == "post-9" then error("bad post " .. ctx.id) end
              return real(doc, ctx)
            """)
        clone = try OsmemServer.shared().clone()
        client = try clone.client()
        let recipe = try scratch.load()
        _ = try makeMigrator(recipe, clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 20)
        state = NSTemporaryDirectory() + "ferry-\(stateTag)-\(UUID().uuidString)/state.db"
        ferry = FerryProcess(url: clone.url, state: state)
        ferry.recipes = scratch.recipes
        #expect(try ferry.run(["run", "blog_posts", "--yes", "--max-errors", "2"]).status == 0)
    }

    /// The plan of the run that left the dead letters.
    func plan() throws -> PlanRecord {
        try #require(try Journal(path: state).latestRun(recipe: "blog_posts")?.plan)
    }

    func remove() {
        clone.close()
        scratch.remove()
    }
}
