/// `ferry plan` says, per mode, what rollback after the switch means and whether the recipe has
/// the reverse steps it needs (issue 14 item 4); write-new-first and in-place have no rollback point.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("rollback in the plan")
struct RollbackPlanTests {
    @Test("each mode's rollback line names the reverse path, or its absence")
    func rollbackLines() throws {
        let installed = try installBlogPosts(count: 5)
        defer { installed.clone.close() }
        let preview = try makeMigrator(installed.recipe, installed.clone, journal: installed.journal).preview(from: nil, to: nil)
        let byMode = Dictionary(uniqueKeysWithValues: preview.modes.map { ($0.verdict.mode, $0.rollback) })
        #expect(byMode[.blueGreen]?.contains("aliases back to \(installed.source)") == true, "\(byMode)")
        #expect(byMode[.blueGreen]?.contains("reverse steps 3.0 → 2.0 → 1.0") == true, "\(byMode)")
        #expect(byMode[.writeNewFirst]?.hasPrefix("no rollback point: \(installed.source) is drained and deleted") == true, "\(byMode)")
        #expect(byMode[.inPlace]?.hasPrefix("no rollback point: documents are rewritten where they are") == true, "\(byMode)")
        #expect(preview.lines.filter { $0.hasPrefix("    rollback after the switch: ") }.count == 3, "\(preview.lines)")
    }

    @Test("without reverse steps the plan warns that rollback after writes refuses")
    func withoutReverseSteps() throws {
        let scratch = try recipeWithoutReverseSteps()
        defer { scratch.remove() }
        let installed = try installBlogPosts(try scratch.load(), count: 5)
        defer { installed.clone.close() }
        let preview = try makeMigrator(installed.recipe, installed.clone, journal: installed.journal).preview(from: nil, to: nil)
        let blueGreen = try #require(preview.modes.first { $0.verdict.mode == .blueGreen })
        #expect(blueGreen.rollback.contains("NO reverse steps from 3.0 to 1.0"), "\(blueGreen.rollback)")
        #expect(blueGreen.rollback.contains("rollback refuses unless --discard-writes-since-switch"), "\(blueGreen.rollback)")
        let inPlace = try #require(preview.modes.first { $0.verdict.mode == .inPlace })
        #expect(inPlace.rollback.contains("reverse steps, which the recipe lacks"), "\(inPlace.rollback)")
    }
}
