import Crypto
import Foundation
import FerryCore

extension Recipe {
    /// The index body (settings + mappings) for `version`, as the recipe's mapping file has it.
    public func indexBody(for version: String) throws(RecipeError) -> JSONValue {
        let path = mappingPath(for: version)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecipeError("\(path): not found (every version in 'versions' needs a mapping file)")
        }
        let body: JSONValue
        do {
            body = try JSONValue.parse(data)
        } catch {
            throw RecipeError("\(path): \(error)")
        }
        guard body["mappings"]?.objectValue != nil else {
            throw RecipeError("\(path): must be an index body with a \"mappings\" object, as you would PUT it")
        }
        return body
    }

    /// First 8 hex digits of the SHA-256 of the canonical mapping, so an edited mapping
    /// without a version bump gets a new index name.
    public func mappingHash(for version: String) throws(RecipeError) -> String {
        let canonical = try indexBody(for: version).serializedBytes(sortedKeys: true)
        return String(SHA256.hash(data: canonical).hexString.prefix(8))
    }

    /// `<read alias>-<version>-<hash8>`.
    public func indexName(for version: String) throws(RecipeError) -> String {
        try indexName(base: readAlias, version: version)
    }

    /// `<base>-<version>-<hash8>`: a single index is named after the read alias, a family
    /// member's new index after the member (`Recipe.memberIndexName`).
    func indexName(base: String, version: String) throws(RecipeError) -> String {
        "\(base)-\(version)-\(try mappingHash(for: version))"
    }

    /// The body ferry PUTs for a new index: the recipe's mapping with `_meta.ferry` recording
    /// where it came from, which is how ferry later finds the version of a live index.
    /// A run's new index also records its `source` and the run's `journalID`.
    public func indexBodyWithMeta(for version: String, runID: String, source: String? = nil, journalID: String? = nil) throws(RecipeError) -> JSONValue {
        guard case .object(var body) = try indexBody(for: version), let mappings = body["mappings"], mappings.objectValue != nil
        else { throw RecipeError("\(mappingPath(for: version)): malformed") }
        var meta = FerryMeta(recipe: name, version: version, mappingHash: try mappingHash(for: version), runID: runID)
        meta.source = source
        meta.journalID = journalID
        body["mappings"] = meta.written(into: mappings)
        return .object(body)
    }
}

extension Sequence where Element == UInt8 {
    public var hexString: String {
        map { String(format: "%02x", $0) }.joined()
    }
}

extension SHA256.Digest {
    var hexString: String { Array(self).hexString }
}
