import Foundation
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// The indices whose names start with `prefix`, sorted.
func indices(_ client: ClusterClient, prefix: String) throws -> [String] {
    let response = try client.request(.GET, RequestPath(["_cat", "indices"], query: [("format", "json")]))
    let rows = try response.json().arrayValue ?? []
    return rows.compactMap { $0["index"]?.stringValue }.filter { $0.hasPrefix(prefix) }.sorted()
}

/// A journal in a fresh temporary folder.
func temporaryJournal() throws -> Journal {
    try Journal(path: NSTemporaryDirectory() + "ferry-journal-\(UUID().uuidString)/state.db")
}

func makeMigrator(_ recipe: Recipe, _ clone: OsmemClone, journal: Journal? = nil) throws -> Migrator {
    try Migrator(recipe: recipe, cluster: try clone.config(), journal: try journal ?? temporaryJournal())
}

extension Migrator {
    /// What `ferry run` does: look at the journal and the cluster, then drive the run to the end.
    @discardableResult
    func runToEnd(_ options: RunOptions = RunOptions()) throws -> MigrationReport {
        try execute(try prepare(options), options: options)
    }

    func plan(_ options: RunOptions = RunOptions()) throws -> MigrationPlan {
        try plan(from: options.from, to: options.to)
    }
}

func options(from: String? = nil, to: String? = nil, maxErrors: Int = 0, slices: Int = 4) -> RunOptions {
    var o = RunOptions()
    o.from = from
    o.to = to
    o.maxErrors = maxErrors
    o.slices = slices
    return o
}

/// The recipe installed at 1.0 on a fresh osmem clone (its own journal), seeded with
/// `count` version-1.0 posts: the starting point of most migration tests.
struct Installed {
    let clone: OsmemClone
    let client: ClusterClient
    let recipe: Recipe
    let journal: Journal
    /// The 1.0 index the aliases point to.
    let source: String
}

func installBlogPosts(_ recipe: Recipe? = nil, count: Int) throws -> Installed {
    let clone = try OsmemServer.shared().clone()
    let recipe = try recipe ?? realRecipe()
    let journal = try temporaryJournal()
    let source = try makeMigrator(recipe, clone, journal: journal).initialize(version: "1.0")
    let client = try clone.client()
    try seedBlogPosts(client, into: recipe.writeAlias, count: count)
    return Installed(clone: clone, client: client, recipe: recipe, journal: journal, source: source)
}
