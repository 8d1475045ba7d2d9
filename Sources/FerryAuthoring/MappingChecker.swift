import FerryCore

/// Walks a document against an index mapping and says, field by field, what the cluster
/// would reject or silently mis-map: fields a `strict` object forbids, fields `dynamic: false`
/// would not index, values of the wrong type for their field (a string into `integer`, an
/// unparseable `date`, an object where a keyword is mapped), numbers out of range and
/// fractions an integer field truncates.
///
/// It follows Elasticsearch's rules: `dynamic` is inherited object by object (default `true`),
/// arrays of values fit any field type, `null` fits anything, numeric strings are coerced
/// unless `coerce: false`, malformed values are dropped instead of rejected under
/// `ignore_malformed`, and a dotted key `a.b` means the field `b` of the object `a`.
public struct MappingChecker: Sendable {
    enum Dynamic: String {
        case `true`, `false`, strict, runtime
    }

    /// The `mappings` object.
    public let mappings: JSONValue
    let ignoreMalformed: Bool
    let coerce: Bool
    /// The document's numbers as it writes them, by path (see `check(json:)`).
    private var literals: [JSONPath: String] = [:]

    /// `indexBody` is the body as you would PUT it: `{"settings": ..., "mappings": ...}`.
    public init(indexBody: JSONValue) {
        self.init(mappings: indexBody["mappings"] ?? [:], settings: indexBody["settings"])
    }

    public init(mappings: JSONValue, settings: JSONValue? = nil) {
        self.mappings = mappings
        ignoreMalformed = Self.setting(settings, "mapping.ignore_malformed")?.isTrue ?? false
        coerce = Self.setting(settings, "mapping.coerce")?.isTrue ?? true
    }

    /// `check` on JSON text: numbers are judged and printed exactly as written (2^63 is not
    /// rounded to fit a long). Nil when the text is not JSON.
    public func check(json bytes: [UInt8]) -> [MappingProblem]? {
        guard let document = try? JSONValue.parse(bytes) else { return nil }
        var exact = self
        exact.literals = NumberLiterals.scan(bytes)
        return exact.check(document)
    }

    /// Everything worth reporting about `document`, in document order. Numbers beyond a
    /// double's precision are judged as the double; `check(json:)` judges their digits.
    public func check(_ document: JSONValue) -> [MappingProblem] {
        var problems: [MappingProblem] = []
        guard case .object(let fields) = document else {
            return [MappingProblem(.rejected, .root, "the document is \(document.typeName.withArticle), not an object")]
        }
        if mappings["enabled"]?.isFalse == true { return [] }
        let dynamic = Self.dynamic(mappings["dynamic"]) ?? .true
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            if Self.metadataFields.contains(key) {
                problems.append(MappingProblem(
                    .rejected, JSONPath.root.appending(key),
                    "\(key) is a metadata field and cannot be inside a document's _source"))
                continue
            }
            field(key, value, in: mappings["properties"]?.objectValue ?? [:], dynamic: dynamic,
                  objectPath: "", at: JSONPath.root.appending(key), into: &problems)
        }
        return problems.sorted { ($0.path, $0.severity) < ($1.path, $1.severity) }
    }

    // MARK: Objects and fields

    /// One member of an object whose mapping has `properties` and `dynamic`.
    private func field(
        _ key: String, _ value: JSONValue, in properties: [String: JSONValue], dynamic: Dynamic,
        objectPath: String, at path: JSONPath, dotted: Bool = false, into problems: inout [MappingProblem]
    ) {
        if key.isEmpty || key.hasPrefix(".") || key.hasSuffix(".") || key.contains("..") {
            problems.append(MappingProblem(.rejected, path, "the field name \(JSONValue.quoted(key)) is not allowed (empty, or an empty part between dots)"))
            return
        }
        // "a.b" is the field b of the object a.
        if let dot = key.firstIndex(of: "."), properties[key] == nil {
            let head = String(key[..<dot])
            let rest = String(key[key.index(after: dot)...])
            field(head, .object([rest: value]), in: properties, dynamic: dynamic, objectPath: objectPath, at: path,
                  dotted: true, into: &problems)
            return
        }
        let fullName = objectPath.isEmpty ? key : "\(objectPath).\(key)"
        guard let definition = properties[key] else {
            unmapped(fullName, value, dynamic: dynamic, objectPath: objectPath, at: path, into: &problems)
            return
        }
        self.value(value, definition: definition, fullName: fullName, dynamic: dynamic, at: path, dotted: dotted, into: &problems)
    }

    private func unmapped(
        _ fullName: String, _ value: JSONValue, dynamic: Dynamic, objectPath: String, at path: JSONPath,
        into problems: inout [MappingProblem]
    ) {
        if value.isNull { return }   // null creates no mapping and indexes nothing
        let owner = objectPath.isEmpty ? "the mapping" : "the mapping of \(objectPath)"
        switch dynamic {
        case .strict:
            problems.append(MappingProblem(
                .rejected, path, "\(fullName) is not in \(owner), which is strict: the cluster rejects the document"))
        case .false:
            problems.append(MappingProblem(
                .misMapped, path, "\(fullName) is not in \(owner) (dynamic: false): kept in _source but not indexed or searchable"))
        case .runtime:
            problems.append(MappingProblem(.note, path, "\(fullName) is new: the cluster adds it as a runtime field (dynamic: runtime)"))
        case .true:
            problems.append(MappingProblem(
                .note, path, "\(fullName) is new: the cluster maps it dynamically as \(Self.dynamicType(of: value))"))
        }
    }

    /// A value (or each value of an array) against a field definition.
    private func value(
        _ value: JSONValue, definition: JSONValue, fullName: String, dynamic: Dynamic, at path: JSONPath,
        dotted: Bool = false, into problems: inout [MappingProblem]
    ) {
        switch value {
        case .null:
            return
        case .array(let items):
            for (i, item) in items.enumerated() {
                self.value(item, definition: definition, fullName: fullName, dynamic: dynamic, at: path.appending(i), into: &problems)
            }
            return
        default:
            break
        }
        let type = definition["type"]?.stringValue ?? "object"   // no type means object
        switch type {
        case "object", "nested":
            guard case .object(let members) = value else {
                problems.append(MappingProblem(
                    .rejected, path, "\(fullName) is mapped as \(type) but the value is \(typeName(value, at: path).withArticle) (\(literals[path] ?? value.compactText(limit: 40))): the cluster rejects the document"))
                return
            }
            if definition["enabled"]?.isFalse == true { return }
            let inner = Self.dynamic(definition["dynamic"]) ?? dynamic
            let properties = definition["properties"]?.objectValue ?? [:]
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                // The rest of a dotted key ("a.b" → object a, field b) is still the one key of the document.
                field(key, member, in: properties, dynamic: inner, objectPath: fullName, at: dotted ? path : path.appending(key),
                      dotted: dotted, into: &problems)
            }
        case "flattened", "flat_object":
            return
        default:
            if case .object = value, !Self.objectTypes.contains(type) {
                problems.append(MappingProblem(
                    .rejected, path, "\(fullName) is mapped as \(type) but the value is an object: the cluster rejects the document"))
                return
            }
            if let problem = ScalarRules(type: type, definition: definition, coerce: coerce)
                .problem(value, fullName: fullName, literal: literals[path]) {
                let ignore = definition["ignore_malformed"]?.isTrue ?? ignoreMalformed
                if problem.severity == .rejected, ignore, !problem.notMalformed {
                    problems.append(MappingProblem(
                        .misMapped, path, problem.message + " — ignore_malformed keeps the document but does not index the value"))
                } else {
                    problems.append(MappingProblem(problem.severity, path, problem.message + (problem.severity == .rejected ? ": the cluster rejects the document" : "")))
                }
            }
        }
    }

    // MARK: Helpers

    /// Whether the mapping declares the field `name` (dots go into object properties).
    public func declares(_ name: String) -> Bool { definition(of: name) != nil }

    /// The definition of the field `name` (`metadata.updated_at` goes into object properties).
    public func definition(of name: String) -> JSONValue? {
        var node: JSONValue? = mappings
        for part in name.split(separator: ".") { node = node?["properties"]?[String(part)] }
        return node
    }

    /// The JSON type as the document writes it: an integer beyond 64 bits is still an integer.
    private func typeName(_ value: JSONValue, at path: JSONPath) -> String {
        if let literal = literals[path], NumberText(literal)?.isIntegerLiteral == true { return "integer" }
        return value.typeName
    }

    /// Field types whose values are objects (geo points, ranges, shapes, vectors...): not judged.
    static let objectTypes: Set<String> = [
        "geo_point", "geo_shape", "shape", "point", "integer_range", "long_range", "float_range", "double_range",
        "date_range", "ip_range", "join", "percolator", "completion", "aggregate_metric_double", "histogram",
        "dense_vector", "knn_vector", "sparse_vector", "rank_features", "xy_point", "xy_shape",
    ]

    static let metadataFields: Set<String> = [
        "_id", "_index", "_source", "_routing", "_version", "_seq_no", "_primary_term", "_type", "_ignored",
        "_field_names", "_nested_path", "_data_stream_timestamp", "_doc_count", "_tier", "_size",
    ]

    static func dynamic(_ value: JSONValue?) -> Dynamic? {
        switch value {
        case .bool(let b)?: return b ? .true : .false
        case .string(let s)?: return Dynamic(rawValue: s.lowercased())
        default: return nil
        }
    }

    /// What dynamic mapping would make of a new value (Elasticsearch's defaults).
    static func dynamicType(of value: JSONValue) -> String {
        switch value {
        case .bool: "boolean"
        case .int: "long"
        case .double, .number: "float"
        case .string(let s): DateFormat.iso(strict: true).accepts(s) && s.count >= 10 ? "date" : "text + keyword"
        case .object: "object"
        case .array(let items): items.first(where: { !$0.isNull }).map { dynamicType(of: $0) } ?? "nothing yet (empty array)"
        case .null: "nothing (null)"
        }
    }

    /// `settings.index.<name>`, nested or flat ("index.mapping.coerce").
    static func setting(_ settings: JSONValue?, _ name: String) -> JSONValue? {
        guard let settings else { return nil }
        let parts = name.split(separator: ".").map(String.init)
        for root in [settings["index"] ?? .null, settings] {
            var node: JSONValue? = root
            for part in parts { node = node?[part] }
            if let node { return node }
            if let flat = root[name] { return flat }
        }
        return settings["index.\(name)"]
    }
}

extension JSONValue {
    var isTrue: Bool { self == .bool(true) || self == .string("true") }
    var isFalse: Bool { self == .bool(false) || self == .string("false") }
}

extension String {
    var withArticle: String {
        let vowels: Set<Character> = ["a", "e", "i", "o", "u"]
        return (first.map { vowels.contains($0) } ?? false ? "an " : "a ") + self
    }
}
