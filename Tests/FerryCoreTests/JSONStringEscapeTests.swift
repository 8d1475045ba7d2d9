import Testing
@testable import FerryCore

/// `JSONValue.writeString` copies runs of plain bytes whole; the escapes must not change. The
/// scanner finds where an escaped string ends.
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

    @Test("the scanner finds a string's end past escaped quotes, escaped backslashes and many escapes", arguments: [
        #""a\"b" , 1"#,
        #""\\" , 1"#,
        #""\\\"\\" , 1"#,
        #""x\ny\nz\"q\"" , 1"#,
        "\"" + String(repeating: #"line\n"#, count: 50_000) + "\" , 1",
    ])
    func scannerStringEnd(json: String) throws {
        let bytes = Array(json.utf8)
        let closingQuote = bytes.count - 5   // every case ends with `" , 1`
        try bytes.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            let (range, escaped) = try scanner.stringContents()
            #expect(range == 1..<closingQuote)
            #expect(escaped)
            #expect(scanner.position == closingQuote + 1)
        }
    }
}
