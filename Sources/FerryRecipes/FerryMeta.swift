/// `_meta.ferry`, the record ferry keeps in an index's mapping: which recipe, version and
/// mapping made it, and which run. The one place that reads and writes it.
import FerryCore

public struct FerryMeta: Sendable, Equatable {
    public var recipe: String
    public var version: String
    public var mappingHash: String?
    public var runID: String?
    /// Set when the index was migrated in place (it keeps its name and first mapping hash).
    public var inPlace = false

    public init(recipe: String, version: String, mappingHash: String?, runID: String?, inPlace: Bool = false) {
        self.recipe = recipe
        self.version = version
        self.mappingHash = mappingHash
        self.runID = runID
        self.inPlace = inPlace
    }

    /// Reads `_meta.ferry` from a mapping (as `GET <index>/_mapping` returns it, or a mapping
    /// body); nil when it is absent or has no recipe and version.
    public init?(mapping: JSONValue) {
        guard let ferry = mapping["_meta"]?["ferry"],
              let recipe = ferry["recipe"]?.stringValue, let version = ferry["version"]?.stringValue
        else { return nil }
        self.init(
            recipe: recipe, version: version, mappingHash: ferry["mapping_hash"]?.stringValue,
            runID: ferry["run_id"]?.stringValue, inPlace: ferry["in_place"]?.boolValue ?? false)
    }

    /// The run id in a mapping's `_meta.ferry`, whatever else it holds.
    public static func runID(inMapping mapping: JSONValue) -> String? {
        mapping["_meta"]?["ferry"]?["run_id"]?.stringValue
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["recipe": .string(recipe), "version": .string(version)]
        if let mappingHash { object["mapping_hash"] = .string(mappingHash) }
        if let runID { object["run_id"] = .string(runID) }
        if inPlace { object["in_place"] = true }
        return .object(object)
    }

    /// `mapping` with its `_meta.ferry` replaced by this one (other `_meta` keys kept).
    public func written(into mapping: JSONValue) -> JSONValue {
        var object = mapping.objectValue ?? [:]
        var meta = object["_meta"]?.objectValue ?? [:]
        meta["ferry"] = json
        object["_meta"] = .object(meta)
        return .object(object)
    }
}
