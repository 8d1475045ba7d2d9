import Foundation
import FerryCluster
import FerryCore
import FerryRecipes

/// The repository root, found from this file, so tests use the real `recipes/` and `transforms/`.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The repository's own recipe.
public func realRecipe(_ name: String = "blog_posts") throws -> Recipe {
    try RecipeCatalog(recipesFolder: "\(repositoryRoot)/recipes").load(name)
}

/// A copy of `recipes/` and `transforms/` in a temporary folder, to break on purpose. Removed
/// when the last reference goes (or by `remove()`).
public final class ScratchRecipes {
    public let root: String
    public var recipes: String { "\(root)/recipes" }
    public var catalog: RecipeCatalog { RecipeCatalog(recipesFolder: recipes) }

    public init() throws {
        root = NSTemporaryDirectory() + "ferry-test-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fm.copyItem(atPath: "\(repositoryRoot)/recipes", toPath: recipes)
        try fm.copyItem(atPath: "\(repositoryRoot)/transforms", toPath: "\(root)/transforms")
    }

    deinit { remove() }

    public func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    public func path(_ relative: String) -> String { "\(recipes)/\(relative)" }

    public func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    public func write(_ relative: String, _ text: String) throws {
        let full = path(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    /// Replaces `old` (which must occur) with `new` in a recipe file.
    public func edit(_ relative: String, replacing old: String, with new: String) throws {
        let text = try read(relative)
        precondition(text.contains(old), "\(relative) does not contain \(old)")
        try write(relative, text.replacingOccurrences(of: old, with: new))
    }

    public func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path(relative))
    }

    /// Replaces `blog_posts/steps/<step>.lua` by a wrapper whose body (Lua, inside
    /// `function(doc, ctx)`) can call the original step as `real(doc, ctx)`.
    public func wrapStep(_ step: String, _ body: String) throws {
        try write("blog_posts/steps/real_\(step).lua", try read("blog_posts/steps/\(step).lua"))
        try write("blog_posts/steps/\(step).lua", """
            local real = require "steps.real_\(step)"
            return function(doc, ctx)
            \(body)
            end
            """)
    }

    public func load(_ name: String = "blog_posts") throws -> Recipe {
        try catalog.load(name)
    }
}

/// Version-1.0 blog documents post-1…post-N (authors alice, bob and zed, who is not in the
/// lookup table; some hashtags), refreshed so a search sees them.
public func seedBlogPosts(_ client: ClusterClient, into index: String, count: Int) throws {
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
