import Testing
@testable import FerryCluster
import FerryCore
import FerryRecipes
@testable import FerryMigration

/// Who makes the first copy, and what plan and the report say, for every case the probe and
/// the recipe can give; and how a `_reindex` answer is read.
@Suite("copy choice (cluster or ferry)")
struct CopyChoiceTests {
    static let mappingOnly = [StepSpec(from: "1.0", to: "1.1", script: nil)]
    static let scripted = [StepSpec(from: "1.0", to: "2.0", script: "steps/v1_to_v2.lua")]

    func decide(
        _ steps: [StepSpec] = mappingOnly, write: any WritePolicy = VersionedIndexWrite(), selection: JSONValue? = nil,
        clientCopy: Bool = false, mode: MigrationMode = .blueGreen, probe: ReindexSupport = .sliced
    ) -> (CopyChoice, probed: Bool) {
        var probed = false
        let choice = CopyChoice.decide(steps: steps, write: write, selection: selection, clientCopy: clientCopy, mode: mode) {
            probed = true
            return probe
        }
        return (choice, probed)
    }

    @Test("a path with a step script: ferry copies, nothing is probed or said")
    func scriptedPath() {
        let (choice, probed) = decide(Self.scripted)
        #expect(choice.copier == .ferry && choice.line == nil && !probed)
    }

    @Test("mapping-only and a cluster that slices: the cluster copies, one request per slice")
    func sliced() {
        let (choice, probed) = decide()
        #expect(choice.copier == .cluster(sliced: true) && probed)
        #expect(choice.line?.contains("one request per slice") == true)
    }

    @Test("a cluster that refuses slices copies in one request, and the line quotes its refusal")
    func unsliced() {
        let (choice, _) = decide(probe: .unsliced(why: "POST /_reindex → HTTP 400 parse_exception: slice"))
        #expect(choice.copier == .cluster(sliced: false))
        #expect(choice.line?.contains("parse_exception: slice") == true, "\(choice.line ?? "")")
    }

    @Test("no usable _reindex, --client-copy, --max-docs-per-second, a mode whose writes _reindex cannot make, a selection: ferry copies and says why")
    func ferryCopies() {
        let unavailable = decide(probe: .unavailable(why: "POST /_reindex → HTTP 404"))
        #expect(unavailable.0.copier == .ferry && unavailable.0.line?.contains("no usable `_reindex` (POST /_reindex → HTTP 404)") == true)
        let flag = decide(clientCopy: true)
        #expect(flag.0.copier == .ferry && !flag.probed && flag.0.line?.contains("--client-copy") == true)
        let paced = CopyChoice.decide(steps: Self.mappingOnly, write: VersionedIndexWrite(), selection: nil, clientCopy: false, mode: .blueGreen, throttled: true) { .sliced }
        #expect(paced.copier == .ferry && paced.line?.contains("--max-docs-per-second") == true)
        let create = decide(write: CreateThenDeleteSourceWrite(), mode: .writeNewFirst)
        #expect(create.0.copier == .ferry && !create.probed && create.0.line?.contains("write-new-first") == true)
        let selected = decide(selection: ["ids": ["values": ["a"]]])
        #expect(selected.0.copier == .ferry && !selected.probed)
    }

    @Test("a _reindex answer: written counts conflicts, a listed conflict is not a failure, a refused document is")
    func result() throws {
        let json = try JSONValue.parse(Array(#"""
            {"total":5,"created":2,"updated":1,"version_conflicts":1,"timed_out":false,"failures":[
              {"index":"t","id":"a","status":409,"cause":{"type":"version_conflict_engine_exception","reason":"v"}},
              {"index":"t","id":"b","status":400,"cause":{"type":"mapper_parsing_exception","reason":"failed to parse field [d]"}}]}
            """#.utf8))
        let result = ReindexResult(json: json)
        #expect(result.written == 4)
        #expect(result.failures.count == 1)
        #expect(result.failures.first?.description == "document b in t: HTTP 400 mapper_parsing_exception: failed to parse field [d]")
    }
}
