import Foundation
import FerryCore
import FerryRecipes

/// One offline test case of a recipe, `recipes/<name>/tests/<case>.json`:
/// `{"description", "from", "to", "run_started_at"?, "id"?, "index"?, "input",
///   "expected": {...} | "expect": "drop" | "expect_error": "substring",
///   "round_trip"?: true | {"expect": {...}}}` (see `Fixture+RoundTrip.swift`).
public struct Fixture: Sendable {
    public enum Expectation: Sendable, Hashable {
        case output(JSONValue)
        case drop
        /// The failure's message must contain this text.
        case error(String)
    }

    /// The file, e.g. `recipes/blog_posts/tests/v1_to_v2_basic.json`.
    public let path: String
    public let description: String
    public let from: String
    public let to: String
    public let runStartedAt: String
    public let id: String
    public let index: String
    /// The `input` member's bytes as written in the file, so big integers and float/integer
    /// spelling reach the bridge exactly.
    public let input: [UInt8]
    public let expectation: Expectation
    /// The number texts of `expected`, by path: a 20-digit integer compares by its digits.
    public let expectedNumbers: [JSONPath: String]
    /// Also run the output back from `to` to `from` and compare (nil: forward only).
    public let roundTrip: RoundTrip?

    /// The keys a fixture file may have: the one place to add one.
    public static let knownKeys = [
        "description", "from", "to", "run_started_at", "id", "index", "input", "expected", "expect", "expect_error",
        "round_trip",
    ]

    /// `ctx.run_started_at` when a fixture does not set it.
    public static let defaultRunStartedAt = "2026-01-01T00:00:00Z"

    public var name: String { (path as NSString).lastPathComponent }

    /// Parses a fixture file; the error names the file and the field.
    public init(path: String, data: [UInt8], recipe: Recipe) throws(FixtureError) {
        self.path = path
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw FixtureError(path, "not valid JSON (\(error))")
        }
        guard let members = json.objectValue else { throw FixtureError(path, "must be a JSON object") }
        // A misspelt key ("run_startd_at", "expected_error") would otherwise be ignored and
        // the fixture would test something else than its author meant.
        for key in members.keys.sorted() where !Self.knownKeys.contains(key) {
            let guess = EditDistance.closest(to: key, among: Self.knownKeys).map { "; did you mean '\($0)'?" } ?? ""
            throw FixtureError(path, "unknown key '\(key)'\(guess) (a fixture has \(Self.knownKeys.joined(separator: ", ")))")
        }
        func string(_ key: String) throws(FixtureError) -> String? {
            guard let v = json[key], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw FixtureError(path, "'\(key)' must be a string") }
            return s
        }
        guard let from = try string("from"), let to = try string("to") else {
            throw FixtureError(path, "'from' and 'to' are required (the input's version and the expected output's version)")
        }
        for version in [from, to] where !recipe.versions.contains(version) {
            throw FixtureError(path, "version \(version) is not one of the recipe's versions (\(recipe.versions.joined(separator: ", ")))")
        }
        guard from != to else {
            throw FixtureError(path, "'from' and 'to' are both \(from): no step runs, so the fixture tests nothing")
        }
        self.from = from
        self.to = to
        description = try string("description") ?? ""
        runStartedAt = try string("run_started_at") ?? Self.defaultRunStartedAt
        guard StepRunner.isRunStartedAt(runStartedAt) else {
            throw FixtureError(path, "'run_started_at' is \(JSONValue.quoted(runStartedAt)); a run gives steps ISO-8601 UTC like \"2026-01-01T00:00:00Z\"")
        }
        id = try string("id") ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        index = try string("index") ?? "\(recipe.readAlias)-\(from)"

        var inputRange: Range<Int>?
        var expectedRange: Range<Int>?
        do {
            try data.withUnsafeBytes { raw in
                try TopLevelScanner.members(of: raw) { key, _, value in
                    if key.equals("input") { inputRange = value }
                    if key.equals("expected") { expectedRange = value }
                }
            }
        } catch {
            throw FixtureError(path, "\(error)")
        }
        guard let inputRange, json["input"]?.objectValue != nil else {
            throw FixtureError(path, "'input' must be the input document (a JSON object)")
        }
        input = Array(data[inputRange])
        expectedNumbers = expectedRange.map { NumberLiterals.scan(Array(data[$0])) } ?? [:]

        let expectations = ["expected", "expect", "expect_error"].filter { json[$0] != nil }
        guard expectations.count == 1 else {
            throw FixtureError(path, "needs exactly one of \"expected\": {document}, \"expect\": \"drop\", \"expect_error\": \"text\" (found \(expectations.isEmpty ? "none" : expectations.joined(separator: ", ")))")
        }
        switch expectations[0] {
        case "expected":
            guard let doc = json["expected"], doc.objectValue != nil else {
                throw FixtureError(path, "'expected' must be the expected output document (a JSON object)")
            }
            expectation = .output(doc)
        case "expect":
            guard json["expect"] == "drop" else { throw FixtureError(path, "'expect' can only be \"drop\"") }
            expectation = .drop
        default:
            guard let text = try string("expect_error"), !text.isEmpty else {
                throw FixtureError(path, "'expect_error' must be a non-empty string (text the error message contains)")
            }
            expectation = .error(text)
        }
        roundTrip = try Self.roundTrip(json, path: path, expectation: expectation, from: from, to: to)
    }

    /// The fixture files of a recipe (`tests/*.json`), sorted by name; each parsed or its error.
    public static func load(recipe: Recipe) -> [Result<Fixture, FixtureError>] {
        let folder = "\(recipe.folder)/tests"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        return names.map { name in
            let path = "\(folder)/\(name)"
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failure(FixtureError(path, "cannot be read"))
            }
            return Result { () throws(FixtureError) in try Fixture(path: path, data: Array(data), recipe: recipe) }
        }
    }
}

/// A fixture file that cannot be used, naming the file.
public struct FixtureError: UserFacingError {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
