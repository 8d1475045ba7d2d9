/// What `ferry run <family recipe>` will do: the template change, then each member oldest
/// first (migrate through its own plan, or skip and why), and which members one run takes.
import FerryCluster
import FerryCore
import FerryRecipes

public struct FamilyPlan: Sendable {
    public let recipe: Recipe
    public let targetVersion: String
    public let template: TemplateChange
    /// Oldest first.
    public let members: [MemberPlan]
    /// Indices matching the pattern outside the read alias: not members (replaced members
    /// kept as rollback points, or indices nobody reads).
    public let outsideAlias: [String]

    /// The members left to migrate.
    public var pending: [MemberPlan] { members.filter { $0.migration != nil } }
    /// Nothing to do: the template and every member are at the target version.
    public var isUpToDate: Bool { pending.isEmpty && template.isAtTarget }
}

/// One member and what the run does with it.
public struct MemberPlan: Sendable {
    public let member: FamilyMember
    /// The member's unit (source: the member; target: its new index), or nil when skipped.
    public let migration: MigrationPlan?
    /// Why the member is skipped (nil when it is migrated).
    public let skipReason: String?
}

/// Which members one `ferry run` takes: `--members PATTERN` (a glob on member names) and
/// `--max-members N` (members migrated by this invocation; skipped ones do not count).
public struct MemberSelection: Sendable, Equatable {
    public var pattern: String?
    public var maxMembers: Int?

    public init(pattern: String? = nil, maxMembers: Int? = nil) {
        self.pattern = pattern
        self.maxMembers = maxMembers
    }

    public func selects(_ member: String) -> Bool {
        pattern.map { FamilySpec.matches($0, member) } ?? true
    }

    /// The members `plan` would migrate in one run under this selection, in order.
    public func chosen(from plan: FamilyPlan) -> [MemberPlan] {
        let selected = plan.pending.filter { selects($0.member.name) }
        return maxMembers.map { Array(selected.prefix($0)) } ?? selected
    }
}

struct FamilyPlanner {
    let client: ClusterClient
    let recipe: Recipe
    let info: ClusterInfo

    /// Members as they are now, each planned to `to` (default: the latest version).
    func plan(from requestedFrom: String?, to requestedTo: String?) throws -> FamilyPlan {
        guard let family = recipe.family else { throw FerryError("recipe \(recipe.name) has no 'family'") }
        try recipe.checkDeclared(requestedFrom, flag: "--from")
        try recipe.checkDeclared(requestedTo, flag: "--to")
        let target = requestedTo ?? recipe.latestVersion
        let found = try FamilyDiscovery(client: client, recipe: recipe).discover(requestedFrom: requestedFrom)
        let planner = MigrationPlanner(client: client, recipe: recipe)
        let members = try found.members.map { member in
            if member.source.version == target {
                return MemberPlan(member: member, migration: nil, skipReason: "already at \(target) (\(member.source.evidence.rawValue))")
            }
            let plan = try planner.plan(
                source: member.source, to: target, mode: .blueGreen,
                targetIndex: try recipe.memberIndexName(member.name, version: target))
            return MemberPlan(member: member, migration: plan, skipReason: nil)
        }
        let sources = Set(members.compactMap { $0.migration?.source.version })
        let template = try TemplateChange.read(
            recipe: recipe, family: family, targetVersion: target, sourceVersions: sources, client: client, info: info)
        return FamilyPlan(recipe: recipe, targetVersion: target, template: template, members: members, outsideAlias: found.outsideAlias)
    }
}
