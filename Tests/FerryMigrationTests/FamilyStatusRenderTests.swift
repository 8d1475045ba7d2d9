/// `ferry status <family recipe>` as text (golden) and its ETA, from `FamilyStatus` values:
/// no cluster, no journal.
import Testing
import FerryMigration

@Suite("family status: the member table and the ETA")
struct FamilyStatusRenderTests {
    static let template = FamilyTemplateStatus(name: "events", version: "2.0", exists: true, journaledBefore: "1.0")

    static func member(_ month: Int, _ state: FamilyMemberStatus.State, docs: Int?, seconds: Double? = nil, freeze: Int? = nil) -> FamilyMemberStatus {
        let name = "events-2024-0\(month)"
        let new: String? = switch state { case .pending, .skipped: nil; default: "\(name)-2.0-1a2b3c4d" }
        return FamilyMemberStatus(member: name, oldIndex: name, newIndex: new, state: state, documents: docs, seconds: seconds, freezeMilliseconds: freeze)
    }

    /// Mid-run: two done, one copying, three pending (one of them created from the new template).
    static let midRun = FamilyStatus(
        recipe: "events", pattern: "events-*", template: template, runID: "1a2b3c4d", runPhase: "MEMBERS", targetVersion: "2.0",
        leaseHolder: "ferry@host:4242",
        members: [
            member(1, .done, docs: 1000, seconds: 4.0, freeze: 12),
            member(2, .done, docs: 1000, seconds: 6.0, freeze: 9),
            member(3, .current(phase: "COPYING", written: 500, of: 1000), docs: 1000, seconds: 5.0),
            member(4, .pending, docs: 1000),
            member(5, .pending, docs: 1500),
            member(6, .skipped("already at 2.0 (_meta.ferry)"), docs: 40),
        ],
        nextCommand: "wait: ferry@host:4242 is running it")

    @Test("mid-run: done, current with progress, pending, skipped, and the ETA from the rate so far")
    func midRunGolden() {
        let expected = """
            events: index family events-*
              template events: version 2.0; the journal keeps the one before (1.0) for rollback
              family run 1a2b3c4d (to 2.0): MEMBERS; ferry@host:4242 is running it
              member          old index → new index                         state                                  documents   time  freeze
              events-2024-01  events-2024-01 → events-2024-01-2.0-1a2b3c4d  done                                       1,000  4.0 s   12 ms
              events-2024-02  events-2024-02 → events-2024-02-2.0-1a2b3c4d  done                                       1,000  6.0 s    9 ms
              events-2024-03  events-2024-03 → events-2024-03-2.0-1a2b3c4d  current: copying 500/1,000 (50%)           1,000  5.0 s       -
              events-2024-04  events-2024-04                                pending                                    1,000      -       -
              events-2024-05  events-2024-05                                pending                                    1,500      -       -
              events-2024-06  events-2024-06                                skipped: already at 2.0 (_meta.ferry)         40      -       -
              6 members: 2 done, 1 current, 2 pending, 1 skipped; ETA for the rest: 3,000 documents at 167 docs/s so far ≈ 18.0 s
            next: wait: ferry@host:4242 is running it
            """
        #expect(Self.midRun.lines.joined(separator: "\n") == expected)
    }

    @Test("the ETA is documents left over documents written per second spent, and unknown without a rate or a size")
    func estimate() {
        let e = Self.midRun.estimate
        // Written 1000 + 1000 + 500 in 4 + 6 + 5 s; left 500 + 1000 + 1500.
        #expect(e.documentsLeft == 3000)
        #expect(e.documentsPerSecond == 2500.0 / 15.0)
        #expect(e.secondsLeft == 3000.0 / (2500.0 / 15.0))

        var fresh = Self.midRun
        fresh.members = [Self.member(1, .current(phase: "TARGET_CREATED", written: 0, of: 800), docs: 800, seconds: 0.2), Self.member(2, .pending, docs: 100)]
        #expect(fresh.estimate.documentsPerSecond == nil)
        #expect(fresh.estimate.secondsLeft == nil)
        #expect(fresh.lines.contains { $0.hasSuffix("ETA for the rest: 900 documents, no rate yet") })

        var unknownSize = Self.midRun
        unknownSize.members[3].documents = nil
        #expect(unknownSize.estimate.secondsLeft == nil)
        #expect(unknownSize.lines.contains { $0.hasSuffix("ETA for the rest: unknown (a pending member's size is unknown)") })
    }

    @Test("after a rollback: rolled back members, the template deleted as it was absent before, nothing left to copy")
    func afterRollbackGolden() {
        let status = FamilyStatus(
            recipe: "events", pattern: "events-*",
            template: FamilyTemplateStatus(name: "events", version: nil, exists: false, journaledBefore: "none"),
            runID: "1a2b3c4d", runPhase: "ROLLED_BACK", targetVersion: "2.0",
            members: [Self.member(1, .rolledBack, docs: 10, seconds: 1.5, freeze: 3), Self.member(2, .failed("verification: counts differ"), docs: 12)],
            nextCommand: "ferry run events --yes")
        let expected = """
            events: index family events-*
              template events: absent; there was none before the family run (rollback deletes it)
              family run 1a2b3c4d (to 2.0): ROLLED_BACK
              member          old index → new index                         state                                documents   time  freeze
              events-2024-01  events-2024-01 → events-2024-01-2.0-1a2b3c4d  rolled back                                 10  1.5 s    3 ms
              events-2024-02  events-2024-02 → events-2024-02-2.0-1a2b3c4d  FAILED: verification: counts differ         12      -       -
              2 members: 1 rolled back, 1 failed; nothing left to copy
            next: ferry run events --yes
            """
        #expect(status.lines.joined(separator: "\n") == expected)
    }

    @Test("a member whose rollback run is not finished: its phase, counted apart, not in the ETA")
    func rollingBack() {
        var status = Self.midRun
        status.members = [Self.member(1, .done, docs: 10, seconds: 1), Self.member(2, .rollingBack(phase: "CATCHING_UP"), docs: 10, seconds: 1)]
        #expect(status.lines.contains { $0.hasPrefix("  events-2024-02") && $0.contains("rolling back: catching up") })
        #expect(status.lines.contains { $0.hasSuffix("2 members: 1 done, 1 rolling back; nothing left to copy") })
        #expect(status.estimate.documentsLeft == 0)
    }

    @Test("durations and counts read the same from seconds to days")
    func formats() {
        #expect(FamilyStatus.duration(0.44) == "0.4 s")
        #expect(FamilyStatus.duration(245) == "4m05s")
        #expect(FamilyStatus.duration(7620) == "2h07m")
        #expect(FamilyStatus.duration(273_600) == "3d04h")
    }
}
