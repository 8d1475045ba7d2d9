import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport

@Suite("ferry verify", .serialized)
struct VerifyTests {
    /// A finished migration of blog_posts 1.0 → 3.0 in its own clone.
    struct Migrated {
        let clone: OsmemClone
        let client: ClusterClient
        let recipe: Recipe
        let journal: Journal
        let run: RunRecord
        var target: String { run.plan.targetIndex }

        func verify(sample: Int? = nil, seed: Int? = nil, checks: Set<VerifyCheck> = Set(VerifyCheck.allCases)) throws -> VerificationReport {
            let subject = try VerificationSubject.of(run: run, journal: journal, client: client)
            var options = VerifyOptions(sample: sample, seed: seed)
            options.checks = checks
            return try Verifier(recipe: recipe, client: client).verify(subject, options: options)
        }

        func ferry(_ arguments: [String]) throws -> FerryProcess.Outcome {
            var process = FerryProcess(url: clone.url, state: journal.path)
            process.recipes = (recipe.folder as NSString).deletingLastPathComponent
            return try process.run(arguments)
        }
    }

    func migrated(_ recipe: Recipe? = nil, count: Int = 40, maxErrors: Int = 0, verifyBeforeSwitch: Bool = true) throws -> Migrated {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let recipe = try recipe ?? realRecipe()
        let journal = try temporaryJournal()
        _ = try makeMigrator(recipe, clone, journal: journal).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: count)
        var runOptions = options(maxErrors: maxErrors)
        if !verifyBeforeSwitch { runOptions.verifySample = 0 }
        try makeMigrator(recipe, clone, journal: journal).runToEnd(runOptions)
        let run = try #require(try journal.latestRun(recipe: recipe.name))
        return Migrated(clone: clone, client: client, recipe: recipe, journal: journal, run: run)
    }

    func status(_ report: VerificationReport, _ check: VerifyCheck) -> CheckResult.Status? {
        report.result(check)?.status
    }

    // MARK: Clean

    @Test("a clean migrated index verifies in full: every check passes, every document compared")
    func cleanFull() throws {
        let m = try migrated()
        defer { m.clone.close() }
        let report = try m.verify()
        #expect(report.passed)
        #expect(report.checks.map(\.status) == [.passed, .passed, .passed, .passed], "\(report.lines)")
        #expect(report.documentsChecked == 40)
        #expect(report.differences.isEmpty)
        #expect(report.counts == CountFigures(source: 40, dropped: 0, deadLetters: 0, target: 40))
        #expect(report.canaries.count == m.recipe.canaries.count && report.canaries.allSatisfy(\.passes))
    }

    @Test("a clean migrated index verifies on a sample: N documents, the same N for the same seed")
    func cleanSample() throws {
        let m = try migrated()
        defer { m.clone.close() }
        let report = try m.verify(sample: 7, seed: 11)
        #expect(report.passed, "\(report.lines)")
        #expect(report.documentsChecked == 7)
        #expect(report.seed == 11)
        #expect(report.result(.documents)?.summary.contains("a sample of 7 (seed 11)") == true)

        // Half the documents differ: which of them a sample reports depends only on the seed.
        for i in 1...20 {
            try m.client.indexDocument(index: m.target, id: "post-\(i)", body: ["title": "planted"], refresh: i == 20)
        }
        let a = try m.verify(sample: 10, seed: 99, checks: [.documents])
        let b = try m.verify(sample: 10, seed: 99, checks: [.documents])
        #expect(!a.differences.isEmpty)
        #expect(a.differences.map(\.subject) == b.differences.map(\.subject))
        #expect(try m.verify(sample: 100, checks: [.documents]).documentsChecked == 40, "a sample larger than the index reads it all")
    }

    // MARK: Planted differences

    @Test("differences planted by hand are found with their kind and id: a changed field, a deleted and an extra document")
    func plantedDifferences() throws {
        let m = try migrated()
        defer { m.clone.close() }
        var changed = try #require(try m.client.getDocument(index: m.target, id: "post-7")?.objectValue)
        changed["metadata"] = ["language": "en", "last_updated": .string(m.run.startedAt), "reading_time": 1, "word_count": 999]
        try m.client.indexDocument(index: m.target, id: "post-7", body: .object(changed), refresh: true)
        try m.client.deleteDocument(index: m.target, id: "post-12", refresh: true)
        try m.client.indexDocument(index: m.target, id: "planted-1", body: ["title": "not from the source"], refresh: true)

        let report = try m.verify(checks: [.counts, .documents])
        #expect(!report.passed)
        #expect(status(report, .documents) == .failed)
        #expect(status(report, .counts) == .passed, "one deleted and one added: the counts alone cannot tell")
        let byKind = Dictionary(grouping: report.differences, by: \.kind)
        #expect(byKind[.differs]?.map(\.subject) == ["post-7"])
        #expect(byKind[.differs]?.first?.path == "metadata.word_count")
        #expect(byKind[.missing]?.map(\.subject) == ["post-12"])
        #expect(byKind[.unexpected]?.map(\.subject) == ["planted-1"])
        #expect(report.differenceTotals == [.differs: 1, .missing: 1, .unexpected: 1])
    }

    @Test("a document deleted from the target fails the count check as well")
    func deletedDocumentFailsCounts() throws {
        let m = try migrated()
        defer { m.clone.close() }
        try m.client.deleteDocument(index: m.target, id: "post-5", refresh: true)
        let report = try m.verify(sample: 3, seed: 1, checks: [.counts])
        #expect(status(report, .counts) == .failed)
        #expect(report.counts?.target == 39 && report.counts?.expected == 40)
        #expect(report.differences.map(\.kind) == [.count])
    }

    @Test("the CLI exits 0 on a clean index and 6 once a difference is planted, naming the document")
    func commandLineExitCodes() throws {
        let m = try migrated()
        defer { m.clone.close() }
        let clean = try m.ferry(["verify", "blog_posts"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("✓ documents") && clean.stdout.contains("verified:"))

        try m.client.indexDocument(index: m.target, id: "post-3", body: ["title": "planted"], refresh: true)
        let dirty = try m.ferry(["verify", "blog_posts"])
        #expect(dirty.status == 6, "\(dirty.stdout)\(dirty.stderr)")
        #expect(dirty.stdout.contains("✗ documents"))
        #expect(dirty.stdout.contains("differs") && dirty.stdout.contains("post-3"))

        let json = try m.ferry(["verify", "blog_posts", "--json", "--sample", "5", "--seed", "1"])
        let parsed = try JSONValue.parse(json.stdout)
        #expect(parsed["sample"] == 5 && parsed["seed"] == 1 && parsed["passed"]?.boolValue != nil)

        let missing = try m.ferry(["verify", "blog_posts", "--source", "no-such-index", "--target", m.target])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no-such-index does not exist"))
    }

    @Test("a field added to the target mapping by hand is reported by the mapping check")
    func mappingChangedByHand() throws {
        let m = try migrated(count: 5)
        defer { m.clone.close() }
        try m.client.request(.PUT, RequestPath([m.target, "_mapping"]), body: Array(#"{"properties":{"planted":{"type":"keyword"}}}"#.utf8))
        let report = try m.verify(checks: [.mapping])
        #expect(status(report, .mapping) == .failed)
        #expect(report.differences.map(\.subject) == ["planted"])
        #expect(report.differences.first?.detail.contains("not in \(m.recipe.mappingPath(for: "3.0"))") == true)
    }

    // MARK: Canaries

    @Test("ferry run does not switch when its verification before the switch fails, and lifts the write block")
    func runRefusesToSwitchOnDifferences() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        let manifest = try scratch.read("blog_posts/recipe.lua")
        try scratch.write("blog_posts/recipe.lua", manifest.replacingOccurrences(of: "  canaries = {", with: """
              canaries = {
                { name = "schema 3.0", query = { term = { schema_version = "3.0" } } },
            """))
        let recipe = try scratch.load()
        let installed = try installBlogPosts(recipe, count: 12)
        defer { installed.clone.close() }
        let clone = installed.clone, client = installed.client, journal = installed.journal, source = installed.source
        #expect {
            try makeMigrator(recipe, clone, journal: journal).runToEnd()
        } throws: { error in
            String(describing: error).contains("verification before the switch found differences")
                && String(describing: error).contains("schema 3.0")
        }
        #expect(try client.resolve(recipe.readAlias) == .alias(indices: [source]))
        #expect(try client.getSettings(source)["index"]?["blocks"]?["write"] == nil, "the block is lifted")
        #expect(try journal.latestRun(recipe: recipe.name)?.phase == .catchingUp)
    }

    @Test("a canary that answers differently fails, unless it says expect = \"differ\"")
    func canaryDiffers() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        let manifest = try scratch.read("blog_posts/recipe.lua")
        try scratch.write("blog_posts/recipe.lua", manifest.replacingOccurrences(of: "  canaries = {", with: """
              canaries = {
                { name = "schema 3.0", query = { term = { schema_version = "3.0" } } },
                { name = "schema 3.0, on purpose", query = { term = { schema_version = "3.0" } }, expect = "differ" },
                { name = "zed's posts", compare = "ids", query = { term = { author = "zed" } } },
            """))
        // Switched without the run's own check, which would refuse these canaries.
        let m = try migrated(try scratch.load(), count: 12, verifyBeforeSwitch: false)
        defer { m.clone.close() }
        // Another author on one of zed's posts: the ids canary must name it.
        var post = try #require(try m.client.getDocument(index: m.target, id: "post-2")?.objectValue)
        post["author"] = "alice"
        try m.client.indexDocument(index: m.target, id: "post-2", body: .object(post), refresh: true)

        let report = try m.verify(checks: [.canaries])
        #expect(status(report, .canaries) == .failed)
        let results = Dictionary(uniqueKeysWithValues: report.canaries.map { ($0.canary, $0) })
        #expect(results["schema 3.0"]?.sourceCount == 0 && results["schema 3.0"]?.targetCount == 12)
        #expect(results["schema 3.0, on purpose"]?.passes == true && results["schema 3.0, on purpose"]?.agrees == false)
        #expect(results["zed's posts"]?.onlyInSource == ["post-2"])
        #expect(results["all posts"]?.agrees == true)
        #expect(results["posts by alice"]?.sourceCount == 4 && results["posts by alice"]?.targetCount == 5)
        #expect(Set(report.differences.map(\.subject)) == ["schema 3.0", "zed's posts", "posts by alice"], "expect = \"differ\" is reported, not a difference")
        #expect(report.differences.allSatisfy { $0.kind == .canary })
    }

    @Test("canaries in recipe.lua are validated with errors naming the file and the field")
    func canaryManifestErrors() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        let manifest = try scratch.read("blog_posts/recipe.lua")
        func load(_ canaries: String) -> String {
            do {
                try scratch.write("blog_posts/recipe.lua", manifest.replacingOccurrences(of: "  canaries = {", with: "  canaries = { \(canaries),"))
                _ = try scratch.load()
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        #expect(load(#"{ name = "x", query = { match_all = {} }, compare = "sum" }"#).contains("recipe.lua: canaries[1].compare must be \"count\" or \"ids\""))
        #expect(load(#"{ name = "x" }"#).contains("recipe.lua: canaries[1].query must be a table"))
        #expect(load(#"{ query = { match_all = {} } }"#).contains("recipe.lua: 'canaries[1].name' is required"))
        #expect(load(#"{ name = "x", query = { match_all = {} }, size = 0 }"#).contains("canaries[1].size must be an integer from 1 to 10000"))
        #expect(load(#"{ name = "all posts", query = { match_all = {} } }"#).contains("canary 'all posts' is listed twice"))
        try scratch.write("blog_posts/recipe.lua", manifest)
        let recipe = try scratch.load()
        #expect(recipe.canaries.first == Canary(name: "all posts", query: ["match_all": [:]]))
        #expect(recipe.canaries.contains { $0.compare == .ids && $0.size == 1000 })
    }

    // MARK: What the run left out on purpose

    @Test("documents a step drops are expected absent, not reported missing (full and sample)")
    func droppedDocumentsAreNotMissing() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v1_to_v2", """
              if ctx.id == "post-4" or ctx.id == "post-8" then return nil end
              return real(doc, ctx)
            """)
        let m = try migrated(try scratch.load(), count: 20)
        defer { m.clone.close() }
        let full = try m.verify()
        #expect(full.passed, "\(full.lines)")
        #expect(full.counts == CountFigures(source: 20, dropped: 2, deadLetters: 0, target: 18))
        #expect(full.result(.documents)?.summary.contains("2 dropped by the steps") == true)
        let sample = try m.verify(sample: 20, seed: 4)
        #expect(sample.passed, "\(sample.lines)")
        #expect(sample.counts?.dropped == 2, "a sample takes the dropped count from the journal")
        #expect(status(full, .canaries) == .passed, "canaries leave the dropped documents out of the old index's answer")
        let canariesOnly = try m.verify(checks: [.canaries])
        #expect(canariesOnly.passed, "ids unknown: a count may fall short by the journal's 2 dropped documents")
        #expect(canariesOnly.canaries.first { $0.canary == "all posts" }?.note?.contains("2 fewer") == true)

        // A dropped document that shows up in the target anyway is unexpected.
        try m.client.indexDocument(index: m.target, id: "post-4", body: ["title": "resurrected"], refresh: true)
        let report = try m.verify(checks: [.documents])
        #expect(report.differences.map(\.kind) == [.unexpected])
        #expect(report.differences.first?.subject == "post-4")
        #expect(report.differences.first?.detail.contains("step 1.0→2.0 drops it") == true)
    }

    @Test("dead letters the run accepted with --max-errors are expected absent")
    func deadLettersAreNotMissing() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v2_to_v3", """
              if ctx.id == "post-3" then error("bad post " .. ctx.id) end
              return real(doc, ctx)
            """)
        let m = try migrated(try scratch.load(), count: 10, maxErrors: 1)
        defer { m.clone.close() }
        let report = try m.verify()
        #expect(report.passed, "\(report.lines)")
        #expect(report.counts == CountFigures(source: 10, dropped: 0, deadLetters: 1, target: 9))
        #expect(status(report, .canaries) == .passed, "the dead letter is left out of the old index's answers")
    }

    // MARK: Without the run's journal

    @Test("without the run in the journal, --source/--target need run_started_at; with it they verify")
    func explicitIndices() throws {
        let m = try migrated(count: 10)
        defer { m.clone.close() }
        let source = m.run.plan.sourceIndex
        #expect {
            try VerificationSubject.between(
                source: source, target: m.target, from: nil, to: nil, runStartedAt: nil,
                recipe: m.recipe, journal: try temporaryJournal(), client: m.client)
        } throws: { error in
            "\(error)".contains("run_started_at") && ((error as? any UserFacingError)?.hint ?? "").contains("--run-started-at")
        }
        let subject = try VerificationSubject.between(
            source: source, target: m.target, from: nil, to: nil, runStartedAt: m.run.startedAt,
            recipe: m.recipe, journal: nil, client: m.client)
        #expect(subject.sourceVersion == "1.0" && subject.targetVersion == "3.0", "versions from _meta.ferry")
        #expect(try Verifier(recipe: m.recipe, client: m.client).verify(subject, sample: nil).passed)

        let wrongTime = try VerificationSubject.between(
            source: source, target: m.target, from: "1.0", to: "3.0", runStartedAt: "2000-01-01T00:00:00Z",
            recipe: m.recipe, journal: nil, client: m.client)
        let report = try Verifier(recipe: m.recipe, client: m.client).verify(wrongTime, sample: 3, seed: 1)
        #expect(report.differences.first?.path == "metadata.last_updated", "T depends on run_started_at")
    }

    @Test("an adopted concrete index is verified from its preserved copy, with ctx.index as the run saw it")
    func adoptedConcreteIndex() throws {
        let scratch = try ScratchRecipes()
        defer { scratch.remove() }
        try scratch.wrapStep("v2_to_v3", """
              doc = real(doc, ctx)
              doc.category = ctx.index
              return doc
            """)
        let recipe = try scratch.load()
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        try client.createIndex(recipe.readAlias, body: try recipe.indexBody(for: "1.0"))
        try seedBlogPosts(client, into: recipe.readAlias, count: 8)
        let journal = try temporaryJournal()
        try makeMigrator(recipe, clone, journal: journal).runToEnd()
        let run = try #require(try journal.latestRun(recipe: recipe.name))
        let preserved = try #require(run.plan.preservedIndex)

        let subject = try VerificationSubject.of(run: run, journal: journal, client: client)
        #expect(subject.sourceIndex == preserved, "the concrete index is an alias of the target now")
        #expect(subject.contextIndex == recipe.readAlias)
        #expect(try client.getDocument(index: run.plan.targetIndex, id: "post-1")?["category"] == .string(recipe.readAlias))
        let report = try Verifier(recipe: recipe, client: client).verify(subject, sample: nil)
        #expect(report.passed, "\(report.lines)")
    }
}
