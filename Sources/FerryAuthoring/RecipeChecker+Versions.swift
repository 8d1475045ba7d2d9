import FerryCore
import FerryRecipes

/// The parts of `ferry check` about the way back and about families: reverse steps reach
/// the earlier versions, round-trip outputs fit the earlier mapping, and a family's
/// template can be built for every version.
extension RecipeChecker {
    /// With reverse steps declared, which earlier versions the latest can go back to
    /// (rollback after writes to the new index needs a path back to the old version).
    func checkReverseGraph(_ recipe: Recipe) -> [CheckItem] {
        let graph = recipe.graph
        guard !graph.reverseSteps.isEmpty else { return [] }
        let latest = recipe.latestVersion
        let manifest = "\(recipe.folder)/recipe.lua"
        var reached: [String] = []
        var missing: [String] = []
        for version in recipe.versions.dropLast().reversed() {
            if let path = try? graph.path(from: latest, to: version), !path.isEmpty {
                let kind = StepChain.isMappingOnly(path) ? ", mapping only" : ""
                reached.append(([latest] + path.map(\.to)).joined(separator: " → ") + kind)
            } else {
                missing.append(version)
            }
        }
        var items: [CheckItem] = []
        if !reached.isEmpty {
            items.append(CheckItem("graph", .pass, "\(manifest): reverse steps go back \(reached.joined(separator: "; "))"))
        }
        if !missing.isEmpty {
            let edges = graph.reverseSteps.map(\.label).joined(separator: ", ")
            items.append(CheckItem(
                "graph", .warn,
                "\(manifest): \(latest) cannot go back to \(missing.joined(separator: ", ")) (reverse steps: \(edges)): a rollback to \(missing.count == 1 ? "it" : "them") after writes to the new index would refuse"))
        }
        return items
    }

    /// A family's template body for every version, and what the aliases mean for it.
    func checkFamily(_ recipe: Recipe) -> [CheckItem] {
        guard let family = recipe.family else { return [] }
        let manifest = "\(recipe.folder)/recipe.lua"
        var items: [CheckItem] = []
        var failed = false
        for version in recipe.versions {
            do {
                _ = try recipe.templateBody(for: version)
            } catch {
                failed = true
                items.append(CheckItem("family", .fail, "template '\(family.template)' for \(version): \(error)"))
            }
        }
        if !failed {
            items.append(CheckItem(
                "family", .pass,
                "\(manifest): members \(family.pattern) from template '\(family.template)' (index_patterns [\"\(family.pattern)\"], body from mappings/<version>.json); read alias '\(recipe.readAlias)' spans the members, write alias '\(recipe.writeAlias)' is on the newest"))
        }
        if recipe.readAlias == recipe.writeAlias {
            items.append(CheckItem(
                "family", .warn,
                "\(manifest): the read alias '\(recipe.readAlias)' is also the write alias: writes through an alias spanning several members need is_write_index on the newest; a separate write alias (e.g. '\(recipe.readAlias)-write') is simpler"))
        }
        return items
    }

    /// The way back must give documents the earlier version's mapping accepts.
    func checkRoundTripMappings(_ recipe: Recipe, _ results: [FixtureResult], mappings: [String: MappingChecker]) -> [CheckItem] {
        results.compactMap { result in
            guard let fixture = result.fixture, case .kept(let doc, let json)? = result.roundTrip else { return nil }
            return mappingItem(doc, json: json, version: fixture.from,
                               "\(fixture.path): the way back \(fixture.to)→\(fixture.from) gives a document that", recipe: recipe, mappings: mappings)
        }
    }

    /// A fixture's document checked against `version`'s mapping (the cluster would refuse or
    /// mis-map it): nil when it fits. `subject` starts the message ("… does not fit …").
    func mappingItem(_ doc: JSONValue, json: [UInt8], version: String, _ subject: String, recipe: Recipe,
                     mappings: [String: MappingChecker]) -> CheckItem? {
        guard let checker = mappings[version] else { return nil }
        let problems = (checker.check(json: json) ?? checker.check(doc)).filter(\.isProblem)
        if problems.isEmpty { return nil }
        let rejected = problems.contains { $0.severity == .rejected }
        return CheckItem(
            "fixture mapping", rejected ? .fail : .warn,
            "\(subject) does not fit \(recipe.mappingPath(for: version)) (\(problems.count) problem\(problems.count == 1 ? "" : "s"))",
            details: DiffRenderer(style: .plain).lines(problems, indent: "    "))
    }
}
