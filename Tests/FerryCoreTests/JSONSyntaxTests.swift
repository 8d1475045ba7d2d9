import Testing
import FerryCore

/// Parse errors say where, in the words and numbers of Python's json module (checked against
/// Python 3.11's `json.loads` on the same text).
@Suite("JSON syntax errors")
struct JSONSyntaxTests {
    @Test("each kind of syntax error gets Python's message, line, column and character offset",
          arguments: [
            ("{\n  \"a\": 1\n  \"b\": 2\n}", "Expecting ',' delimiter: line 3 column 3 (char 13)"),
            ("{\"a\": 1,}", "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"),
            ("[1, 2,]", "Expecting value: line 1 column 7 (char 6)"),
            ("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"),
            ("{a: 1}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
            ("{\"a\": \"x\ny\"}", "Invalid control character at: line 1 column 9 (char 8)"),
            ("{\"a\": \"\\q\"}", "Invalid \\escape: line 1 column 8 (char 7)"),
            ("{\"a\": \"abc", "Unterminated string starting at: line 1 column 7 (char 6)"),
            ("[1] x", "Extra data: line 1 column 5 (char 4)"),
            ("", "Expecting value: line 1 column 1 (char 0)"),
            ("{\"é\": tru}", "Expecting value: line 1 column 7 (char 6)"),
            ("{\"a\": \"\\u12G4\"}", "Invalid \\uXXXX escape: line 1 column 9 (char 8)"),
            ("[-]", "Expecting value: line 1 column 2 (char 1)"),
            ("{\"a\": 01}", "Expecting ',' delimiter: line 1 column 8 (char 7)"),
          ])
    func pythonMessages(text: String, expected: String) {
        #expect(JSONSyntaxProblem.find(in: Array(text.utf8))?.description == expected)
        // Foundation on Linux accepts a trailing comma; the reader then sees what was meant.
        if text.hasSuffix(",}") || text.hasSuffix(",]") { return }
        // Before: "invalid JSON: The data is not in the correct format."
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(error?.description == "invalid JSON: \(expected)")
    }

    @Test("valid JSON has no syntax problem")
    func validText() {
        #expect(JSONSyntaxProblem.find(in: Array(#" {"a": [1, -2.5e+3, true, null, "\u00e9\n"]} "#.utf8)) == nil)
    }
}
