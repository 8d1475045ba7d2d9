import FerryCore
import FerryRecipes

/// Walks a mapping's fields for the structural check of `ferry check`.
enum MappingWalk {
    enum UnknownType {
        /// Close to a known type: almost surely a typo.
        case typo(String, meant: String)
        /// Not a type of Elasticsearch or OpenSearch core (maybe a plugin's).
        case unknown(String)
    }

    /// Field types of Elasticsearch and OpenSearch (core and bundled modules).
    static let knownTypes: [String] = [
        "text", "keyword", "match_only_text", "wildcard", "constant_keyword", "search_as_you_type", "version",
        "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long",
        "boolean", "date", "date_nanos", "ip", "binary", "object", "nested", "flattened", "flat_object", "alias",
        "token_count", "completion", "geo_point", "geo_shape", "shape", "point", "xy_point", "xy_shape",
        "integer_range", "long_range", "float_range", "double_range", "date_range", "ip_range", "join",
        "percolator", "rank_feature", "rank_features", "dense_vector", "sparse_vector", "knn_vector",
        "histogram", "aggregate_metric_double", "semantic_text", "derived", "star_tree", "murmur3",
        "annotated_text", "icu_collation_keyword", "passthrough", "counted_keyword",
    ]

    static func unknownType(in definition: JSONValue) -> UnknownType? {
        guard let type = definition["type"]?.stringValue, !knownTypes.contains(type) else { return nil }
        if let meant = EditDistance.closest(to: type, among: knownTypes) { return .typo(type, meant: meant) }
        return .unknown(type)
    }

    /// Every field under `properties`, and every multi-field under `fields` (`author_name.keyword`).
    static func fields(of mapping: JSONValue, prefix: String = "", _ visit: (String, JSONValue) -> Void) {
        for member in ["properties", "fields"] {
            for (name, definition) in (mapping[member]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                let path = prefix.isEmpty ? name : "\(prefix).\(name)"
                visit(path, definition)
                fields(of: definition, prefix: path, visit)
            }
        }
    }

    /// What is wrong with one field definition, if anything a PUT would refuse.
    static func problem(in definition: JSONValue) -> String? {
        guard definition.objectValue != nil else { return "must be an object like {\"type\": \"keyword\"}" }
        if let type = definition["type"], type.stringValue == nil { return "\"type\" must be a string" }
        if definition["type"] == nil, definition["properties"] == nil {
            return "needs a \"type\" (or \"properties\" for an object)"
        }
        if let dynamic = definition["dynamic"], MappingChecker.dynamic(dynamic) == nil {
            return "dynamic is \(dynamic.compactText), expected true, false, \"strict\" or \"runtime\""
        }
        if let properties = definition["properties"], properties.objectValue == nil { return "\"properties\" must be an object" }
        return nil
    }
}
