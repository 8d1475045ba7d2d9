// ferry.text (Sources/CFerryLua/text*.c, hash.c) and ferry.round: known answers, and the
// native module against the pure-Lua module it replaced on generated inputs.
import Foundation
import Testing
import FerryCore
import FerryScripting

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Evaluates a Lua expression in a fresh engine whose transforms are the repository's, and
/// returns its value as JSON text.
private func evaluate(_ expression: String) throws -> String {
    let project = try TempProject(["recipes/blog/probe.lua": "local text = require 'text'\nreturn " + expression])
    let engine = try LuaEngine(requireRoots: [project.recipeRoot, repositoryRoot + "/transforms"], runStartedAt: "t")
    return String(decoding: try engine.evaluate(path: project.path("recipes/blog/probe.lua")), as: UTF8.self)
}

@Suite struct TextNativeTests {
    @Test func theNativeModuleAgreesWithTheLuaModuleItReplacedOnGeneratedInputs() throws {
        let baseline = try String(contentsOfFile: repositoryRoot + "/bench/baseline/text.lua", encoding: .utf8)
        let check = try String(contentsOfFile: repositoryRoot + "/bench/text-equivalence.lua", encoding: .utf8)
        let project = try TempProject(["recipes/blog/text_lua.lua": baseline, "recipes/blog/check.lua": check])
        // Over 100k calls of both modules (the pure-Lua side is the slow one): a long time limit.
        let engine = try LuaEngine(
            requireRoots: [project.recipeRoot, repositoryRoot + "/transforms"],
            limits: SandboxLimits(memoryBytes: 256 << 20, timePerDocument: .seconds(120)), runStartedAt: "t")
        let result = try JSONValue.parse(engine.evaluate(path: project.path("recipes/blog/check.lua")))
        guard case .object(let fields) = result, case .int(let cases)? = fields["cases"] else {
            Issue.record("unexpected result \(result)")
            return
        }
        #expect(cases > 100_000)
        #expect(fields["mismatches"] == .array([]), "\(fields["mismatches"].map { "\($0)" } ?? "")")
    }

    @Test("sha256 and md5 give the standard vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "d41d8cd98f00b204e9800998ecf8427e"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "900150983cd24fb0d6963f7d28e17f72"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "8215ef0796a20bcaaae116d3876c664a"),
        ("The quick brown fox jumps over the lazy dog",
         "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592", "9e107d9d372bb6826bd81d3542a419d6"),
    ])
    func hashesMatchKnownVectors(input: String, sha256: String, md5: String) throws {
        #expect(try evaluate("{ text.sha256(\(luaString(input))), text.md5(\(luaString(input))) }")
            == "[\"\(sha256)\",\"\(md5)\"]")
    }

    @Test func hashesMatchTheSystemToolsAtEveryPaddingLength() throws {
        // Lengths around the 55/56/64-byte padding edges and a few blocks, as sha256sum/md5sum see them.
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 1000] {
            let text = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            let ours = try evaluate("{ text.sha256(\(luaString(text))), text.md5(\(luaString(text))) }")
            let expected = "[\"\(try tool("sha256sum", text))\",\"\(try tool("md5sum", text))\"]"
            #expect(ours == expected, "length \(length)")
        }
    }

    @Test func lowerAndUpperMapLatinGreekAndCyrillic() throws {
        #expect(try evaluate("{ text.lower('ÉCLAIR Ÿ ĞÜŞ ΑΘΗΝΑ МОСКВА İ'), text.upper('éclair ÿ ğüş αθηνά москва ß ς') }")
            == #"["éclair ÿ ğüş αθηνα москва i","ÉCLAIR Ÿ ĞÜŞ ΑΘΗΝΆ МОСКВА ß Σ"]"#)
        #expect(try evaluate("text.lower(ferry.array { 'A', 'B' })") == #""a b""#)
    }

    @Test func slugSpellsLatinInAsciiAndKeepsOtherLetters() throws {
        #expect(try evaluate("{ text.slug('  Crème Brûlée: Straße & Smørrebrød!  '), text.slug('Привет, мир'), text.slug('a_b--c', 3), text.slug('') }")
            == #"["creme-brulee-strasse-smorrebrod","привет-мир","a-b",""]"#)
    }

    @Test func roundRoundsTheNumberAsWrittenHalfAwayFromZero() throws {
        #expect(try evaluate("{ ferry.round(0.285, 2), ferry.round(-0.285, 2), ferry.round(2.675, 2), ferry.round(1.005, 2), ferry.round(0.125, 2) }")
            == "[0.29,-0.29,2.68,1.01,0.13]")
        #expect(try evaluate("{ ferry.round(2.5), ferry.round(-2.5), ferry.round(1234.5, -2), ferry.round(7, 2), ferry.round(0.004, 2), ferry.round(999.95, 1) }")
            == "[3,-3,1200,7,0.0,1000.0]")
        // Integer cents from a price: round to cents first, then the product (28.999999999999996).
        #expect(try evaluate("ferry.round(ferry.round(0.285, 2) * 100)") == "29")
    }
}

private func luaString(_ text: String) -> String {
    "\"" + text.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" ? String($0) : String(format: "\\u{%X}", $0.value) }.joined() + "\""
}

/// The hex digest a system tool prints for text on stdin.
private func tool(_ name: String, _ text: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/" + name)
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(while: { $0 != " " }))
}
