import Testing
import FerryAuthoring
import FerryCluster
import FerryCore
import FerryRecipes
import FerryTestSupport

/// Integers beyond 64 bits are compared and printed by their digits in fixtures and previews
/// (a double cannot tell 18446744073709551615 from 18446744073709551614).
extension FixtureRunnerTests {
    @Test("a fixture whose expected 20-digit integer differs in its last digit fails, printing both numbers")
    func bigIntegerFixture() throws {
        let input = #"{"title":"Hello","content":"Hi","author":"alice","created_date":"2023-05-01T10:00:00Z","n":18446744073709551615}"#
        let expected = #"""
            {"title":"Hello","content":"Hi","author":"alice","created_date":"2023-05-01T10:00:00Z","n":18446744073709551614,
             "published_date":"2023-05-01T10:00:00Z","category":"general","tags":[]}
            """#
        let r = try results(["big.json": #"{"from":"1.0","to":"2.0","input":\#(input),"expected":\#(expected)}"#])
        let result = try #require(r["big.json"])
        // Before: passed (both numbers are the same double).
        #expect(!result.passed)
        let lines = DiffRenderer(style: .plain).expectationLines(result.changes)
        #expect(lines == ["    ~ n: expected 18446744073709551614, got 18446744073709551615"])
    }

    @Test("test --json prints a failing fixture's big integers with their digits, not as doubles")
    func bigIntegerFixtureJSON() throws {
        let big = #""n":18446744073709551615,"m":123456789012345678901234567890"#
        let input = #"{"title":"Hello","content":"Hi","author":"alice","created_date":"2023-05-01T10:00:00Z",\#(big)}"#
        let expected = #"{"title":"Hello","content":"Hi","author":"alice","created_date":"2023-05-01T10:00:00Z","n":18446744073709551614,"m":123456789012345678901234567890,"published_date":"2023-05-01T10:00:00Z","category":"general","tags":[]}"#
        let r = try results(["big.json": #"{"from":"1.0","to":"2.0","input":\#(input),"expected":\#(expected)}"#])
        let text = FixtureReport.json(recipe: "blog_posts", [try #require(r["big.json"])]).serialized(sortedKeys: true)
        // Before: "actual" held "n":1.8446744073709552e+19 and "m":1.2345678901234568e+29.
        #expect(text.contains(#""m":123456789012345678901234567890,"#))
        #expect(text.contains(#""n":18446744073709551615,"#))
        #expect(text.contains(#""new":18446744073709551615"#))
        #expect(text.contains(#""old":18446744073709551614"#))
        #expect(!text.contains("e+"))
    }
}

extension PreviewTests {
    @Test("a step that changes only the last digit of a 20-digit integer previews as changed, with the digits")
    func bigIntegerPreview() throws {
        let scratch = try ScratchRecipes()
        try scratch.wrapStep("v1_to_v2", """
              local out = real(doc, ctx)
              out.n = ferry.bignum("18446744073709551614")
              out.m = ferry.bignum("123456789012345678901234567890")
              return out
            """)
        for version in ["1.0", "2.0"] {
            try scratch.edit("blog_posts/mappings/\(version).json", replacing: #""author": { "type": "keyword" },"#,
                             with: #""author": { "type": "keyword" }, "n": { "type": "unsigned_long" },"#)
        }
        let recipe = try scratch.load()
        let installed = try installed(recipe, count: 1)
        defer { installed.clone.close() }
        // Raw bytes: a JSONValue would send the number as a double.
        try installed.client.request(
            .PUT, RequestPath([recipe.writeAlias, "_doc", "big"], query: [("refresh", "true")]),
            body: Array(#"{"title":"t","content":"c","author":"alice","created_date":"2024-03-01T10:00:00Z","n":18446744073709551615}"#.utf8))
        let report = try preview(recipe, installed, .ids(["big"]), to: "2.0")
        let doc = try #require(report.documents.first)
        #expect(doc.changes.first { $0.path.description == "n" }.map { DiffRenderer(style: .plain).lines([$0]) }
                == ["  ~ n: 18446744073709551615 → 18446744073709551614"])
        // preview --json: the document's own digits (before: 1.8446744073709552e+19, 1.2345678901234568e+29).
        let text = report.json.serialized(sortedKeys: true)
        #expect(text.contains(#""n":18446744073709551615,"#))   // before
        #expect(text.contains(#""n":18446744073709551614,"#))   // after
        #expect(text.contains(#""m":123456789012345678901234567890,"#))
        #expect(text.contains(#""new":123456789012345678901234567890,"#))
        #expect(!text.contains("e+"))
    }
}
