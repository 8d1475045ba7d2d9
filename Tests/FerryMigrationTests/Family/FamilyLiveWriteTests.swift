/// A family run while the application writes to the current month through `events-write`.
import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("Family runs under live writes")
struct FamilyLiveWriteTests {
    @Test("under live writes to the current month every member comes out exact: 0 lost, 0 resurrected, 0 stale")
    func liveWrites() throws {
        let f = try EventsFamily.install(months: 3, perMonth: 300)
        let newSuffix = "-2.0-" + (try f.recipe.mappingHash(for: "2.0"))
        let writer = EventsWriter(config: try f.clone.config(), newSuffix: newSuffix)
        let current = f.members.last!
        writer.start(existing: try documentsByID(f.client, index: current).keys.sorted(), seed: 17)
        let report: FamilyReport
        do {
            report = try f.run { $0.maxFreeze = .seconds(10) }
            // The application goes on writing to the new current month after its switch.
            writer.waitForWritesToNewIndex(30)
        } catch {
            writer.stop()
            throw error
        }
        writer.stop()
        #expect(writer.failure == nil, "\(writer.failure ?? "")")
        #expect(report.completed)
        for member in f.members.dropLast() { try f.expectExactMember(member) }

        // The current month: T(the old index as the application left it) plus what it wrote to
        // the new index after the switch, in order.
        let row = try f.row(current)
        let target = try #require(row.targetIndex)
        let runID = try #require(row.runID)
        let unit = try #require(try f.journal.run(id: runID))
        var expected = try transformedDocuments(f.client, recipe: f.recipe, run: unit, index: current)
        let written = writer.acknowledged
        let before = written.filter { $0.index == current }
        let after = written.filter { $0.index == target }
        #expect(before.count > 0 && after.count >= 30, "writes on both sides of the switch: \(before.count), \(after.count)")
        #expect(written.count == before.count + after.count)
        for write in after { expected[write.id] = write.body }
        let actual = try documentsByID(f.client, index: target)
        let lost = Set(expected.keys).subtracting(actual.keys)
        let resurrected = Set(actual.keys).subtracting(expected.keys)
        let stale = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }
        #expect(lost.isEmpty, "lost: \(lost.sorted().prefix(5))")
        #expect(resurrected.isEmpty, "resurrected: \(resurrected.sorted().prefix(5))")
        #expect(stale.isEmpty, "stale: \(stale.sorted().prefix(5))")
        #expect(try f.aliasIndices("events-write") == [target])
        #expect((row.freezeMilliseconds ?? -1) >= 0)
    }
}
