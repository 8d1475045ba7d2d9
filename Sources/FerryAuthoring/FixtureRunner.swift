import FerryCore
import FerryRecipes
import FerryScripting

/// What the steps did with a fixture's input.
public enum FixtureActual: Hashable, Sendable {
    /// The output, and its JSON text as the engine wrote it (numbers with every digit).
    case kept(JSONValue, json: [UInt8])
    /// Dropped by the step with this label ("2.0→3.0").
    case dropped(step: String)
    /// The document failed: the full message (script path:line, step, document id).
    case failed(String)
    /// A step on the path could not be loaded, or the path does not exist.
    case notRun(String)

    public var summary: String {
        switch self {
        case .kept(let doc, _): "the output " + doc.compactText(limit: 200)
        case .dropped(let step): "the document was dropped by step \(step)"
        case .failed(let message): "the error: " + message
        case .notRun(let message): message
        }
    }
}

/// The verdict on one fixture.
public struct FixtureResult: Sendable {
    public let path: String
    public let description: String
    /// nil when the file itself is not a valid fixture.
    public let fixture: Fixture?
    public let actual: FixtureActual?
    /// nil when the fixture passed; otherwise one line saying what went wrong.
    public let failure: String?
    /// For an output mismatch: the changes from the expected document to the actual one
    /// (for a round trip that came back different: from the expected way-back document).
    public let changes: [JSONChange]
    /// What the steps back from `to` to `from` made of the output (fixtures with `round_trip`).
    public var roundTrip: FixtureActual? = nil

    public var passed: Bool { failure == nil }

    /// True when the steps never ran (a step does not load, or no path of steps exists).
    public var notRun: Bool {
        if case .notRun? = actual { return true }
        return false
    }

    /// Fixtures that could not run, grouped by the reason (one broken step stops many fixtures).
    public static func notRunGroups(_ results: [FixtureResult]) -> [(message: String, names: [String])] {
        var groups: [(message: String, names: [String])] = []
        for result in results {
            guard case .notRun(let message)? = result.actual else { continue }
            if let i = groups.firstIndex(where: { $0.message == message }) {
                groups[i].names.append(result.name)
            } else {
                groups.append((message, [result.name]))
            }
        }
        return groups
    }
    public var name: String { fixture?.name ?? (path.split(separator: "/").last.map(String.init) ?? path) }

    public var json: JSONValue {
        var out: [String: JSONValue] = [
            "file": .string(path), "description": .string(description), "status": .string(passed ? "pass" : "fail"),
        ]
        if let failure { out["message"] = .string(failure) }
        if !changes.isEmpty { out["diff"] = .array(changes.map(\.json)) }
        // The document's own digits, not the double the parser holds for a big integer.
        if !passed, case .kept(let doc, let json)? = actual { out["actual"] = doc.withNumberTexts(NumberLiterals.scan(json)) }
        if !passed, case .kept(let doc, let json)? = roundTrip { out["round_trip_actual"] = doc.withNumberTexts(NumberLiterals.scan(json)) }
        return .object(out)
    }
}

/// Runs fixtures through a `StepRunner` (the real engine, sandbox and lookups), each with
/// its own `run_started_at`, and compares the output with the expectation as JSON values
/// (key order does not matter; integer and float do).
public struct FixtureRunner {
    public let runner: StepRunner

    public init(runner: StepRunner) {
        self.runner = runner
    }

    /// Loads the recipe's fixtures and runs them in one engine.
    public static func run(recipe: Recipe) throws -> [FixtureResult] {
        let runner = try StepRunner(recipe: recipe, runStartedAt: Fixture.defaultRunStartedAt)
        return FixtureRunner(runner: runner).run(Fixture.load(recipe: recipe))
    }

    public func run(_ files: [Result<Fixture, FixtureError>]) -> [FixtureResult] {
        files.map { file in
            switch file {
            case .success(let fixture): return run(fixture)
            case .failure(let error):
                return FixtureResult(path: error.path, description: "", fixture: nil, actual: nil, failure: error.message, changes: [])
            }
        }
    }

    public func run(_ fixture: Fixture) -> FixtureResult {
        let actual = outcome(of: fixture)
        var failure: String?
        var changes: [JSONChange] = []
        switch (fixture.expectation, actual) {
        case (_, .notRun(let message)):
            failure = message
        case (.output(let expected), .kept(let doc, let json)):
            changes = JSONDiff.changes(from: expected, to: doc, oldNumbers: fixture.expectedNumbers, newNumbers: NumberLiterals.scan(json))
            if !changes.isEmpty {
                failure = "the output differs from \"expected\" in \(changes.count) field\(changes.count == 1 ? "" : "s")"
            }
        case (.output, _):
            failure = "expected an output document, got \(actual.summary)"
        case (.drop, .dropped):
            break
        case (.drop, _):
            failure = "expected the document to be dropped, got \(actual.summary)"
        case (.error(let text), .failed(let message)):
            if !message.contains(text) {
                failure = "expected an error containing \(JSONValue.quoted(text)), got \(actual.summary)"
            }
        case (.error(let text), _):
            failure = "expected an error containing \(JSONValue.quoted(text)), got \(actual.summary)"
        }
        var back: FixtureActual?
        if failure == nil, fixture.roundTrip != nil, case .kept(_, let json) = actual {
            back = outcome(of: fixture, wayBackFrom: json)
            (failure, changes) = Self.judgeRoundTrip(fixture, back: back!)
        }
        return FixtureResult(
            path: fixture.path, description: fixture.description, fixture: fixture, actual: actual,
            failure: failure, changes: changes, roundTrip: back)
    }

    /// Runs the fixture's input from its `from` to its `to` version.
    public func outcome(of fixture: Fixture) -> FixtureActual {
        outcome(fixture.input, fixture: fixture, from: fixture.from, to: fixture.to, index: fixture.index)
    }

    /// Runs `output` (the JSON the engine wrote for the fixture's forward run) back from
    /// `to` to `from`, as read from the `to` version's index.
    public func outcome(of fixture: Fixture, wayBackFrom output: [UInt8]) -> FixtureActual {
        outcome(output, fixture: fixture, from: fixture.to, to: fixture.from,
                index: "\(runner.recipe.readAlias)-\(fixture.to)")
    }

    private func outcome(_ input: [UInt8], fixture: Fixture, from: String, to: String, index: String) -> FixtureActual {
        let steps: [LoadedStep]
        do {
            try runner.setRunStartedAt(fixture.runStartedAt)
            steps = try runner.steps(from: from, to: to)
        } catch {
            return .notRun("\(error)")
        }
        do {
            switch try runner.run(input, id: fixture.id, index: index, steps: steps) {
            case .kept(let bytes):
                guard let doc = try? JSONValue.parse(bytes) else {
                    return .failed("the engine's output is not valid JSON: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
                }
                return .kept(doc, json: Array(bytes))
            case .dropped(let i):
                return .dropped(step: steps.indices.contains(i) ? steps[i].label : "?")
            }
        } catch {
            return .failed(error.description)
        }
    }
}

extension FixtureRunner {
    /// The verdict on the way back: the document it gives must equal the input (lossless) or
    /// `round_trip.expect`; nil failure when it does.
    static func judgeRoundTrip(_ fixture: Fixture, back: FixtureActual) -> (String?, [JSONChange]) {
        let route = "the way back \(fixture.to)→\(fixture.from)"
        guard let expected = fixture.roundTripExpected() else { return (nil, []) }
        let against = fixture.roundTrip == .lossless ? "the input" : "\"round_trip.expect\""
        switch back {
        case .kept(let doc, _):
            let changes = JSONDiff.changes(from: expected, to: doc)
            if changes.isEmpty { return (nil, []) }
            return ("\(route) differs from \(against) in \(changes.count) field\(changes.count == 1 ? "" : "s")", changes)
        case .notRun(let message):
            return ("\(route) cannot run: \(message)", [])
        default:
            return ("\(route) should give \(against), got \(back.summary)", [])
        }
    }
}
