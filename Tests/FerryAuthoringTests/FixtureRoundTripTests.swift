import FerryTestSupport
import Testing
import FerryAuthoring
import FerryCore
import FerryRecipes

/// `"round_trip"` in a fixture: the output goes back from `to` to `from` and is compared.
@Suite("fixture round trips")
struct FixtureRoundTripTests {
    static let input = #"{"title":"Hello","content":"Hi #intro","author":"alice","created_date":"2023-05-01T10:00:00Z"}"#
    static let output = #"""
        {"title":"Hello","content":"Hi #intro","author":"alice","created_date":"2023-05-01T10:00:00Z",
         "published_date":"2023-05-01T10:00:00Z","category":"general","tags":["intro"]}
        """#

    /// Runs `fixtures` (file name → JSON) as blog_posts' only fixtures, after `prepare`.
    func results(_ fixtures: [String: String], prepare: (ScratchRecipes) throws -> Void = { _ in }) throws -> [String: FixtureResult] {
        let scratch = try ScratchRecipes()
        for name in try FileManagerList.files(scratch.path("blog_posts/tests")) { try scratch.remove("blog_posts/tests/\(name)") }
        for (name, text) in fixtures { try scratch.write("blog_posts/tests/\(name)", text) }
        try prepare(scratch)
        let recipe = try scratch.load()
        return Dictionary(uniqueKeysWithValues: try FixtureRunner.run(recipe: recipe).map { ($0.name, $0) })
    }

    @Test("round_trip true passes when the way back gives the input, and fails with a diff when it does not")
    func lossless() throws {
        let fixtures = ["rt.json": #"{"from":"1.0","to":"2.0","input":\#(Self.input),"expected":\#(Self.output),"round_trip":true}"#]
        let good = try #require(try results(fixtures)["rt.json"])
        #expect(good.passed)
        #expect(good.roundTrip.map { if case .kept(let doc, _) = $0 { doc } else { nil } } == (try JSONValue.parse(Array(Self.input.utf8))))

        // A reverse step that changes the title: the way back no longer gives the input.
        let bad = try #require(try results(fixtures) { scratch in
            try scratch.edit("blog_posts/steps/v2_to_v1.lua", replacing: "  return out\n", with: "  out.title = \"changed\"\n  return out\n")
        }["rt.json"])
        #expect(bad.failure == "the way back 2.0→1.0 differs from the input in 1 field")
        #expect(bad.changes.map { "\($0.kind.rawValue) \($0.path)" } == ["changed title"])
        #expect(bad.json["round_trip_actual"]?["title"] == "changed")
    }

    @Test("round_trip expect compares the way back with the documented loss")
    func documentedLoss() throws {
        let r = try results([
            "ok.json": #"{"from":"2.0","to":"1.0","input":\#(Self.output),"expected":\#(Self.input),"round_trip":{"expect":\#(Self.output)}}"#,
            "wrong.json": #"{"from":"2.0","to":"1.0","input":\#(Self.output),"expected":\#(Self.input),"round_trip":{"expect":{"title":"Hello"}}}"#,
        ])
        #expect(r["ok.json"]?.passed == true)
        #expect(r["wrong.json"]?.failure?.hasPrefix("the way back 1.0→2.0 differs from \"round_trip.expect\" in ") == true)
    }

    @Test("a round trip without a way back fails naming the missing reverse steps")
    func noWayBack() throws {
        let r = try results(
            ["rt.json": #"{"from":"1.0","to":"2.0","input":\#(Self.input),"expected":\#(Self.output),"round_trip":true}"#]
        ) { scratch in
            try scratch.edit("blog_posts/recipe.lua", replacing: "    { from = \"2.0\", to = \"1.0\", script = \"steps/v2_to_v1.lua\" },\n", with: "")
        }
        #expect(r["rt.json"]?.failure?.contains("the way back 2.0→1.0 cannot run: no path of steps from 2.0 back to 1.0") == true)
    }

    @Test("round_trip needs an expected output and a well-formed value", arguments: [
        (#""expect":"drop","round_trip":true"#, "'round_trip' needs \"expected\""),
        (#""expected":{},"round_trip":"yes""#, "'round_trip' must be true"),
        (#""expected":{},"round_trip":{"expected":{}}"#, "'round_trip' must be true"),
    ])
    func malformed(members: String, message: String) throws {
        let r = try results(["bad.json": #"{"from":"1.0","to":"2.0","input":{"title":"t"},\#(members)}"#])
        #expect(r["bad.json"]?.failure?.contains(message) == true, "\(r["bad.json"]?.failure ?? "passed")")
    }
}
