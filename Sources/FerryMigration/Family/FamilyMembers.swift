/// Finding a family's members in the cluster: the indices matching `family.pattern` that the
/// read alias spans, oldest first, each with its version (read as a single index's is).
import FerryCluster
import FerryCore
import FerryRecipes

/// One member index as ferry found it.
public struct FamilyMember: Sendable {
    /// The member as a copy's source: its name, version and evidence; `writeAliasIndices` is
    /// `[member]` when it holds the write alias (which then moves with its switch), else empty.
    public let source: SourceState
    /// `index.creation_date` (epoch ms), when the cluster says.
    public let creationDate: Int64?
    public var name: String { source.index }
    public var holdsWriteAlias: Bool { !source.writeAliasIndices.isEmpty }
}

/// What discovery found: the members oldest first, and the indices that match the pattern
/// but are outside the read alias (replaced members kept as rollback points, or strays).
public struct FamilyMembers: Sendable {
    public let members: [FamilyMember]
    public let outsideAlias: [String]
}

struct FamilyDiscovery {
    let client: ClusterClient
    let recipe: Recipe
    let family: FamilySpec

    init(client: ClusterClient, recipe: Recipe) throws {
        guard let family = recipe.family else { throw FerryError("recipe \(recipe.name) has no 'family'") }
        self.client = client
        self.recipe = recipe
        self.family = family
    }

    /// The members now. `requestedFrom` is `--from`, for members ferry did not create whose
    /// mapping matches no single version.
    func discover(requestedFrom: String?) throws -> FamilyMembers {
        let created = try client.indexCreationDates(family.pattern)
        let inAlias = try client.getAliases(name: recipe.readAlias).keys.sorted()
        let strays = inAlias.filter { !family.matches($0) }
        guard strays.isEmpty else {
            throw FerryError(
                "alias '\(recipe.readAlias)' also spans \(strays.joined(separator: ", ")), which do not match the family pattern \(family.pattern); ferry migrates members of the pattern only",
                hint: "take \(strays.joined(separator: ", ")) out of '\(recipe.readAlias)', or widen family.pattern in the recipe")
        }
        guard !inAlias.isEmpty else {
            throw FerryError(
                "no index matching \(family.pattern) is in alias '\(recipe.readAlias)': the family has no members",
                hint: "create the members from the template (their names match \(family.pattern)) and add them to '\(recipe.readAlias)'")
        }
        let writers = try writeIndices()
        let planner = MigrationPlanner(client: client, recipe: recipe)
        // One request for every member's mapping: a daily family has hundreds.
        let mappings = try client.getMappings(matching: family.pattern)
        let members = try inAlias.map { index in
            FamilyMember(
                source: try planner.sourceState(
                    index: index, mapping: try mappings[index] ?? client.getMapping(index), isConcrete: false,
                    writeIndices: writers.contains(index) ? [index] : [], requestedFrom: requestedFrom),
                creationDate: created[index])
        }
        return FamilyMembers(
            members: ordered(members), outsideAlias: created.keys.filter { !inAlias.contains($0) }.sorted())
    }

    /// Oldest first: by the period in the name when every member's period has the same shape
    /// (`2024-01`, `2024-02`: text order is time order), else by creation date.
    func ordered(_ members: [FamilyMember]) -> [FamilyMember] {
        let prefix = String(family.pattern.prefix { $0 != "*" })
        func period(_ m: FamilyMember) -> String { String(recipe.memberBaseName(m.name).dropFirst(prefix.count)) }
        func shape(_ s: String) -> String { String(s.map { $0.isNumber ? "0" : $0 }) }
        if Set(members.map { shape(period($0)) }).count <= 1 {
            return members.sorted { period($0) < period($1) }
        }
        return members.sorted { ($0.creationDate ?? .max, $0.name) < ($1.creationDate ?? .max, $1.name) }
    }

    /// The indices holding the write alias (its write index when it spans several).
    private func writeIndices() throws -> Set<String> {
        let entries = try client.aliasEntries(name: recipe.writeAlias).filter { $0.alias == recipe.writeAlias }
        let flagged = entries.filter { $0.isWriteIndex == true }
        if recipe.writeAlias == recipe.readAlias { return Set(flagged.map(\.index)) }
        return Set((flagged.isEmpty ? entries : flagged).map(\.index))
    }
}
