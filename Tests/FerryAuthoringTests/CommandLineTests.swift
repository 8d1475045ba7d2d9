import Foundation
import Testing
import FerryCluster
import FerryCore
import FerryTestSupport

/// The four commands end to end: the real `ferry` executable, its output and exit code.
@Suite("ferry preview/transform/test/check commands", .serialized)
struct CommandLineTests {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// `FERRY_BINARY`, else the `ferry` built beside this test bundle.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["FERRY_BINARY"] { return path }
        let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [bundleFolder, bundleFolder.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("ferry").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "\(repositoryRoot)/.build/debug/ferry"
    }()

    /// Runs `ferry arguments --recipes recipes` (no `--recipes` when `recipes` is nil).
    func ferry(_ arguments: [String], recipes: String? = "\(repositoryRoot)/recipes", stdin: String = "",
               environment extra: [String: String] = [:]) throws -> Outcome {
        let folder = NSTemporaryDirectory() + "ferry-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try stdin.write(toFile: "\(folder)/in", atomically: true, encoding: .utf8)
        for name in ["out", "err"] { _ = FileManager.default.createFile(atPath: "\(folder)/\(name)", contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + (recipes.map { ["--recipes", $0] } ?? [])
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: "\(folder)/in"))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/err"))
        try process.run()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            stdout: try String(contentsOfFile: "\(folder)/out", encoding: .utf8),
            stderr: try String(contentsOfFile: "\(folder)/err", encoding: .utf8))
    }

    @Test("ferry test: 0 when every fixture passes; 1 with a diff naming the fixture when one fails")
    func testCommand() throws {
        let clean = try ferry(["test", "blog_posts"])
        #expect(clean.status == 0)
        #expect(clean.stdout.hasSuffix("passed, 0 failed (\(try realFixtureCount()) fixtures)\n"))

        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "local words = text.word_count(content)",
                         with: "local words = text.word_count(content) + 1")
        let broken = try ferry(["test", "blog_posts", "--filter", "v2_to_v3_news"], recipes: scratch.recipes)
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("FAIL \(scratch.path("blog_posts/tests/v2_to_v3_news.json"))"))
        #expect(broken.stdout.contains("    ~ metadata.word_count: expected 9, got 10\n"))
        #expect(!broken.stdout.contains("\u{1B}["), "no colours when stdout is not a terminal")
    }

    @Test("ferry check: 0 on the clean recipe; 1 naming the script and line of a syntax error")
    func checkCommand() throws {
        let clean = try ferry(["check", "blog_posts"])
        #expect(clean.status == 0)
        #expect(clean.stdout.hasSuffix("0 warnings, 0 failed\n"))

        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "local WORDS_PER_MINUTE = 200", with: "local WORDS_PER_MINUTE = = 200")
        let broken = try ferry(["check", "blog_posts", "--json"], recipes: scratch.recipes)
        #expect(broken.status == 1)
        let report = try JSONValue.parse(broken.stdout)
        #expect(report["ok"] == false)
        let failed = (report["checks"]?.arrayValue ?? []).filter { $0["status"] == "fail" }
        #expect(failed.first?["message"]?.stringValue?.contains("steps/v2_to_v3.lua:24: unexpected symbol near '='") == true)
    }

    @Test("ferry transform: stdin to stdout, failures on stderr with the line number, exit 1 at the end")
    func transformCommand() throws {
        let input = """
            {"_id":"a","_source":{"title":"A","content":"#x"}}
            {"_id":"b","_source":{"content":{"not":"text"}}}
            {"title":"C"}
            """
        let out = try ferry(["transform", "blog_posts", "--to", "2.0"], stdin: input)
        #expect(out.status == 1)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            ##"{"_id":"a","_source":{"category":"general","content":"#x","tags":["x"],"title":"A"}}"##,
            #"{"category":"general","tags":[],"title":"C"}"#,
        ])
        #expect(out.stderr.contains("error: line 2: document b: step 1.0→2.0 ("))
        #expect(out.stderr.contains("3 documents, 2 written, 0 dropped, 1 failed"))

        let ok = try ferry(["transform", "blog_posts", "--quiet"], stdin: #"{"title":"t"}"# + "\n")
        #expect(ok.status == 0)
        #expect(ok.stderr.isEmpty)
    }

    @Test("ferry preview: read-only diffs with exit 0 on a clean recipe, exit 1 on mapping problems, 64 on bad usage")
    func previewCommand() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        try install(recipe, version: "1.0", on: client)
        try seedBlogPosts(client, into: recipe.writeAlias, count: 5)
        let before = try clusterSnapshot(client)

        let clean = try ferry(["preview", "blog_posts", "--sample", "2", "--url", clone.url])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("  + schema_version: \"3.0\"\n"))
        #expect(clean.stdout.hasSuffix("safe to run: every previewed document transforms and fits the 3.0 mapping\n"))

        let json = try ferry(["preview", "blog_posts", "--ids", "post-1", "--json", "--url", clone.url])
        #expect(json.status == 0)
        let report = try JSONValue.parse(json.stdout)
        #expect(report["documents"]?[0]?["id"] == "post-1")
        #expect(report["summary"]?["safe"] == true)

        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v2_to_v3.lua", replacing: "  doc.schema_version = \"3.0\"",
                         with: "  doc.schema_version = \"3.0\"\n  doc.summary = \"x\"")
        let unsafe = try ferry(["preview", "blog_posts", "--sample", "1", "--url", clone.url], recipes: scratch.recipes)
        #expect(unsafe.status == 1)
        #expect(unsafe.stdout.contains("    ✗ summary: summary is not in the mapping, which is strict"))

        let usage = try ferry(["preview", "blog_posts", "--sample", "0", "--url", clone.url])
        #expect(usage.status == 64)

        #expect(try clusterSnapshot(client) == before)
    }

    func realFixtureCount() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "\(repositoryRoot)/recipes/blog_posts/tests")
            .filter { $0.hasSuffix(".json") }.count
    }
}
