import Foundation
import FerryTestSupport
import Testing
import FerryAuthoring
import FerryCore

@Suite("JSONDiff")
struct JSONDiffTests {
    func diff(_ a: String, _ b: String) -> [String] {
        JSONDiff.changes(from: json(a), to: json(b)).map { change in
            let old = change.old.map(\.compactText) ?? "-"
            let new = change.new.map(\.compactText) ?? "-"
            return "\(change.kind.rawValue) \(change.path) \(old) \(new)"
        }
    }

    @Test("equal documents have no changes, whatever the key order")
    func equalDocuments() {
        #expect(diff(#"{"a":1,"b":{"c":[1,2]}}"#, #"{"b":{"c":[1,2]},"a":1}"#).isEmpty)
    }

    @Test("added, removed and changed fields with nested paths, sorted by key")
    func nestedPaths() {
        let changes = diff(
            #"{"title":"a","gone":true,"metadata":{"word_count":3,"lang":"en"}}"#,
            #"{"title":"b","metadata":{"word_count":4,"lang":"en","reading_time":1},"tags":["x"]}"#)
        #expect(changes == [
            "removed gone true -",
            "added metadata.reading_time - 1",
            "changed metadata.word_count 3 4",
            "added tags - [\"x\"]",
            "changed title \"a\" \"b\"",
        ])
    }

    @Test("arrays compare by position: tags[2] changed, tags[3] added, tags[1] of a shorter array removed")
    func arraysByIndex() {
        #expect(diff(#"{"tags":["a","b","c"]}"#, #"{"tags":["a","b","z","d"]}"#) == [
            "changed tags[2] \"c\" \"z\"", "added tags[3] - \"d\"",
        ])
        #expect(diff(#"{"tags":["a","b"]}"#, #"{"tags":["a"]}"#) == ["removed tags[1] \"b\" -"])
        #expect(diff(#"{"items":[{"n":1}]}"#, #"{"items":[{"n":2}]}"#) == ["changed items[0].n 1 2"])
    }

    @Test("an empty array filled (or emptied) is one change of the whole array")
    func emptyArrays() {
        #expect(diff(#"{"tags":[]}"#, #"{"tags":["a","b"]}"#) == ["changed tags [] [\"a\",\"b\"]"])
        #expect(diff(#"{"tags":["a"]}"#, #"{"tags":[]}"#) == ["changed tags [\"a\"] []"])
    }

    @Test("an integer that becomes a float is a change, and says so")
    func integerToFloat() throws {
        let changes = JSONDiff.changes(from: json(#"{"n":1}"#), to: json(#"{"n":1.0}"#))
        let change = try #require(changes.first)
        #expect(changes.count == 1)
        #expect(change.path.description == "n")
        #expect(change.typeChange == "integer → float")
    }

    @Test("null, object and array replacing each other are changes with the types named")
    func typeChanges() {
        let changes = JSONDiff.changes(from: json(#"{"a":null,"b":{"x":1},"c":"s"}"#), to: json(#"{"a":"v","b":[1],"c":{"y":2}}"#))
        #expect(changes.map { $0.typeChange ?? "" } == ["null → string", "object → array", "string → object"])
    }

    @Test("paths quote keys that would be ambiguous after a dot")
    func pathRendering() {
        #expect(diff(#"{"a":{"b.c":1,"with space":1}}"#, #"{"a":{"b.c":2,"with space":2}}"#) == [
            "changed a[\"b.c\"] 1 2", "changed a[\"with space\"] 1 2",
        ])
        #expect(JSONPath.root.description == "(document)")
    }

    @Test("unicode keys and values are shown as they are")
    func unicode() {
        #expect(diff(#"{"título":"café"}"#, #"{"título":"東京 🗼"}"#) == ["changed título \"café\" \"東京 🗼\""])
    }

    @Test("the renderer writes +, - and ~ lines, coloured only when asked")
    func rendering() {
        let changes = JSONDiff.changes(from: json(#"{"a":1,"b":2}"#), to: json(#"{"a":1.5,"c":3}"#))
        let plain = DiffRenderer(style: .plain).lines(changes)
        #expect(plain == ["  ~ a: 1 → 1.5 (integer → float)", "  - b: 2", "  + c: 3"])
        let colored = DiffRenderer(style: TextStyle(colored: true)).lines(changes)
        #expect(colored[2] == "  \u{1B}[32m+ c: 3\u{1B}[0m")
    }

    @Test("long changed strings are shown from just before their first difference")
    func longStrings() {
        let prefix = String(repeating: "lorem ", count: 40)
        let changes = JSONDiff.changes(from: ["c": .string(prefix + "OLD tail")], to: ["c": .string(prefix + "NEW tail")])
        let line = DiffRenderer(style: .plain, valueLimit: 60).lines(changes)[0]
        #expect(line.contains("OLD tail"))
        #expect(line.contains("NEW tail"))
        #expect(line.contains("\"…"))
    }
}

@Suite("TextStyle")
struct TextStyleTests {
    @Test("colour only on a terminal, and never with --no-color, NO_COLOR or TERM=dumb")
    func colourDecision() {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        #expect(!TextStyle.forTerminal(fd, noColor: false, environment: [:]).colored, "a pipe is not a terminal")
        #expect(!TextStyle.forTerminal(fd, noColor: true, environment: [:]).colored)
        #expect(!TextStyle.forTerminal(fd, noColor: false, environment: ["NO_COLOR": "1"]).colored)
        #expect(TextStyle.plain.red("x") == "x")
        #expect(TextStyle(colored: true).red("x") == "\u{1B}[31mx\u{1B}[0m")
    }
}
