import Foundation
import FerryCore
import FerryRecipes
import FerryScripting

/// One line of `ferry check`.
public struct CheckItem: Sendable {
    public enum Status: String, Sendable {
        case pass, warn, fail
    }

    /// What was checked: "recipe", "mapping", "graph", "script", "module", "lookup",
    /// "fixture", "fixture mapping", "version field", "changed field", "coverage", "determinism".
    public let check: String
    public let status: Status
    /// One line that names the file (and line, step, fixture) it is about.
    public let message: String
    /// Indented detail lines (a fixture's diff), already rendered without colour.
    public let details: [String]

    public init(_ check: String, _ status: Status, _ message: String, details: [String] = []) {
        self.check = check
        self.status = status
        self.message = message
        self.details = details
    }

    public var json: JSONValue {
        var out: [String: JSONValue] = ["check": .string(check), "status": .string(status.rawValue), "message": .string(message)]
        if !details.isEmpty { out["details"] = .array(details.map { .string($0) }) }
        return .object(out)
    }
}

/// `ferry check`: everything about a recipe that can be known without a cluster. The
/// manifest loads, every mapping is an index body with `mappings`, the version graph
/// connects, every step and shared module compiles, every lookup table exists, the fixtures
/// pass, their outputs fit the target mappings, and each step gives the same output when a
/// fixture runs twice in the same Lua state (no state kept between documents).
public struct RecipeChecker {
    public let catalog: RecipeCatalog
    public let name: String

    public init(catalog: RecipeCatalog, name: String) {
        self.catalog = catalog
        self.name = name
    }

    public func run() -> [CheckItem] {
        var items: [CheckItem] = []
        let recipe: Recipe
        do {
            recipe = try catalog.load(name)
        } catch {
            return [CheckItem("recipe", .fail, "\(error)" + (error.hint.map { " — \($0)" } ?? ""))]
        }
        let manifest = "\(recipe.folder)/recipe.lua"
        items.append(CheckItem(
            "recipe", .pass,
            "\(manifest): versions \(recipe.versions.joined(separator: ", ")), steps \(recipe.steps.map(\.label).joined(separator: ", ")), \(recipe.lookups.count) lookup\(recipe.lookups.count == 1 ? "" : "s")"))

        var mappings: [String: MappingChecker] = [:]
        for version in recipe.versions {
            let (item, checker) = checkMapping(recipe, version)
            items.append(item)
            mappings[version] = checker
        }
        items += strayMappings(recipe)
        items += checkChangedField(recipe, mappings)
        items += checkGraph(recipe)
        items += checkReverseGraph(recipe)
        items += checkFamily(recipe)

        let lookupItems = recipe.lookups.map(checkLookup)
        let openLookups = zip(recipe.lookups, lookupItems).filter { $0.1.status == .pass }.map(\.0)
        let engine: StepRunner
        do {
            engine = try StepRunner(recipe: recipe, runStartedAt: Fixture.defaultRunStartedAt, lookups: openLookups)
        } catch {
            items += lookupItems
            items.append(CheckItem("script", .fail, "the Lua engine cannot start: \(error)"))
            return items
        }
        var stepsLoaded = true
        for step in recipe.steps {
            do {
                guard let script = step.script, try engine.step(step) != nil else {
                    items.append(CheckItem("script", .pass, "\(step.label): mapping only (no script): documents are copied as they are"))
                    continue
                }
                items.append(CheckItem("script", .pass, "\(script) (\(step.label)) compiles and returns function(doc, ctx)"))
            } catch {
                stepsLoaded = false
                items.append(CheckItem("script", .fail, "\(step.label): \(error)" + (error.hint.map { " — \($0)" } ?? "")))
            }
        }
        items += checkModules(recipe)
        items += lookupItems
        items += checkFixtures(recipe, engine: engine, mappings: mappings, stepsLoaded: stepsLoaded)
        return items
    }

    // MARK: Mappings and graph

    private func checkMapping(_ recipe: Recipe, _ version: String) -> (CheckItem, MappingChecker?) {
        let path = recipe.mappingPath(for: version)
        let body: JSONValue
        do {
            body = try recipe.indexBody(for: version)
        } catch {
            return (CheckItem("mapping", .fail, "\(error)"), nil)
        }
        var problems: [String] = []
        var unusual: [String] = []
        let mappings = body["mappings"] ?? [:]
        if let dynamic = mappings["dynamic"], MappingChecker.dynamic(dynamic) == nil {
            problems.append("dynamic is \(dynamic.compactText), expected true, false, \"strict\" or \"runtime\"")
        }
        var fields = 0
        MappingWalk.fields(of: mappings) { fieldPath, definition in
            fields += 1
            if let problem = MappingWalk.problem(in: definition) { problems.append("\(fieldPath): \(problem)") }
            switch MappingWalk.unknownType(in: definition) {
            case .typo(let type, let meant)?: problems.append("\(fieldPath): unknown type '\(type)'; did you mean '\(meant)'?")
            case .unknown(let type)?: unusual.append("\(fieldPath): type '\(type)'")
            case nil: break
            }
        }
        if !problems.isEmpty {
            return (CheckItem("mapping", .fail, "\(path): " + problems.joined(separator: "; ")), nil)
        }
        if !unusual.isEmpty {
            return (CheckItem("mapping", .warn, "\(path): " + unusual.joined(separator: "; ")
                + " is not a field type ferry knows: the cluster refuses the index unless a plugin provides it"),
                MappingChecker(indexBody: body))
        }
        let dynamic = mappings["dynamic"].flatMap { MappingChecker.dynamic($0)?.rawValue } ?? "true"
        return (CheckItem("mapping", .pass, "\(path): \(fields) fields, dynamic \(dynamic)"), MappingChecker(indexBody: body))
    }

    private func checkGraph(_ recipe: Recipe) -> [CheckItem] {
        let latest = recipe.latestVersion
        var broken: [String] = []
        for version in recipe.versions.dropLast() {
            do {
                _ = try recipe.graph.path(from: version, to: latest)
            } catch {
                broken.append("\(version) cannot reach \(latest)")
            }
        }
        let reached = Set(recipe.steps.flatMap { [$0.from, $0.to] })
        let isolated = recipe.versions.count > 1 ? recipe.versions.filter { !reached.contains($0) } : []
        if broken.isEmpty, isolated.isEmpty {
            let chain = (try? recipe.graph.path(from: recipe.versions[0], to: latest)) ?? []
            let shown = chain.isEmpty ? recipe.versions[0] : ([chain[0].from] + chain.map(\.to)).joined(separator: " → ")
            return [CheckItem("graph", .pass, "\(recipe.folder)/recipe.lua: every version reaches \(latest) (\(shown))")]
        }
        let edges = recipe.steps.map(\.label).joined(separator: ", ")
        var parts = broken
        if !isolated.isEmpty { parts.append("no step uses version \(isolated.joined(separator: ", "))") }
        return [CheckItem("graph", .fail, "\(recipe.folder)/recipe.lua: \(parts.joined(separator: "; ")) (steps: \(edges.isEmpty ? "none" : edges))")]
    }

    private func checkLookup(_ spec: LookupSpec) -> CheckItem {
        do {
            if try !SQLiteLookups([spec]).unindexed.isEmpty {
                return CheckItem("lookup", .warn, "\(spec.name): key column '\(spec.keyColumn)' of table '\(spec.table)' in \(spec.source.path) has no index: every lookup reads the whole table (make it the PRIMARY KEY, or CREATE INDEX ON \(spec.table)(\(spec.keyColumn)))")
            }
            return CheckItem("lookup", .pass, "\(spec.name): table '\(spec.table)' with key '\(spec.keyColumn)' in \(spec.source.path)")
        } catch {
            return CheckItem("lookup", .fail, "\(error)")
        }
    }

    // MARK: Modules

    /// Every `.lua` file `require` could load (the recipe folder's helpers and transforms/),
    /// loaded the way `require` loads it, so a syntax error in a module no step uses yet is
    /// found too.
    private func checkModules(_ recipe: Recipe) -> [CheckItem] {
        let stepScripts = Set(recipe.steps.compactMap { $0.script.map { ($0 as NSString).standardizingPath } })
        var items: [CheckItem] = []
        for root in recipe.requireRoots {
            guard let files = FileManager.default.enumerator(atPath: root) else { continue }
            for case let relative as String in files where relative.hasSuffix(".lua") {
                let path = "\(root)/\(relative)"
                if relative == "recipe.lua" || relative.hasPrefix("tests/") || stepScripts.contains((path as NSString).standardizingPath) {
                    continue
                }
                let module = String(relative.dropLast(4)).replacingOccurrences(of: "/", with: ".")
                items.append(compileModule(recipe, module: module, path: path))
            }
        }
        return items.sorted { $0.message < $1.message }
    }

    private func compileModule(_ recipe: Recipe, module: String, path: String) -> CheckItem {
        let probe = NSTemporaryDirectory() + "ferry-check-\(UUID().uuidString).lua"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        do {
            try "require \(JSONValue.quoted(module))\nreturn function(doc) return doc end\n"
                .write(toFile: probe, atomically: true, encoding: .utf8)
            let engine = try LuaEngine(requireRoots: recipe.requireRoots, runStartedAt: Fixture.defaultRunStartedAt)
            _ = try engine.loadStep(script: probe, from: "module", to: "check")
            return CheckItem("module", .pass, "\(path) compiles and loads (require \"\(module)\")")
        } catch let error as ScriptError {
            // The message already names the module's path and line.
            var message = error.message
            if message.hasPrefix(probe) { message = String(message.dropFirst(probe.count)).trimmingPrefix(": ") }
            return CheckItem("module", .fail, message.contains(path) ? message : "\(path): \(message)")
        } catch {
            return CheckItem("module", .fail, "\(path): \(error)")
        }
    }

    // MARK: Fixtures

    private func checkFixtures(
        _ recipe: Recipe, engine: StepRunner, mappings: [String: MappingChecker], stepsLoaded: Bool
    ) -> [CheckItem] {
        var items: [CheckItem] = []
        let files = Fixture.load(recipe: recipe)
        if files.isEmpty {
            return [CheckItem("fixture", .warn, "\(recipe.folder)/tests has no fixtures: add tests/*.json so `ferry test` and the determinism check have something to run")]
        }
        let runner = FixtureRunner(runner: engine)
        let first = runner.run(files)
        let renderer = DiffRenderer(style: .plain)
        for result in first where !result.passed && !result.notRun {
            items.append(CheckItem("fixture", .fail, "\(result.path): \(result.failure ?? "")",
                                   details: renderer.expectationLines(result.changes)))
        }
        for (message, names) in FixtureResult.notRunGroups(first) {
            let shown = names.prefix(3).joined(separator: ", ") + (names.count > 3 ? " and \(names.count - 3) more" : "")
            items.append(CheckItem("fixture", .fail, "\(names.count) fixture\(names.count == 1 ? "" : "s") could not run (\(shown)): \(message)"))
        }
        let passed = first.filter(\.passed).count
        if passed > 0 {
            items.append(CheckItem("fixture", .pass, "\(passed) of \(first.count) fixtures in \(recipe.folder)/tests pass"))
        }
        items += checkVersionField(recipe, first, mappings: mappings)

        // Outputs the cluster would refuse are a failure now, not in the middle of a run.
        items += checkRoundTripMappings(recipe, first, mappings: mappings)
        for result in first {
            guard let fixture = result.fixture, case .kept(let doc, let json)? = result.actual else { continue }
            if let item = mappingItem(doc, json: json, version: fixture.to, "\(fixture.path): the output", recipe: recipe, mappings: mappings) {
                items.append(item)
            }
        }

        var covered = Set<String>()
        for case .success(let fixture) in files {
            for step in (try? recipe.graph.path(from: fixture.from, to: fixture.to)) ?? [] { covered.insert(step.label) }
            if fixture.roundTrip != nil {
                for step in (try? recipe.graph.path(from: fixture.to, to: fixture.from)) ?? [] { covered.insert(step.label) }
            }
        }
        for step in recipe.steps where !step.isMappingOnly && !covered.contains(step.label) {
            items.append(CheckItem("coverage", .warn, "\(step.scriptDisplay) (\(step.label)): no fixture runs this step"))
        }

        if stepsLoaded { items += checkDeterminism(recipe, runner: runner, first: first) }
        return items
    }

    /// Runs every fixture a second time in the same Lua state: a step that keeps state
    /// between documents (a counter in a module upvalue, a cache that changes results) gives
    /// a different output, and each document of a migration would depend on the ones before.
    private func checkDeterminism(_ recipe: Recipe, runner: FixtureRunner, first: [FixtureResult]) -> [CheckItem] {
        var items: [CheckItem] = []
        var checked = 0
        for result in first {
            guard let fixture = result.fixture, let before = result.actual else { continue }
            if case .notRun = before { continue }
            checked += 1
            let again = runner.outcome(of: fixture)
            if again == before { continue }
            let culprit = culpritStep(recipe, fixture: fixture, runner: runner.runner)
            var details: [String] = []
            if case .kept(let a, _) = before, case .kept(let b, _) = again {
                details = DiffRenderer(style: .plain).lines(JSONDiff.changes(from: a, to: b), indent: "    ")
            } else {
                details = ["    first run: \(before.summary)", "    second run: \(again.summary)"]
            }
            items.append(CheckItem(
                "determinism", .fail,
                "\(culprit.map { "\($0.scriptDisplay) (\($0.label))" } ?? "a step between \(fixture.from) and \(fixture.to)") gives a different output the second time it runs \(fixture.path) in the same Lua state: it keeps state between documents (a module-level variable?)",
                details: details))
        }
        if items.isEmpty, checked > 0 {
            items.append(CheckItem("determinism", .pass, "every step gives the same output when the \(checked) fixtures run twice in one Lua state"))
        }
        return items
    }

    /// The first step on the fixture's path whose output changes when it runs twice on the
    /// same input.
    private func culpritStep(_ recipe: Recipe, fixture: Fixture, runner: StepRunner) -> StepSpec? {
        guard let specs = try? recipe.graph.path(from: fixture.from, to: fixture.to) else { return nil }
        var input = fixture.input
        for spec in specs where !spec.isMappingOnly {
            guard let step = try? runner.step(spec) else { return nil }
            let a = try? runner.run(input, id: fixture.id, index: fixture.index, steps: [step])
            let b = try? runner.run(input, id: fixture.id, index: fixture.index, steps: [step])
            if a != b { return spec }
            guard case .kept(let bytes)? = a else { return nil }
            input = bytes
        }
        return nil
    }
}

extension String {
    func trimmingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
