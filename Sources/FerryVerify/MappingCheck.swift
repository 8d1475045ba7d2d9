import FerryCluster
import FerryCore
import FerryJournal
import FerryPipeline
import FerryRecipes

/// The target's live field mapping against the recipe's for the target version: a field
/// added by hand (`PUT _mapping`), by dynamic mapping or by another tool shows up here.
/// Compares `properties` (and `dynamic`, when the recipe sets it), like the planner's version
/// match: clusters add defaults elsewhere in a mapping.
struct MappingCheck {
    let client: ClusterClient
    let recipe: Recipe

    /// One difference per top-level field, sorted by name; empty when they match.
    func differences(index: String, version: String) throws -> (fields: Int, differences: [Difference]) {
        let live = try client.getMapping(index)
        let declared = try recipe.indexBody(for: version)["mappings"] ?? [:]
        let file = recipe.mappingPath(for: version)
        let liveFields = live["properties"]?.objectValue ?? [:]
        let declaredFields = declared["properties"]?.objectValue ?? [:]
        var found: [Difference] = []
        for name in Set(liveFields.keys).union(declaredFields.keys).sorted() {
            switch (declaredFields[name], liveFields[name]) {
            case (nil, let l?):
                found.append(Difference(.mapping, name, "in \(index) (\(FirstDifference.show(l))), not in \(file)"))
            case (let d?, nil):
                found.append(Difference(.mapping, name, "in \(file) (\(FirstDifference.show(d))), not in \(index)"))
            case (let d?, let l?) where d != l:
                let first = FirstDifference.between(expected: d, actual: l)
                let path = first.map { $0.path.isEmpty ? name : "\(name).\($0.path)" } ?? name
                found.append(Difference(.mapping, name, path: path, "\(file) has \(FirstDifference.show(first?.expected)), \(index) has \(FirstDifference.show(first?.actual))"))
            default:
                break
            }
        }
        if let dynamic = declared["dynamic"], !Self.sameDynamic(dynamic, live["dynamic"]) {
            found.append(Difference(.mapping, "dynamic", "\(file) has \(FirstDifference.show(dynamic)), \(index) has \(FirstDifference.show(live["dynamic"]))"))
        }
        return (declaredFields.count, found)
    }

    /// `"dynamic": false` and `"false"` mean the same; clusters answer with either.
    private static func sameDynamic(_ a: JSONValue, _ b: JSONValue?) -> Bool {
        func text(_ v: JSONValue?) -> String? {
            switch v {
            case .bool(let x)?: return x ? "true" : "false"
            case .string(let s)?: return s
            default: return nil
            }
        }
        return text(a) == text(b) || (text(a) == "true" && b == nil)
    }
}
