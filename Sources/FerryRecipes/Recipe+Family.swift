import FerryCore

/// An index family (`family = { pattern = "events-*", template = "events" }` in
/// `recipe.lua`): monthly (or daily, ...) member indices created from one composable index
/// template, the read alias spanning the members and the write alias on the newest.
public struct FamilySpec: Sendable, Hashable {
    /// The members' index pattern, e.g. `events-*`; also the template's `index_patterns`.
    public let pattern: String
    /// The name of the `_index_template` (or legacy `_template`) that creates the members.
    public let template: String

    public init(pattern: String, template: String) {
        self.pattern = pattern
        self.template = template
    }

    /// True when `name` (an index or alias) matches `pattern` (`*` is any run of characters).
    public func matches(_ name: String) -> Bool {
        Self.matches(pattern, name)
    }

    /// True when `name` matches the glob `pattern` (`*` is any run of characters), as
    /// `--members` selects members.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        glob(Array(pattern), Array(name))
    }

    /// Reads `family` from a manifest (nil when absent) and checks it against the aliases:
    /// the pattern must name the members after the read alias (`events-*` for `events`)
    /// without matching the read alias itself, or templates and wildcard searches would
    /// confuse the alias with a member.
    static func parse(_ value: JSONValue?, path: String, readAlias: String, writeAlias: String) throws(RecipeError) -> FamilySpec? {
        guard let value, !value.isNull else { return nil }
        let example = "family = { pattern = \"\(readAlias)-*\", template = \"\(readAlias)\" }"
        guard value.objectValue != nil else {
            throw RecipeError("\(path): 'family' must be a table, e.g. \(example)")
        }
        func string(_ key: String) throws(RecipeError) -> String {
            guard let s = value[key]?.stringValue, !s.isEmpty else {
                throw RecipeError("\(path): 'family.\(key)' is required and must be a string, e.g. \(example)")
            }
            return s
        }
        let family = FamilySpec(pattern: try string("pattern"), template: try string("template"))
        if let problem = family.problem(readAlias: readAlias, writeAlias: writeAlias) {
            throw RecipeError("\(path): \(problem)", hint: "e.g. \(example)")
        }
        return family
    }

    /// What is wrong with the pattern or the template name, if anything.
    func problem(readAlias: String, writeAlias: String) -> String? {
        let forbidden = Set("\\/?\"<>| ,#:")
        if pattern != pattern.lowercased() || pattern.contains(where: { forbidden.contains($0) })
            || pattern.hasPrefix("_") || pattern.hasPrefix("-") || pattern.hasPrefix("*") {
            return "'family.pattern' = \"\(pattern)\" is not an index pattern (lowercase, starts with a name, no spaces or \\/?\"<>|,#:)"
        }
        guard pattern.contains("*") else {
            return "'family.pattern' = \"\(pattern)\" has no '*': a family has many members, e.g. \"\(readAlias)-*\""
        }
        let prefix = String(pattern.prefix { $0 != "*" })
        guard prefix.hasPrefix(readAlias) else {
            return "'family.pattern' = \"\(pattern)\" does not name the members after the read alias '\(readAlias)' (members are \(readAlias)<separator><period>, e.g. \(readAlias)-2024-01)"
        }
        if matches(readAlias) {
            return "'family.pattern' = \"\(pattern)\" matches the read alias '\(readAlias)' itself: an index by that name would clash with the alias; put a separator before the '*', e.g. \"\(readAlias)-*\""
        }
        if template != template.lowercased() || template.contains(where: { forbidden.contains($0) || $0 == "*" })
            || template.hasPrefix("_") || template.hasPrefix("-") {
            return "'family.template' = \"\(template)\" is not a valid template name (lowercase, no '*', spaces or \\/?\"<>|,#:)"
        }
        return nil
    }

    private static func glob(_ p: [Character], _ s: [Character]) -> Bool {
        var (pi, si, star, mark) = (0, 0, -1, 0)
        while si < s.count {
            if pi < p.count, p[pi] != "*", p[pi] == s[si] {
                pi += 1; si += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = si; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; si = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

extension Recipe {
    /// A member's new index at `version`: `<member's base name>-<version>-<hash8>`, so it keeps
    /// the period and still matches the pattern (`events-2024-01` → `events-2024-01-2.0-1a2b3c4d`).
    public func memberIndexName(_ member: String, version: String) throws(RecipeError) -> String {
        try indexName(base: memberBaseName(member), version: version)
    }

    /// The member's name without the `-<version>-<hash8>` an earlier run gave it
    /// (`events-2024-01-2.0-1a2b3c4d` → `events-2024-01`): its period, for ordering and naming.
    public func memberBaseName(_ member: String) -> String {
        for version in versions {
            guard let hash = try? mappingHash(for: version) else { continue }
            let suffix = "-\(version)-\(hash)"
            if member.hasSuffix(suffix), member.count > suffix.count { return String(member.dropLast(suffix.count)) }
        }
        return member
    }

    /// The composable index template (`PUT _index_template/<family.template>`) for `version`:
    /// `index_patterns` from `family.pattern`, `template` = the version's mapping file
    /// (settings + mappings, `_meta.ferry` added so indices the application or rollover
    /// creates from it are known to be at that version) plus the read alias, so a new member
    /// joins the family's reads; `_meta.ferry` on the template too.
    public func templateBody(for version: String) throws(RecipeError) -> JSONValue {
        guard let family else { throw RecipeError("recipe \(name) has no 'family'") }
        let (settings, mappings, meta) = try templateParts(for: version, family: family)
        var template: [String: JSONValue] = ["mappings": mappings, "aliases": .object([readAlias: .object([:])])]
        if let settings { template["settings"] = settings }
        return .object([
            "index_patterns": .array([.string(family.pattern)]),
            "template": .object(template),
            "_meta": .object(["ferry": meta]),
        ])
    }

    /// The same as a legacy template (`PUT _template/<family.template>`), for clusters
    /// without composable templates (Elasticsearch before 7.8).
    public func legacyTemplateBody(for version: String) throws(RecipeError) -> JSONValue {
        guard let family else { throw RecipeError("recipe \(name) has no 'family'") }
        let (settings, mappings, _) = try templateParts(for: version, family: family)
        var body: [String: JSONValue] = [
            "index_patterns": .array([.string(family.pattern)]),
            "mappings": mappings,
            "aliases": .object([readAlias: .object([:])]),
        ]
        if let settings { body["settings"] = settings }
        return .object(body)
    }

    private func templateParts(for version: String, family: FamilySpec) throws(RecipeError) -> (JSONValue?, JSONValue, JSONValue) {
        let body = try indexBody(for: version)
        guard case .object(var mappings)? = body["mappings"] else {
            throw RecipeError("\(mappingPath(for: version)): malformed")
        }
        let meta = JSONValue.object([
            "recipe": .string(name),
            "version": .string(version),
            "mapping_hash": .string(try mappingHash(for: version)),
            "template": .string(family.template),
        ])
        var mappingMeta = mappings["_meta"]?.objectValue ?? [:]
        mappingMeta["ferry"] = meta
        mappings["_meta"] = .object(mappingMeta)
        return (body["settings"], .object(mappings), meta)
    }
}
