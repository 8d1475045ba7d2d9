import Testing
@testable import FerryCore

@Suite("JSONValue")
struct JSONValueTests {
    @Test("parses integers, floats, booleans and null as distinct cases")
    func parsesScalarTypes() throws {
        let value = try JSONValue.parse(#"{"i": 3, "f": 1.5, "t": true, "n": null, "big": 9007199254740993}"#)
        #expect(value["i"] == .int(3))
        #expect(value["f"] == .double(1.5))
        #expect(value["t"] == .bool(true))
        #expect(value["n"] == .null)
        #expect(value["big"] == .int(9_007_199_254_740_993))
    }

    @Test("canonical serialisation sorts keys, so equal objects hash the same")
    func canonicalSerialisation() throws {
        let a = try JSONValue.parse(#"{"b": [1, {"y": 2, "x": 1}], "a": "s"}"#)
        let b = try JSONValue.parse(#"{"a": "s", "b": [1, {"x": 1, "y": 2}]}"#)
        #expect(a.serialized(sortedKeys: true) == #"{"a":"s","b":[1,{"x":1,"y":2}]}"#)
        #expect(a.serialized(sortedKeys: true) == b.serialized(sortedKeys: true))
    }

    @Test("strings are escaped and round-trip through the parser")
    func stringEscapes() throws {
        let original = JSONValue.string("quote \" backslash \\ newline \n tab \t bell \u{07} é 😀")
        let text = original.serialized()
        #expect(text.contains(#"\u0007"#))
        #expect(try JSONValue.parse(text) == original)
    }

    @Test("invalid JSON is an error, not a value")
    func invalidJSON() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"a\": }") }
    }
}
