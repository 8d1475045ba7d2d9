/// The first step of a family run: the members' index template, before and after, and
/// whether documents of the members' versions still fit the target version's mapping.
import FerryCluster
import FerryCore
import FerryRecipes

public struct TemplateChange: Sendable {
    /// `family.template`.
    public let name: String
    /// "composable" (`_index_template`) or "legacy" (`_template`), as the cluster has them.
    public let kind: String
    /// The whole template as the cluster holds it now; nil when there is none.
    public let current: JSONValue?
    /// The whole template ferry puts: the target version's (`Recipe.templateBody`), keeping the
    /// current one's priority (legacy: order).
    public let target: JSONValue
    /// For each field that makes a source version's documents not fit the target mapping, a
    /// line (empty: they fit). An index created from the new template (a new month) would
    /// reject or mis-map such documents if the application still writes them.
    public let misfits: [String]

    /// The template already is the target version's (same `_meta.ferry` version and mapping hash).
    public var isAtTarget: Bool {
        func ferry(_ body: JSONValue?) -> JSONValue? {
            (body?["template"]?["mappings"] ?? body?["mappings"])?["_meta"]?["ferry"]
        }
        guard let now = ferry(current), let wanted = ferry(target) else { return false }
        return now["version"] == wanted["version"] && now["mapping_hash"] == wanted["mapping_hash"]
    }

    /// `body` as the plan compares it: settings flattened to `index.*` keys with text values
    /// (the cluster answers `{"index": {"number_of_shards": "1"}}` for `number_of_shards: 1`)
    /// and an empty `composed_of` left out, so the diff shows real changes only.
    public static func comparable(_ body: JSONValue?) -> JSONValue {
        guard case .object(var object)? = body else { return .object([:]) }
        if object["composed_of"] == .array([]) { object["composed_of"] = nil }
        func flatten(_ value: JSONValue, _ prefix: String, into out: inout [String: JSONValue]) {
            guard case .object(let members) = value else {
                out[prefix.hasPrefix("index.") ? prefix : "index." + prefix] = value.stringValue.map { .string($0) } ?? .string(value.serialized())
                return
            }
            for (key, inner) in members { flatten(inner, prefix.isEmpty ? key : "\(prefix).\(key)", into: &out) }
        }
        for path in [["template"], []] {
            let holder = path.isEmpty ? JSONValue.object(object) : object[path[0]] ?? .null
            guard case .object(var parent) = holder, let settings = parent["settings"] else { continue }
            var flat: [String: JSONValue] = [:]
            flatten(settings, "", into: &flat)
            parent["settings"] = .object(flat)
            if path.isEmpty { object = parent } else { object[path[0]] = .object(parent) }
        }
        return .object(object)
    }

    /// Reads the template and works out the change for `targetVersion`; `sourceVersions` are
    /// the versions of the members still to migrate.
    static func read(
        recipe: Recipe, family: FamilySpec, targetVersion: String, sourceVersions: Set<String>, client: ClusterClient,
        info: ClusterInfo
    ) throws -> TemplateChange {
        let composable = info.hasComposableTemplates
        let current = try client.templateBody(family.template, on: info)
        var target = composable ? try recipe.templateBody(for: targetVersion) : try recipe.legacyTemplateBody(for: targetVersion)
        let orderKey = composable ? "priority" : "order"
        if let order = current?[orderKey], case .object(var body) = target {
            body[orderKey] = order
            target = .object(body)
        }
        return TemplateChange(
            name: family.template, kind: composable ? "composable" : "legacy", current: current, target: target,
            misfits: try misfits(recipe: recipe, from: sourceVersions, to: targetVersion))
    }

    /// Fields of each source version's mapping that the target mapping removes or changes
    /// (additions are fine), with what the target's `dynamic` setting makes of them.
    static func misfits(recipe: Recipe, from versions: Set<String>, to target: String) throws -> [String] {
        let targetMappings = try recipe.indexBody(for: target)["mappings"] ?? [:]
        let strict = targetMappings["dynamic"]?.stringValue == "strict"
        var lines: [String] = []
        for version in versions.sorted() where version != target {
            let source = try recipe.indexBody(for: version)["mappings"]?["properties"] ?? [:]
            let changes = ModeAnalysis.nonAdditiveChanges(source, targetMappings["properties"] ?? [:], path: "")
            lines += changes.map { change in
                let effect = change.hasSuffix("is removed")
                    ? (strict ? "the \(target) mapping is strict: a \(version) document holding it is rejected" : "a \(version) document's value is mapped dynamically, or not at all")
                    : "a \(version) document's value may be rejected or indexed differently"
                return "\(version) → \(target): \(change) (\(effect))"
            }
        }
        return lines
    }
}
