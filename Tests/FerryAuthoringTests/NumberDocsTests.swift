import Foundation
import Testing
import FerryScripting
import FerryTestSupport

/// docs/lua-api.md's table of how numbers round-trip is what the bridge does: each row runs
/// through a real Lua state (decode + encode).
@Suite("number round trips in docs/lua-api.md")
struct NumberDocsTests {
    /// The rows of the table under "### How numbers round-trip": (`in`, `out`).
    static func documentedRows() throws -> [(String, String)] {
        let text = try String(contentsOfFile: "\(repositoryRoot)/docs/lua-api.md", encoding: .utf8)
        guard let start = text.range(of: "### How numbers round-trip") else { return [] }
        var rows: [(String, String)] = []
        for line in text[start.upperBound...].split(separator: "\n").dropFirst() {
            if line.hasPrefix("#") { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[0].hasPrefix("`"), cells[1].hasPrefix("`") else { continue }
            rows.append((String(cells[0].dropFirst().dropLast()), String(cells[1].dropFirst().dropLast())))
        }
        return rows
    }

    @Test("every documented example round-trips exactly as the table says")
    func documentedExamples() throws {
        let rows = try Self.documentedRows()
        #expect(rows.count >= 8, "the table is there")
        let engine = try LuaEngine(requireRoots: [], runStartedAt: "")
        for (input, output) in rows {
            let actual = String(decoding: try engine.roundTrip(json: Array(input.utf8)), as: UTF8.self)
            #expect(actual == output, "\(input)")
        }
    }
}
