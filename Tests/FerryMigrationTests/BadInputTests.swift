import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// Every bad input gets an error that names the thing, and leaves the cluster as it was.
@Suite("bad input", .serialized)
struct BadInputTests {
    /// A 1.0 install with `count` documents, and what the cluster looks like before the run.
    struct Installed {
        let clone: OsmemClone
        let client: ClusterClient
        let source: String
        let indicesBefore: [String]
    }

    func install(_ recipe: Recipe, count: Int = 20) throws -> Installed {
        let i = try installBlogPosts(recipe, count: count)
        return Installed(clone: i.clone, client: i.client, source: i.source, indicesBefore: try indices(i.client, prefix: recipe.readAlias))
    }

    /// After a copy that stopped: aliases untouched, the run journaled before the switch with
    /// its dead letters; abandoning it removes the new index, leaving the cluster as it was.
    func expectStoppedThenAbandon(_ installed: Installed, _ recipe: Recipe, _ migrator: Migrator, deadLetter id: String) throws {
        #expect(try installed.client.resolve(recipe.readAlias) == .alias(indices: [installed.source]))
        #expect(try installed.client.resolve(recipe.writeAlias) == .alias(indices: [installed.source]))
        let run = try #require(try migrator.journal.unfinishedRun(recipe: recipe.name))
        #expect(run.phase == .copying)
        #expect(try migrator.journal.deadLetters(run.runID).map(\.id) == [id])
        try migrator.abandon(run, reason: "test")
        #expect(try migrator.journal.unfinishedRun(recipe: recipe.name) == nil)
        try expectUnchanged(installed, recipe)
    }

    func expectUnchanged(_ installed: Installed, _ recipe: Recipe) throws {
        #expect(try indices(installed.client, prefix: recipe.readAlias) == installed.indicesBefore, "no orphan index")
        #expect(try installed.client.resolve(recipe.readAlias) == .alias(indices: [installed.source]))
        #expect(try installed.client.resolve(recipe.writeAlias) == .alias(indices: [installed.source]))
    }

    @Test("unknown recipe lists the recipes that exist")
    func unknownRecipe() {
        #expect {
            try RecipeCatalog(recipesFolder: "\(repositoryRoot)/recipes").load("no_such_recipe")
        } throws: { error in
            let e = error as? RecipeError
            return e?.description.contains("unknown recipe 'no_such_recipe'") == true && e?.hint?.contains("blog_posts") == true
        }
    }

    @Test("a malformed recipe.lua names the file and line")
    func malformedManifest() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.write("blog_posts/recipe.lua", "return {\n  name = \"blog_posts\",\n  versions = { \"1.0\" \n}\n")
        #expect {
            try scratch.load()
        } throws: { error in
            String(describing: error).contains("blog_posts/recipe.lua:")
        }
    }

    @Test("a missing mapping file is named before anything changes")
    func missingMapping() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        let recipe = try scratch.load()
        let installed = try install(recipe)
        defer { installed.clone.close() }
        try FileManager.default.removeItem(atPath: scratch.path("blog_posts/mappings/3.0.json"))
        let migrator = try makeMigrator(recipe, installed.clone)
        #expect {
            try migrator.runToEnd()
        } throws: { error in
            String(describing: error).contains("mappings/3.0.json: not found")
        }
        try expectUnchanged(installed, recipe)
    }

    @Test("a syntax error in a step names script and line, and nothing changes")
    func stepSyntaxError() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        let recipe = try scratch.load()
        let installed = try install(recipe)
        defer { installed.clone.close() }
        try scratch.write("blog_posts/steps/v2_to_v3.lua", "return function(doc, ctx)\n  doc.x = = 1\n  return doc\nend\n")
        let migrator = try makeMigrator(recipe, installed.clone)
        #expect {
            try migrator.runToEnd()
        } throws: { error in
            String(describing: error).contains("steps/v2_to_v3.lua:2")
        }
        try expectUnchanged(installed, recipe)
    }

    @Test("a step that fails on one document names it, the step and the line; the new index is removed")
    func stepRuntimeError() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        // A step that fails on one document, at line 3.
        try scratch.write("blog_posts/steps/v2_to_v3.lua", """
            return function(doc, ctx)
              doc.schema_version = "3.0"
              if ctx.id == "post-7" then error("cannot categorise this one") end
              return doc
            end
            """)
        let recipe = try scratch.load()
        let installed = try install(recipe)
        defer { installed.clone.close() }
        let migrator = try makeMigrator(recipe, installed.clone)
        #expect {
            try migrator.runToEnd()
        } throws: { error in
            guard let failed = error as? CopyFailed else { return false }
            let text = failed.description
            return failed.counts.failed == 1
                && text.contains("post-7") && text.contains("2.0→3.0")
                && text.contains("steps/v2_to_v3.lua:3") && text.contains("cannot categorise this one")
        }
        try expectStoppedThenAbandon(installed, recipe, migrator, deadLetter: "post-7")
    }

    @Test("index creation refused by the cluster names the status and error type")
    func creationRefused() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.write("blog_posts/mappings/3.0.json", #"{"mappings":{"properties":{"title":{"type":"no_such_type"}}}}"#)
        let recipe = try scratch.load()
        let installed = try install(recipe)
        defer { installed.clone.close() }
        let migrator = try makeMigrator(recipe, installed.clone)
        #expect {
            try migrator.runToEnd()
        } throws: { error in
            guard let e = error as? ClusterError else { return false }
            return e.status == 400 && e.type != nil && e.description.contains("400")
        }
        try expectUnchanged(installed, recipe)
    }

    @Test("a document the cluster rejects is named with its id, index, status and error type")
    func documentRejected() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.write("blog_posts/steps/v2_to_v3.lua", """
            return function(doc, ctx)
              doc.schema_version = "3.0"
              if ctx.id == "post-5" then doc.not_in_the_mapping = true end
              return doc
            end
            """)
        let recipe = try scratch.load()
        let installed = try install(recipe)
        defer { installed.clone.close() }
        let migrator = try makeMigrator(recipe, installed.clone)
        let plan = try migrator.plan(from: nil, to: nil)
        #expect {
            try migrator.runToEnd()
        } throws: { error in
            guard let failed = error as? CopyFailed, let first = failed.failures.first else { return false }
            return failed.counts.failed == 1 && first.id == "post-5" && first.stage == .write
                && first.status == 400 && first.errorType == "strict_dynamic_mapping_exception"
                && first.location == plan.targetIndex
        }
        try expectStoppedThenAbandon(installed, recipe, migrator, deadLetter: "post-5")
    }

    @Test("an unreachable cluster is named with the URL")
    func unreachable() throws {
        let port = try unusedLoopbackPort()
        let config = try ClusterConfig(
            url: "http://127.0.0.1:\(port)", retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5)))
        let migrator = try Migrator(recipe: try realRecipe(), cluster: config, journal: try temporaryJournal())
        #expect {
            try migrator.plan(from: nil, to: nil)
        } throws: { error in
            String(describing: error).contains("127.0.0.1:\(port)")
        }
    }
}
