import Foundation
import FerryTestSupport
import Testing
@testable import FerryAuthoring
import FerryCore

@Suite("ferry transform")
struct NDJSONTransformerTests {
    struct Run {
        let output: [String]
        let failures: [NDJSONFailure]
        let stats: NDJSONStats
    }

    func transform(
        _ input: String, recipe: FerryRecipes.Recipe? = nil, from: String = "1.0", to: String = "3.0", workers: Int = 1,
        runBytes: Int? = nil
    ) throws -> Run {
        let transformer = try NDJSONTransformer(
            recipe: try recipe ?? realRecipe(), from: from, to: to, runStartedAt: "2026-01-01T00:00:00Z", workers: workers)
        if let runBytes { transformer.runBytes = runBytes }
        let inPath = try temporaryFile(input)
        let outPath = try temporaryFile("")
        defer {
            try? FileManager.default.removeItem(atPath: inPath)
            try? FileManager.default.removeItem(atPath: outPath)
        }
        let inFD = open(inPath, O_RDONLY)
        let outFD = open(outPath, O_WRONLY | O_TRUNC)
        defer {
            close(inFD)
            close(outFD)
        }
        var failures: [NDJSONFailure] = []
        let stats = try transformer.run(input: inFD, output: outFD) { failures.append($0) }
        let text = try String(contentsOfFile: outPath, encoding: .utf8)
        return Run(output: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), failures: failures, stats: stats)
    }

    @Test("bare _source lines and {_id,_source} lines come out in the same shape, other members kept")
    func bothShapes() throws {
        let run = try transform("""
            {"title":"Hi","content":"#a","author":"alice","created_date":"2024-01-01"}
            {"_index":"old","_id":"p-2","_source":{"title":"Yo","content":"#b","author":"bob"},"note":[1,"}"]}
            """)
        #expect(run.failures.isEmpty)
        #expect(run.stats.written == 2)
        #expect(run.output.count == 3 && run.output[2].isEmpty, "one line per document, newline-terminated")
        let bare = json(run.output[0])
        #expect(bare["_source"] == nil)
        #expect(bare["schema_version"] == "3.0")
        #expect(bare["tags"] == ["a"])
        #expect(bare["author_name"] == "Alice Martin")
        let envelope = json(run.output[1])
        #expect(envelope["_id"] == "p-2")
        #expect(envelope["_index"] == "old")
        #expect(envelope["note"] == [1, "}"])
        #expect(envelope["_source"]?["tags"] == ["b"])
        #expect(run.output[1].hasPrefix(#"{"_index":"old","_id":"p-2","_source":{"#))
        #expect(run.output[1].hasSuffix(#"},"note":[1,"}"]}"#))
    }

    @Test("a dropped document is left out and counted")
    func dropped() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v1_to_v2.lua", replacing: "return function(doc, ctx)\n",
                         with: "return function(doc, ctx)\n  if doc.title == \"spam\" then return nil end\n")
        let run = try transform("""
            {"title":"spam"}
            {"_id":"keep","_source":{"title":"ham"}}
            """, recipe: try scratch.load())
        #expect(run.stats.dropped == 1)
        #expect(run.stats.written == 1)
        #expect(run.output.count == 2)
        #expect(json(run.output[0])["_id"] == "keep")
    }

    @Test("a failing document is reported with its line number, id, step and script line; the others are written")
    func failingDocument() throws {
        let run = try transform("""
            {"title":"ok"}

            {"_id":"bad-1","_source":{"content":{"nested":true}}}
            {"content":{"nested":true}}
            not json
            {"_id":"x","_source":"text"}
            {"title":"ok too"}
            """)
        #expect(run.stats.written == 2)
        #expect(run.stats.failed == 4)
        #expect(run.stats.blank == 1)
        #expect(run.failures.map(\.line) == [3, 4, 5, 6])
        let first = run.failures[0].description
        #expect(first.hasPrefix("line 3: document bad-1: step 1.0→2.0 ("))
        #expect(first.contains("steps/v1_to_v2.lua:17): content: expected text, got an object"))
        #expect(run.failures[0].id == "bad-1")
        #expect(run.failures[1].description.hasPrefix("line 4: step 1.0→2.0 ("), "a bare line has no id to name")
        #expect(run.failures[2].description.contains("invalid JSON"))
        #expect(run.failures[3].description == "line 6: document x: _source must be an object")
    }

    @Test("a wrong return type names the type, a require outside the allowed folders names the folders")
    func pointedErrors() throws {
        let scratch = try ScratchRecipes()
        try scratch.edit("blog_posts/steps/v1_to_v2.lua", replacing: "return function(doc, ctx)\n", with: """
            return function(doc, ctx)
              if doc.title == "ret" then return "done" end
              if doc.title == "req" then require("../secrets") end
              if doc.title == "missing" then require("nowhere") end

            """)
        let run = try transform("""
            {"_id":"r1","_source":{"title":"ret"}}
            {"_id":"r2","_source":{"title":"req"}}
            {"_id":"r3","_source":{"title":"missing"}}
            """, recipe: try scratch.load(), to: "2.0")
        #expect(run.failures.count == 3)
        #expect(run.failures[0].description.hasSuffix("returned a string; a step must return a table or nil"))
        #expect(run.failures[1].description.contains("steps/v1_to_v2.lua:23): module name '../secrets' is not allowed"))
        #expect(run.failures[1].description.hasSuffix("require only searches: \(scratch.recipes)/blog_posts/, \(scratch.root)/transforms/"))
        #expect(run.failures[2].description.contains("module 'nowhere' not found; require only searches: \(scratch.recipes)/blog_posts/nowhere.lua, \(scratch.root)/transforms/nowhere.lua"))
    }

    @Test("--from and --to choose the steps: a 2.0 document runs only 2.0→3.0")
    func versions() throws {
        let run = try transform(#"{"title":"t","category":"review","tags":["x"]}"#, from: "2.0", to: "3.0")
        let doc = json(run.output[0])
        #expect(doc["category"] == "review")
        #expect(doc["tags"] == ["x"])
        #expect(try transform(#"{"title":"t"}"#, from: "1.0", to: "2.0").output[0] == #"{"category":"general","tags":[],"title":"t"}"#)
    }

    @Test("CRLF line ends, a last line without newline, and unicode pass through")
    func lineEnds() throws {
        let run = try transform("{\"title\":\"café 東京 🗼\"}\r\n{\"title\":\"end\"}")
        #expect(run.stats.written == 2)
        #expect(json(run.output[0])["title"] == "café 東京 🗼")
        #expect(json(run.output[1])["title"] == "end")
    }

    @Test("several workers write the same bytes in input order, and report failures in input order")
    func workersKeepInputOrder() throws {
        // Enough lines for many batches of 512, with blank, dropped-by-nobody, failing and
        // long lines spread through them so batches differ in cost.
        var lines: [String] = []
        for i in 1...3000 {
            switch i % 250 {
            case 7: lines.append("")
            case 11: lines.append(#"{"_id":"bad-\#(i)","_source":{"content":{"nested":true}}}"#)
            case 13: lines.append("not json \(i)")
            default:
                let body = String(repeating: "<p>Step by step #tag\(i % 7) guide</p> ", count: i % 40 + 1)
                lines.append(#"{"_id":"p-\#(i)","_source":{"title":"Post \#(i)","content":"\#(body)","author":"alice"}}"#)
            }
        }
        let input = lines.joined(separator: "\n")
        let one = try transform(input, workers: 1)
        #expect(one.stats.written == 3000 - 36)
        #expect(one.failures.map(\.line) == (1...3000).filter { [11, 13].contains($0 % 250) }, "the failing lines, numbered from the input's first")
        // The default runs (256 KiB, a handful here), and runs of a few lines each: hundreds
        // of hand-overs, with workers held back by the window while one run is slow (and one
        // worker crossing as many run boundaries).
        for (workers, runBytes) in [(3, nil), (3, 700), (1, 700)] {
            let other = try transform(input, workers: workers, runBytes: runBytes)
            #expect(other.output == one.output)
            #expect(other.failures.map(\.description) == one.failures.map(\.description))
            #expect(other.failures.map(\.line) == other.failures.map(\.line).sorted())
            #expect(other.stats.written == one.stats.written && other.stats.failed == one.stats.failed)
            #expect(other.stats.blank == one.stats.blank && other.stats.lines == one.stats.lines)
            #expect(other.stats.bytesIn == one.stats.bytesIn && other.stats.bytesOut == one.stats.bytesOut)
        }
    }

    /// Runs `input` with the input file opened with `inputFlags` and the output file with
    /// `outputFlags` (a wrong mode makes read(2) or write(2) fail with EBADF); the error thrown.
    func ioFailure(_ input: String, inputFlags: Int32, outputFlags: Int32, workers: Int, runBytes: Int? = nil) throws -> FerryError? {
        let inPath = try temporaryFile(input)
        let outPath = try temporaryFile("")
        defer {
            try? FileManager.default.removeItem(atPath: inPath)
            try? FileManager.default.removeItem(atPath: outPath)
        }
        let transformer = try NDJSONTransformer(
            recipe: try realRecipe(), from: "1.0", to: "3.0", runStartedAt: "2026-01-01T00:00:00Z", workers: workers)
        if let runBytes { transformer.runBytes = runBytes }
        let inFD = open(inPath, inputFlags)
        let outFD = open(outPath, outputFlags)
        defer {
            close(inFD)
            close(outFD)
        }
        return #expect(throws: FerryError.self, "\(workers) worker(s)") {
            _ = try transformer.run(input: inFD, output: outFD) { _ in }
        }
    }

    @Test("an output that cannot be written stops every worker and the run says why", .timeLimit(.minutes(1)))
    func unwritableOutputStopsTheWorkers() throws {
        // ~2 MB of output: more than one worker's 1 MiB write buffer, so it fails mid-run too.
        let input = (1...20000).map { #"{"_id":"p-\#($0)","_source":{"title":"Post \#($0)","content":"<p>x</p>","author":"alice"}}"# }
        for workers in [1, 3] {
            let error = try ioFailure(input.joined(separator: "\n"), inputFlags: O_RDONLY, outputFlags: O_RDONLY, workers: workers, runBytes: 700)
            #expect(error?.description.hasPrefix("cannot write the output: Bad file descriptor") == true, "\(String(describing: error))")
        }
    }

    @Test("an input that cannot be read stops every worker and the run says why", .timeLimit(.minutes(1)))
    func unreadableInputStopsTheWorkers() throws {
        for workers in [1, 3] {
            let error = try ioFailure(#"{"title":"a"}"# + "\n", inputFlags: O_WRONLY, outputFlags: O_WRONLY | O_TRUNC, workers: workers)
            #expect(error?.description.hasPrefix("cannot read the input: Bad file descriptor") == true, "\(String(describing: error))")
        }
    }

    @Test("workers share the input in runs of whole lines: runs end at a line end and put the input back together byte for byte")
    func lineRunsAreWholeLines() throws {
        let lines = ["short", String(repeating: "x", count: 100), "", "crlf\r", "é東🗼", String(repeating: "y", count: 9), "tail-without-newline"]
        let input = lines.joined(separator: "\n")
        let path = try temporaryFile(input)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for target in [1, 7, 16, 64, 4096] {
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            let reader = LineRunReader(fd: fd, target: target)
            let run = ReusableBuffer(capacity: 8)
            var joined: [UInt8] = []
            var seen: [String] = []
            var runs = 0
            while try reader.next(into: run) {
                runs += 1
                joined += run.bytes
                let endsAtLineEnd = run.bytes.last == 0x0A || joined.count == input.utf8.count
                #expect(endsAtLineEnd, "target \(target): run \(runs) ends inside a line")
                LineRunReader.forEachLine(in: run.bytes) { seen.append(String(decoding: $0, as: UTF8.self)) }
            }
            #expect(joined == Array(input.utf8), "target \(target)")
            #expect(seen == lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }, "target \(target)")
            if target == 1 { #expect(runs == lines.count, "a run of one line each") }
            if target == 4096 { #expect(runs == 1, "the whole input in one run") }
        }
    }
}

import FerryRecipes
