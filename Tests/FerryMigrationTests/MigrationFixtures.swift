import Foundation
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// The repository root, found from this file, so tests use the real `recipes/` and `transforms/`.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A copy of `recipes/` and `transforms/` in a temporary folder, to break on purpose.
struct ScratchRecipes {
    let root: String
    var recipes: String { "\(root)/recipes" }

    init() throws {
        root = NSTemporaryDirectory() + "ferry-test-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fm.copyItem(atPath: "\(repositoryRoot)/recipes", toPath: recipes)
        try fm.copyItem(atPath: "\(repositoryRoot)/transforms", toPath: "\(root)/transforms")
    }

    func path(_ relative: String) -> String { "\(recipes)/\(relative)" }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    func write(_ relative: String, _ text: String) throws {
        try text.write(toFile: path(relative), atomically: true, encoding: .utf8)
    }

    /// Replaces `blog_posts/steps/<step>.lua` by a wrapper whose body (Lua, inside
    /// `function(doc, ctx)`) can call the original step as `real(doc, ctx)`.
    func wrapStep(_ step: String, _ body: String) throws {
        try write("blog_posts/steps/real_\(step).lua", try read("blog_posts/steps/\(step).lua"))
        try write("blog_posts/steps/\(step).lua", """
            local real = require "steps.real_\(step)"
            return function(doc, ctx)
            \(body)
            end
            """)
    }

    func load(_ name: String = "blog_posts") throws -> Recipe {
        try RecipeCatalog(recipesFolder: recipes).load(name)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

func realRecipe(_ name: String = "blog_posts") throws -> Recipe {
    try RecipeCatalog(recipesFolder: "\(repositoryRoot)/recipes").load(name)
}

/// Version-1.0 blog documents: some with hashtags, one author missing from the lookup table.
func seedBlogPosts(_ client: ClusterClient, into index: String, count: Int) throws {
    let authors = ["alice", "bob", "zed"]
    var builder = BulkRequestBuilder()
    for i in 1...count {
        let doc: JSONValue = [
            "title": .string("Post \(i): a guide to the database API"),
            "content": .string("Hello #swift world number \(i). " + String(repeating: "word ", count: i % 7) + "#search"),
            "author": .string(authors[i % authors.count]),
            "created_date": .string("2024-03-0\(1 + i % 9)T10:00:00Z"),
        ]
        builder.index(into: index, id: "post-\(i)", source: doc.serializedBytes())
    }
    let response = try client.bulk(body: builder.body, refresh: true)
    precondition(!response.errors, "seeding failed: \(response.failures)")
}

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
