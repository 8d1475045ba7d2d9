import FerryTestSupport
import Testing
import FerryAuthoring
import FerryCore
import FerryRecipes

@Suite("fixture runner")
struct FixtureRunnerTests {
    /// A scratch blog_posts whose 1.0→2.0 step drops posts titled "spam", with `fixtures`
    /// (file name → JSON text) as its only fixtures.
    func scratch(_ fixtures: [String: String]) throws -> (ScratchRecipes, Recipe) {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v1_to_v2.lua", replacing: "return function(doc, ctx)\n",
                         with: "return function(doc, ctx)\n  if doc.title == \"spam\" then return nil end\n")
        for name in try FileManagerList.files(scratch.path("blog_posts/tests")) { try scratch.remove("blog_posts/tests/\(name)") }
        for (name, text) in fixtures { try scratch.write("blog_posts/tests/\(name)", text) }
        return (scratch, try scratch.load())
    }

    func results(_ fixtures: [String: String]) throws -> [String: FixtureResult] {
        let (scratch, recipe) = try scratch(fixtures)
        defer { _ = scratch }
        return Dictionary(uniqueKeysWithValues: try FixtureRunner.run(recipe: recipe).map { ($0.name, $0) })
    }

    static let basicInput = #"{"title":"Hello","content":"Hi #intro","author":"alice","created_date":"2023-05-01T10:00:00Z"}"#
    static let basicOutput = #"""
        {"title":"Hello","content":"Hi #intro","author":"alice","created_date":"2023-05-01T10:00:00Z",
         "published_date":"2023-05-01T10:00:00Z","category":"general","tags":["intro"]}
        """#

    @Test("every shipped blog_posts fixture passes through the real engine")
    func realFixturesPass() throws {
        let results = try FixtureRunner.run(recipe: try realRecipe())
        #expect(results.count >= 33)
        for result in results where !result.passed {
            Issue.record("\(result.path): \(result.failure ?? "")")
        }
        let steps = Set(results.compactMap { $0.fixture.map { "\($0.from)→\($0.to)" } })
        #expect(steps.isSuperset(of: ["1.0→2.0", "2.0→3.0", "1.0→3.0"]), "every step and the chain are covered")
    }

    @Test("pass, output mismatch with a diff, expected drop, and expected error")
    func passFailDropError() throws {
        let r = try results([
            "pass.json": #"{"from":"1.0","to":"2.0","input":\#(Self.basicInput),"expected":\#(Self.basicOutput)}"#,
            "mismatch.json": #"{"from":"1.0","to":"2.0","input":\#(Self.basicInput),"expected":{"title":"Hello","tags":["other"],"category":"general","content":"Hi #intro","author":"alice","created_date":"2023-05-01T10:00:00Z","published_date":"2023-05-01T10:00:00Z","extra":1}}"#,
            "drop.json": #"{"from":"1.0","to":"3.0","input":{"title":"spam"},"expect":"drop"}"#,
            "drop_missed.json": #"{"from":"1.0","to":"2.0","input":{"title":"ham"},"expect":"drop"}"#,
            "error.json": #"{"from":"1.0","to":"2.0","input":{"content":{"x":1}},"expect_error":"content: expected text, got an object"}"#,
            "error_other.json": #"{"from":"1.0","to":"2.0","input":{"content":{"x":1}},"expect_error":"something else"}"#,
        ])
        #expect(r["pass.json"]?.passed == true)
        #expect(r["drop.json"]?.passed == true)
        #expect(r["drop.json"]?.actual == .dropped(step: "1.0→2.0"))
        #expect(r["error.json"]?.passed == true)

        let mismatch = try #require(r["mismatch.json"])
        #expect(mismatch.failure == "the output differs from \"expected\" in 2 fields")
        #expect(mismatch.changes.map { "\($0.kind.rawValue) \($0.path)" } == ["removed extra", "changed tags[0]"])
        let lines = DiffRenderer(style: .plain).expectationLines(mismatch.changes)
        #expect(lines == ["    - extra: missing  (expected 1)", "    ~ tags[0]: expected \"other\", got \"intro\""])

        #expect(r["drop_missed.json"]?.failure?.hasPrefix("expected the document to be dropped, got the output {") == true)
        let other = try #require(r["error_other.json"]?.failure)
        #expect(other.contains("expected an error containing \"something else\""))
        #expect(other.contains("steps/v1_to_v2.lua:"), "the actual error names the script and line")
        #expect(other.contains("document error_other"), "the id defaults to the file name")
    }

    @Test("integers and floats are compared by type: 1 is not 1.0")
    func integerVersusFloat() throws {
        let r = try results([
            "float.json": #"""
                {"from":"2.0","to":"3.0","input":{"title":"t","content":"one two","author":"nobody","created_date":"2024-01-01"},
                 "expected":{"title":"t","content":"one two","author":"nobody","created_date":"2024-01-01","published_date":"2024-01-01",
                   "category":"general","tags":[],"schema_version":"3.0",
                   "engagement":{"views":0,"likes":0,"shares":0,"comments_count":0},
                   "metadata":{"word_count":2.0,"reading_time":1,"language":"en","last_updated":"2026-01-01T00:00:00Z"}}}
                """#,
        ])
        let result = try #require(r["float.json"])
        #expect(result.changes.map(\.path.description) == ["metadata.word_count"])
        #expect(result.changes.first?.typeChange == "float → integer")
    }

    @Test("the fixture's run_started_at reaches ctx.run_started_at")
    func runStartedAt() throws {
        let r = try results([
            "a.json": #"{"from":"2.0","to":"3.0","run_started_at":"1999-12-31T23:59:59Z","input":{"title":"t"},"expected":{}}"#,
            "b.json": #"{"from":"2.0","to":"3.0","input":{"title":"t"},"expected":{}}"#,
        ])
        guard case .kept(let a, _)? = r["a.json"]?.actual, case .kept(let b, _)? = r["b.json"]?.actual else {
            Issue.record("both fixtures should produce a document")
            return
        }
        #expect(a["metadata"]?["last_updated"] == "1999-12-31T23:59:59Z")
        #expect(b["metadata"]?["last_updated"] == .string(Fixture.defaultRunStartedAt))
    }

    @Test("an invalid fixture file fails with a message naming the file and the field")
    func invalidFixtures() throws {
        let r = try results([
            "no_from.json": #"{"to":"2.0","input":{},"expected":{}}"#,
            "bad_json.json": #"{"from":"1.0","#,
            "two_expectations.json": #"{"from":"1.0","to":"2.0","input":{},"expected":{},"expect":"drop"}"#,
            "unknown_version.json": #"{"from":"0.9","to":"2.0","input":{},"expected":{}}"#,
        ])
        #expect(r.count == 4)
        for (name, result) in r {
            #expect(!result.passed, "\(name)")
            #expect(result.path.hasSuffix("blog_posts/tests/\(name)"))
        }
        #expect(r["no_from.json"]?.failure?.contains("'from' and 'to' are required") == true)
        #expect(r["bad_json.json"]?.failure?.contains("not valid JSON") == true)
        #expect(r["two_expectations.json"]?.failure?.contains("exactly one of") == true)
        #expect(r["unknown_version.json"]?.failure?.contains("version 0.9 is not one of") == true)
    }

    @Test("a step that does not compile fails every fixture through it with the script's path and line")
    func brokenStep() throws {
        let (scratch, _) = try scratch([
            "v1.json": #"{"from":"1.0","to":"2.0","input":\#(Self.basicInput),"expected":\#(Self.basicOutput)}"#,
            "v2.json": #"{"from":"2.0","to":"3.0","input":{},"expected":{}}"#,
        ])
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "local WORDS_PER_MINUTE = 200", with: "local WORDS_PER_MINUTE = = 200")
        let results = try FixtureRunner.run(recipe: try scratch.load())
        #expect(results.first { $0.name == "v1.json" }?.passed == true)
        let broken = try #require(results.first { $0.name == "v2.json" })
        #expect(broken.notRun)
        #expect(broken.failure?.contains("steps/v2_to_v3.lua:24:") == true)
        let text = FixtureReport.lines(results, renderer: DiffRenderer(style: .plain), verbose: false).joined(separator: "\n")
        #expect(text.contains("FAIL 1 fixture could not run: "))
        #expect(text.hasSuffix("1 passed, 1 failed (2 fixtures)"))
    }
}

import Foundation

enum FileManagerList {
    static func files(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder)
    }
}
