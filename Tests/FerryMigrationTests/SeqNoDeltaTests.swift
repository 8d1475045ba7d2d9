import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

/// Without a `changed_field`, catch-up and the frozen pass select what changed by `_seq_no`
/// above a checkpoint, once a probe on a document known to be there shows the cluster answers
/// such a range; else they compare every id and version, and `plan` and the report say why.
/// osmem answers a range on `_seq_no` with zero hits (it fails the probe), but evaluates
/// `doc['_seq_no']` in a script: through the fault proxy's `seqNoRangeAsScript` rewrite it
/// answers the range truly, with its own documents.
@Suite("_seq_no delta", .serialized)
struct SeqNoDeltaTests {
    /// A fresh blog_posts (no changed_field) at 1.0 with 300 posts, reached through a capturing
    /// proxy (with the rewrite or without it).
    struct Setup {
        let installed: Installed
        let proxy: FaultProxy
        let migrator: Migrator
        var source: String { installed.source }
    }

    func setUp(rewrite: Bool) throws -> Setup {
        let installed = try installBlogPosts(count: 300)
        #expect(installed.recipe.changedField == nil)
        let proxy = try FaultProxy(upstream: installed.clone.url, captureRequests: true)
        if rewrite { _ = proxy.addRule(FaultRule(.seqNoRangeAsScript, method: "POST")) }
        let migrator = try Migrator(recipe: installed.recipe, cluster: try ClusterConfig(url: proxy.url), journal: installed.journal)
        return Setup(installed: installed, proxy: proxy, migrator: migrator)
    }

    /// Between the request that set the block and the `_aliases` call: searches of the source
    /// (or of a point in time) without a query, i.e. reads of every document.
    func fullReadsUnderTheBlock(_ s: Setup) -> (underBlock: [CapturedRequest], fullReads: [CapturedRequest]) {
        let captured = s.proxy.captured
        let blocked = captured.firstIndex { $0.method == "PUT" && $0.path == "/\(s.source)/_settings" && String(decoding: $0.body, as: UTF8.self).contains("\"write\":true") }
        let switched = captured.lastIndex { $0.path == "/_aliases" }
        guard let blocked, let switched, blocked < switched else { return ([], []) }
        let under = Array(captured[blocked..<switched])
        let full = under.filter { request in
            (request.path == "/\(s.source)/_search" || request.path == "/_search")
                && !String(decoding: request.body, as: UTF8.self).contains("\"query\"")
        }
        return (under, full)
    }

    /// After the ids were reconciled, before the block: 3 new documents and 2 updates.
    func writeBeforeTheFreeze(_ s: Setup) {
        let client = s.installed.client
        s.migrator.say = { line in
            guard line.hasPrefix("ids reconciled before the freeze") else { return }
            for (id, n) in [("post-new-1", 1), ("post-new-2", 2), ("post-new-3", 3), ("post-7", 4), ("post-8", 5)] {
                let body: JSONValue = [
                    "title": .string("Written before the freeze \(n)"), "content": .string("changed #late number \(n)"),
                    "author": "alice", "created_date": "2025-01-02T03:04:05Z",
                ]
                _ = try? client.indexDocument(index: s.source, id: id, body: body)
            }
        }
    }

    @Test("osmem as it is fails the probe (a _seq_no range finds nothing): plan and report say so, the freeze compares every id, the result is exact")
    func probeFailsOnOsmem() throws {
        let s = try setUp(rewrite: false)
        defer { s.proxy.stop(); s.installed.clone.close() }
        let plan = try s.migrator.preview(from: nil, to: nil).lines.joined(separator: "\n")
        #expect(plan.contains("select changes by comparing every id and version"), "plan: \(plan)")
        #expect(plan.contains("_seq_no cannot be trusted") && plan.contains("as osmem does"), "plan: \(plan)")

        writeBeforeTheFreeze(s)
        let report = try s.migrator.runToEnd(options())
        let freeze = report.catchUp.freeze
        #expect(freeze.exactScan, "the fallback: every id and version under the block")
        #expect(freeze.method.contains("_seq_no cannot be trusted"), "report: \(freeze.method)")
        #expect(report.lines.joined(separator: "\n").contains("_seq_no cannot be trusted"))
        #expect(!fullReadsUnderTheBlock(s).fullReads.isEmpty, "the exact scan reads every document under the block")
        try expectExactResult(s.installed.client, recipe: s.installed.recipe, journal: s.installed.journal, sourceIndex: s.source)
    }

    @Test("a cluster that answers _seq_no ranges passes the probe: catch-up and the frozen pass read only what changed since the checkpoint, no full read under the block, the result is exact")
    func seqNoPathReadsOnlyTheDelta() throws {
        let s = try setUp(rewrite: true)
        defer { s.proxy.stop(); s.installed.clone.close() }
        let plan = try s.migrator.preview(from: nil, to: nil).lines.joined(separator: "\n")
        #expect(plan.contains("select changes by _seq_no above a checkpoint"), "plan: \(plan)")

        writeBeforeTheFreeze(s)
        let report = try s.migrator.runToEnd(options())
        let freeze = report.catchUp.freeze
        #expect(!freeze.exactScan)
        #expect(freeze.method.hasPrefix("_seq_no above"), "report: \(freeze.method)")
        #expect(freeze.unreconciled == 0 && freeze.idCheckMilliseconds == nil, "no delete since the reconciliation: counts agree, no id check")
        // 5 documents changed; the checkpoint is per shard, so a few more may be selected.
        #expect(freeze.deltaDocuments >= 5 && freeze.deltaDocuments <= 20, "delta under the block: \(freeze.deltaDocuments)")
        #expect(freeze.contentUnderFreeze == nil, "the content check ran before the block: \(freeze.contentUnderFreeze ?? "")")
        let (under, full) = fullReadsUnderTheBlock(s)
        #expect(!under.isEmpty, "the proxy saw the freeze")
        #expect(full.isEmpty, "no read of every document under the block: \(full)")
        #expect(under.contains { String(decoding: $0.body, as: UTF8.self).contains("\"_seq_no\"") }, "the delta was selected by _seq_no")
        try expectExactResult(s.installed.client, recipe: s.installed.recipe, journal: s.installed.journal, sourceIndex: s.source)
    }

    @Test("a delete after the reconciliation: the counts disagree, so the id check runs under the block and the result is exact")
    func deleteSendsTheFreezeToTheIDCheck() throws {
        let s = try setUp(rewrite: true)
        defer { s.proxy.stop(); s.installed.clone.close() }
        let client = s.installed.client
        s.migrator.say = { line in
            if line.hasPrefix("ids reconciled before the freeze") { _ = try? client.deleteDocument(index: s.source, id: "post-9") }
        }
        let report = try s.migrator.runToEnd(options())
        #expect(report.catchUp.freeze.unreconciled == 1, "counts: \(report.catchUp.freeze.unreconciled)")
        #expect(report.catchUp.freeze.idCheckMilliseconds != nil, "the id check ran")
        try expectExactResult(client, recipe: s.installed.recipe, journal: s.installed.journal, sourceIndex: s.source)
    }

    @Test("rollback through a cluster that answers _seq_no ranges: the rollback run catches up and freezes the new index by _seq_no, the result is exact")
    func rollbackBySeqNo() throws {
        let s = try setUp(rewrite: true)
        defer { s.proxy.stop(); s.installed.clone.close() }
        let (client, recipe, journal) = (s.installed.client, s.installed.recipe, s.installed.journal)
        try s.migrator.runToEnd(options())
        let new = try #require(try journal.latestRun(recipe: recipe.name)).plan.targetIndex
        let atSwitch = try sourceBytes(client, s.source)
        let writes = try writeSinceSwitch(client, alias: recipe.writeAlias, updated: 20, created: 5, deleted: 5)

        let config = try ClusterConfig(url: s.proxy.url)
        let said = Locked<[String]>([])
        let outcome = try Operations(recipe: recipe, cluster: config, journal: journal)
            .rollback(cluster: config, options: RollbackOptions(), say: { line in said.value.append(line) })
        #expect(outcome.kind == .reversed)
        let rollbackRun = try #require(try journal.latestRun(recipe: recipe.name))
        let selected = try journal.lastEvent(rollbackRun.runID, startingWith: ["changes selected by"])
        #expect(selected?.hasPrefix("changes selected by _seq_no above a checkpoint") == true, "rollback run: \(selected ?? "no event")")
        let frozen = said.value.filter { $0.hasPrefix("frozen pass:") }
        #expect(!frozen.isEmpty && frozen.allSatisfy { $0.contains("changed since the last catch-up pass") }, "the rollback's frozen pass read the delta: \(frozen)")

        var oracle = RollbackOracle(atSwitch: atSwitch)
        for write in writes { oracle.wroteToNew(write.id, write.body) }
        let chain = try StepChain(recipe: recipe, steps: try recipe.graph.path(from: "3.0", to: "1.0"), runStartedAt: rollbackRun.startedAt)
        let problems = try oracle.check(actual: try sourceBytes(client, s.source), atSwitch: atSwitch, reverse: chain, index: new)
        #expect(problems.isEmpty, "\(problems.count) problems: \(problems.prefix(10))")
        #expect(try client.resolve(recipe.writeAlias) == .alias(indices: [s.source]))
    }

    @Test("no writes since the switch: the flip's freeze checks the new index by the _seq_no checkpoint and a count, not every id")
    func flipChecksByTheCheckpoint() throws {
        let s = try setUp(rewrite: true)
        defer { s.proxy.stop(); s.installed.clone.close() }
        let (client, recipe, journal) = (s.installed.client, s.installed.recipe, s.installed.journal)
        try s.migrator.runToEnd(options())
        let config = try ClusterConfig(url: s.proxy.url)
        let said = Locked<[String]>([])
        let outcome = try Operations(recipe: recipe, cluster: config, journal: journal)
            .rollback(cluster: config, options: RollbackOptions(), say: { line in said.value.append(line) })
        #expect(outcome.kind == .flipped)
        #expect(said.value.contains { $0.contains("by _seq_no above a checkpoint: 0 changed since the look, 300 of 300 documents there") }, "\(said.value)")
        #expect(try client.resolve(recipe.writeAlias) == .alias(indices: [s.source]))
    }
}
