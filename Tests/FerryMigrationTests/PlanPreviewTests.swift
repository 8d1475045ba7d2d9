/// `ferry plan`'s contents, built in the library: each mode's verdict and actions, and the
/// in-place veto for a recipe without a version_field.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("plan preview")
struct PlanPreviewTests {
    @Test("every mode the change allows is listed with what it would do")
    func allModes() throws {
        let installed = try installBlogPosts(count: 5)
        defer { installed.clone.close() }
        let preview = try makeMigrator(installed.recipe, installed.clone, journal: installed.journal).preview(from: nil, to: nil)
        #expect(preview.documents == 5)
        #expect(preview.modes.map(\.verdict.mode) == MigrationMode.allCases)
        #expect(preview.modes.allSatisfy { $0.verdict.allowed && !$0.actions.isEmpty }, "\(preview.lines)")
        let lines = preview.lines
        #expect(lines.first?.contains("version 1.0 (from _meta.ferry), 5 documents") == true, "\(lines)")
        #expect(lines.contains("✓ in-place: the change is additive: every existing field keeps its definition"), "\(lines)")
        #expect(lines.contains { $0.contains("rewrite each document lacking schema_version = 3.0") })
    }

    @Test("in-place is ruled out, with the reason, when the recipe declares no version_field")
    func versionFieldVeto() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.edit("blog_posts/recipe.lua", replacing: "  version_field = \"schema_version\",\n", with: "")
        let recipe = try scratch.load()
        #expect(recipe.versionField == nil)
        let installed = try installBlogPosts(recipe, count: 5)
        defer { installed.clone.close() }
        let preview = try makeMigrator(recipe, installed.clone, journal: installed.journal).preview(from: nil, to: nil)
        let inPlace = try #require(preview.modes.first { $0.verdict.mode == .inPlace })
        #expect(!inPlace.verdict.allowed && inPlace.verdict.reason == "the recipe declares no version_field")
        #expect(inPlace.actions.isEmpty)
        #expect(preview.lines.contains("✗ in-place: the recipe declares no version_field"))
    }
}
