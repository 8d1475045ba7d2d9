// Issue 10 under `ferry run` (the real binary against osmem): the hostile steps end as dead
// letters with their reason while the run goes on, and a worker stuck where no limit reaches
// is stopped by the watchdog, journaled, and dead-lettered by the next attempt without
// running it again.
import Foundation
import Testing
import FerryCore
import FerryJournal
import FerryMigration
import FerryTestSupport

@Suite("sandbox attacks under ferry run", .serialized)
struct SandboxRunTests {
    /// document id → (attack, the dead letter's message ends with)
    static let attacks: [(String, String, String)] = [
        ("post-1", "xpcall(function() error('x') end, function() while true do end end)", "time limit of 1000 ms exceeded"),
        ("post-2", "xpcall(function() error('x') end, function(m) for i = 1, 3e9 do end return m end)", "time limit of 1000 ms exceeded"),
        ("post-3", "doc.fallback = not coroutine.resume(coroutine.create(function() for i = 1, 1e12 do end end))", "time limit of 1000 ms exceeded"),
        ("post-4", "local co = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() while true do end end}) coroutine.yield() end) coroutine.resume(co) doc.closed = coroutine.close(co)", "time limit of 1000 ms exceeded"),
        ("post-5", "doc.r = string.find(string.rep('a', 200000), '.-.-.-b')", "time limit of 1000 ms exceeded"),
        ("post-6", "rawset(ctx, 'id', 'FORGED')", "ctx is read-only (rawset refused)"),
        ("post-7", "rawset(ctx, 'run_started_at', 'x')", "ctx is read-only (rawset refused)"),
        ("post-8", "string.upper = function() return 'PWNED' end", "string is read-only (tried to set string.upper)"),
        ("post-9", "tostring = function() return 'PWNED' end", "cannot set global 'tostring' while transforming a document: globals are read-only (use a local, or create it when the file loads)"),
        ("post-10", "type = function() return 'PWNED' end", "cannot set global 'type' while transforming a document: globals are read-only (use a local, or create it when the file loads)"),
        ("post-11", "ferry.null = 42", "ferry is read-only (tried to set ferry.null)"),
    ]
    static let documents = 20

    @Test("every attack of issue 10 is dead-lettered with its reason, the other documents are untouched, the lease is released")
    func theAttackListUnderFerryRun() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        // The real 2.0→3.0 step behind a wrapper that runs the attack for its document first,
        // and stamps what the environment looks like into every title.
        try FileManager.default.moveItem(atPath: scratch.path("blog_posts/steps/v2_to_v3.lua"), toPath: scratch.path("blog_posts/real_v2_to_v3.lua"))
        let table = Self.attacks.map { "  ['\($0.0)'] = function(doc, ctx) \($0.1) end," }.joined(separator: "\n")
        try scratch.write("blog_posts/steps/v2_to_v3.lua", """
            local real = require "real_v2_to_v3"
            local attacks = {
            \(table)
            }
            return function(doc, ctx)
              local attack = attacks[ctx.id]
              if attack then attack(doc, ctx) end
              local out = real(doc, ctx)
              out.title = out.title .. " [" .. ctx.id .. "|" .. string.upper("ok") .. "|" .. tostring(1) .. "|" .. type(ferry.null) .. "]"
              return out
            end

            """)
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let state = NSTemporaryDirectory() + "ferry-attacks-\(UUID().uuidString)/state.db"
        var ferry = FerryProcess(url: clone.url, state: state)
        ferry.recipes = scratch.recipes
        #expect(try ferry.run(["init", "blog_posts", "--version", "1.0"]).status == 0)
        try seedBlogPosts(client, into: "blog_posts-write", count: Self.documents)

        let run = try ferry.run(["run", "blog_posts", "--yes", "--max-errors", "\(Self.attacks.count)", "--workers", "2"], killAfter: .seconds(300))
        #expect(run.status == 0, "the runner survives: \(run.stderr)")
        let journal = try Journal(path: state)
        let record = try #require(try journal.latestRun(recipe: "blog_posts"))
        let letters = Dictionary(uniqueKeysWithValues: try journal.deadLetters(record.runID).map { ($0.id, $0) })
        #expect(letters.count == Self.attacks.count)
        for (id, _, reason) in Self.attacks {
            let letter = letters[id]
            #expect(letter?.location == "2.0→3.0", "\(id)")
            #expect(letter?.message.hasSuffix(reason) == true, "\(id): \(letter?.message ?? "no dead letter")")
            #expect(letter?.message.contains("v2_to_v3.lua:") == true, "\(id) names the step's line")
        }
        // Documents after the attacks saw the stock environment, whichever worker ran them.
        let nullType = try #require(try client.getDocument(index: "blog_posts", id: "post-\(Self.documents)")?["title"]?.stringValue)
        for i in (Self.attacks.count + 1)...Self.documents {
            let title = try client.getDocument(index: "blog_posts", id: "post-\(i)")?["title"]?.stringValue ?? ""
            #expect(title.hasSuffix(" [post-\(i)|OK|1|" + (nullType.split(separator: "|").last ?? "")), "post-\(i): \(title)")
            #expect(!title.contains("PWNED") && !title.contains("FORGED"))
        }
        #expect(try client.getDocument(index: Lease.index, id: "blog_posts") == nil, "the lease is released")
    }

    @Test("a worker stuck past the watchdog's ceiling: exit 1 naming the document and step, then dead-lettered without running it")
    func aStuckDocumentStopsTheRunAndIsDeadLetteredNextTime() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        // FERRY_FAILPOINT=stall-lookup: ctx.lookup blocks for good, a call no limit reaches.
        try scratch.write("blog_posts/steps/v2_to_v3.lua", """
            return function(doc, ctx)
              if ctx.id == 'post-3' then ctx.lookup('authors', 'alice') end
              doc.schema_version = '3.0'
              return doc
            end

            """)
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let state = NSTemporaryDirectory() + "ferry-stuck-\(UUID().uuidString)/state.db"
        var ferry = FerryProcess(url: clone.url, state: state)
        ferry.recipes = scratch.recipes
        #expect(try ferry.run(["init", "blog_posts", "--version", "1.0"]).status == 0)
        try seedBlogPosts(client, into: "blog_posts-write", count: 10)
        let stall = ["FERRY_FAILPOINT": "stall-lookup"]

        let stuck = try ferry.run(["run", "blog_posts", "--yes"], environment: stall, killAfter: .seconds(120))
        #expect(!stuck.killed, "the watchdog stopped the run")
        #expect(stuck.status == 1, "\(stuck.stderr)")
        #expect(stuck.stderr.contains("document post-3 was stuck in step 2.0→3.0"), "\(stuck.stderr)")
        #expect(try client.getDocument(index: Lease.index, id: "blog_posts") == nil, "the lease is given up")
        let journal = try Journal(path: state)
        let record = try #require(try journal.latestRun(recipe: "blog_posts"))
        #expect(try journal.stuckDocuments(record.runID) == [StuckDocument(id: "post-3", step: "2.0→3.0")])

        // Still stalling: if post-3 ran again, these would hang until killed.
        let refused = try ferry.run(["run", "blog_posts", "--yes"], environment: stall, killAfter: .seconds(120))
        #expect(!refused.killed)
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("document post-3") && refused.stderr.contains("--max-errors"), "\(refused.stderr)")

        let resumed = try ferry.run(["run", "blog_posts", "--yes", "--max-errors", "1"], environment: stall, killAfter: .seconds(120))
        #expect(!resumed.killed)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let letters = try journal.deadLetters(record.runID)
        #expect(letters.map(\.id) == ["post-3"])
        #expect(letters.first?.errorType == "stuck")
        #expect(try client.getDocument(index: "blog_posts", id: "post-4")?["schema_version"] == "3.0")
        #expect(try client.getDocument(index: Lease.index, id: "blog_posts") == nil, "the lease is released")
    }
}
