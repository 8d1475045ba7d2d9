extension JSONValue {
    /// The JSON type name a data engineer sees in messages: integer and float are told apart
    /// because the bridge keeps them apart (and a mapping treats them differently).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "float"
        case .number(let text): NumberText(text)?.isIntegerLiteral == true ? "integer" : "float"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Compact JSON with sorted keys (stable across runs), for diffs and messages.
    public var compactText: String { serialized(sortedKeys: true) }

    /// `compactText` cut to about `limit` characters with an ellipsis; 0 means no limit.
    public func compactText(limit: Int) -> String {
        let text = compactText
        guard limit > 0, text.count > limit else { return text }
        return String(text.prefix(max(limit - 1, 1))) + "…"
    }
}
