import FerryCluster
import FerryCore
import FerryRecipes

/// Finds the current version through the aliases, the index and its `_meta.ferry` (or
/// `--from`, or a mapping match for an index ferry did not create) and chooses the steps.
public struct MigrationPlanner {
    let client: ClusterClient
    let recipe: Recipe

    public init(client: ClusterClient, recipe: Recipe) {
        self.client = client
        self.recipe = recipe
    }

    public func plan(from requestedFrom: String?, to requestedTo: String?, mode: MigrationMode = .blueGreen) throws -> MigrationPlan {
        try recipe.checkDeclared(requestedFrom, flag: "--from")
        try recipe.checkDeclared(requestedTo, flag: "--to")
        let source = try findSource(requestedFrom: requestedFrom)
        return try plan(source: source, to: requestedTo ?? recipe.latestVersion, mode: mode)
    }

    /// The plan from a known source; `targetIndex` names the new index when the caller
    /// chooses it (a family member's), else the mode does.
    func plan(source: SourceState, to target: String, mode: MigrationMode, targetIndex: String? = nil) throws -> MigrationPlan {
        let steps = try recipe.graph.path(from: source.version, to: target)
        let strategy = mode.strategy
        var plan = MigrationPlan(
            recipe: recipe, source: source, targetVersion: target, steps: steps,
            targetIndex: try targetIndex ?? strategy.targetIndex(source: source, version: target, recipe: recipe),
            preservedIndex: try strategy.preservedIndex(source: source, recipe: recipe))
        plan.mode = mode
        plan.targetMappingHash = try recipe.mappingHash(for: target)
        return plan
    }

    func findSource(requestedFrom: String?) throws -> SourceState {
        let alias = recipe.readAlias
        let index: String
        let isConcrete: Bool
        switch try client.resolve(alias) {
        case .missing:
            throw FerryError(
                "no index or alias named '\(alias)' in the cluster",
                hint: "for a fresh install, `ferry init \(recipe.name)` creates the index at \(recipe.latestVersion) and its aliases")
        case .index:
            index = alias
            isConcrete = true
        case .alias(let indices):
            guard indices.count == 1 else {
                throw FerryError(
                    "alias '\(alias)' points to \(indices.count) indices (\(indices.sorted().joined(separator: ", "))); ferry migrates from exactly one",
                    hint: "point the alias at one index, or finish the migration that left it this way")
            }
            index = indices[0]
            isConcrete = false
        }

        let writeIndices: [String]
        switch try client.resolve(recipe.writeAlias) {
        case .alias(let indices): writeIndices = indices
        case .index:
            throw FerryError(
                "the write alias name '\(recipe.writeAlias)' is a concrete index; ferry needs it to be an alias",
                hint: "if the application writes to that index by name, set aliases.write to the same name as aliases.read")
        case .missing: writeIndices = []
        }

        return try sourceState(
            index: index, mapping: try client.getMapping(index), isConcrete: isConcrete, writeIndices: writeIndices,
            requestedFrom: requestedFrom)
    }

    /// The version of `index` from its mapping: its `_meta.ferry` for this recipe, else
    /// `--from`, else the one version whose mapping it matches (a family member is read the same way).
    func sourceState(index: String, mapping: JSONValue, isConcrete: Bool, writeIndices: [String], requestedFrom: String?) throws -> SourceState {
        let meta = FerryMeta(mapping: mapping).flatMap { $0.recipe == recipe.name ? $0 : nil }
        let metaVersion = meta?.version
        if let metaVersion, recipe.versions.contains(metaVersion) {
            if let requestedFrom, requestedFrom != metaVersion {
                throw FerryError("--from \(requestedFrom) contradicts index \(index), which ferry created at version \(metaVersion)")
            }
            var state = SourceState(
                index: index, version: metaVersion, evidence: .meta, isConcreteIndex: isConcrete,
                writeAliasIndices: writeIndices, createdByFerry: true)
            state.mappingHash = meta?.mappingHash
            return state
        }
        if let requestedFrom {
            return SourceState(
                index: index, version: requestedFrom, evidence: .flag, isConcreteIndex: isConcrete,
                writeAliasIndices: writeIndices, createdByFerry: false)
        }
        let matches = try recipe.versions.filter { version in
            Self.sameProperties(mapping, try recipe.indexBody(for: version)["mappings"] ?? .null)
        }
        guard matches.count == 1 else {
            throw FerryError(
                "cannot tell the version of index '\(index)': ferry did not create it and its mapping matches "
                    + (matches.isEmpty ? "no version" : "versions \(matches.joined(separator: ", "))") + " of recipe \(recipe.name)",
                hint: "pass --from VERSION (one of \(recipe.versions.joined(separator: ", ")))")
        }
        return SourceState(
            index: index, version: matches[0], evidence: .mappingMatch, isConcreteIndex: isConcrete,
            writeAliasIndices: writeIndices, createdByFerry: false)
    }

    /// Compares the field definitions only: clusters add defaults elsewhere in a mapping.
    static func sameProperties(_ live: JSONValue, _ declared: JSONValue) -> Bool {
        live["properties"] == declared["properties"]
    }
}
