import FerryCore

/// Index templates, composable (`/_index_template`) or legacy (`/_template`) as the cluster's
/// version has them (`ClusterInfo.hasComposableTemplates`).
extension ClusterClient {
    /// Creates or replaces template `name` for `patterns`. `template` holds `settings`,
    /// `mappings` and `aliases` as for index creation; `priority` orders overlapping templates
    /// (legacy templates call it `order`).
    public func putIndexTemplate(
        _ name: String, patterns: [String], template: JSONValue, priority: Int = 0, on info: ClusterInfo
    ) throws {
        let patternsJSON = JSONValue.array(patterns.map { .string($0) })
        if info.hasComposableTemplates {
            let body: JSONValue = ["index_patterns": patternsJSON, "template": template, "priority": .int(Int64(priority))]
            try request(.PUT, RequestPath(["_index_template", name]), body: body.serializedBytes())
        } else {
            var body: [String: JSONValue] = ["index_patterns": patternsJSON, "order": .int(Int64(priority))]
            for (key, value) in template.objectValue ?? [:] { body[key] = value }
            try request(.PUT, RequestPath(["_template", name]), body: JSONValue.object(body).serializedBytes())
        }
    }

    /// The template as the cluster holds it, in the shape of `putIndexTemplate`'s `template`
    /// (legacy templates hold settings, mappings and aliases at the top); nil if there is none.
    public func getIndexTemplate(_ name: String, on info: ClusterInfo) throws -> JSONValue? {
        if info.hasComposableTemplates {
            let path = RequestPath(["_index_template", name])
            let (status, json) = try json(.GET, path, accept: { (200..<300).contains($0) || $0 == 404 })
            guard status != 404 else { return nil }
            return json["index_templates"]?[0]?["index_template"]?["template"]
        }
        let path = RequestPath(["_template", name])
        let (status, json) = try json(.GET, path, accept: { (200..<300).contains($0) || $0 == 404 })
        guard status != 404, let held = json[name]?.objectValue else { return nil }
        return .object(held.filter { ["settings", "mappings", "aliases"].contains($0.key) })
    }

    public func deleteIndexTemplate(_ name: String, on info: ClusterInfo, ignoreMissing: Bool = false) throws {
        let path = RequestPath([info.hasComposableTemplates ? "_index_template" : "_template", name])
        try request(.DELETE, path) { (200..<300).contains($0) || (ignoreMissing && $0 == 404) }
    }

    /// The whole template as the cluster holds it (composable: the `index_template` object
    /// with `index_patterns`, `template`, `priority`, `_meta`, …; legacy: the object under its
    /// name), which `putTemplateBody` puts back as it was; nil if there is none.
    public func templateBody(_ name: String, on info: ClusterInfo) throws -> JSONValue? {
        let path = RequestPath([info.hasComposableTemplates ? "_index_template" : "_template", name])
        let (status, json) = try json(.GET, path, accept: { (200..<300).contains($0) || $0 == 404 })
        guard status != 404 else { return nil }
        return info.hasComposableTemplates ? json["index_templates"]?[0]?["index_template"] : json[name]
    }

    /// Creates or replaces template `name` with a whole body (as `templateBody` returns it, or
    /// `Recipe.templateBody` / `legacyTemplateBody` make it).
    public func putTemplateBody(_ name: String, body: JSONValue, on info: ClusterInfo) throws {
        let path = RequestPath([info.hasComposableTemplates ? "_index_template" : "_template", name])
        try request(.PUT, path, body: body.serializedBytes())
    }
}
