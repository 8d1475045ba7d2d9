import Testing
@testable import FerryCore

/// `JSONValue.writeString` copies runs of plain bytes whole; the escapes must not change.
@Suite("JSON string escapes")
struct JSONStringEscapeTests {
    @Test("each escape at the start, middle and end, between runs of plain and non-ASCII text", arguments: [
        ("", #""""#),
        ("plain", #""plain""#),
        ("\"", #""\"""#),
        ("a\\b", #""a\\b""#),
        ("\n\r\t", #""\n\r\t""#),
        ("x\u{01}y\u{1F}", #""x\u0001y\u001f""#),
        ("é 😀 \"q\" 東京\n", #""é 😀 \"q\" 東京\n""#),
    ])
    func escapes(input: String, expected: String) {
        #expect(JSONValue.quoted(input) == expected)
    }
}
