import Foundation
import FerryCore
import FerryRecipes

/// `ferry check`'s cross-checks of recipe.lua settings against the mappings and fixtures:
/// stray mapping files, `changed_field`, `version_field`.
extension RecipeChecker {
    /// A mapping file for a version `versions` does not list is usually a version someone
    /// forgot to add (its steps then never run).
    func strayMappings(_ recipe: Recipe) -> [CheckItem] {
        let folder = "\(recipe.folder)/mappings"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return files.compactMap { file in
            let version = String(file.dropLast(5))
            guard !recipe.versions.contains(version) else { return nil }
            return CheckItem("mapping", .warn, "\(folder)/\(file): \(version) is not in 'versions' (\(recipe.versions.joined(separator: ", "))) in \(recipe.folder)/recipe.lua, so nothing uses this mapping")
        }
    }

    /// Catch-up passes query `range <changed_field> >= <epoch millis>` on the source index: a
    /// field the mapping lacks matches nothing (changed documents wait for the frozen pass),
    /// and one that is not a date does not take that range.
    func checkChangedField(_ recipe: Recipe, _ mappings: [String: MappingChecker]) -> [CheckItem] {
        guard let field = recipe.changedField else { return [] }
        return recipe.versions.compactMap { version -> CheckItem? in
            guard let checker = mappings[version] else { return nil }
            let path = recipe.mappingPath(for: version)
            guard let definition = checker.definition(of: field) else {
                return CheckItem("changed field", .warn, "\(path): changed_field \(field) is not in this mapping: catch-up passes from \(version) would find no changed documents")
            }
            let type = definition["type"]?.stringValue ?? "object"
            guard type == "date" || type == "date_nanos" else {
                return CheckItem("changed field", .warn, "\(path): changed_field \(field) is mapped as \(type), not date: catch-up's range query in epoch milliseconds does not fit it")
            }
            return nil
        }
    }

    /// `version_field` is how an in-place run tells migrated documents: a chain to a version
    /// whose mapping has the field must set it to that version. Fixture outputs show whether
    /// the steps do. (A version whose mapping lacks it cannot be an in-place target at all.)
    func checkVersionField(_ recipe: Recipe, _ results: [FixtureResult], mappings: [String: MappingChecker]) -> [CheckItem] {
        guard let field = recipe.versionField else { return [] }
        var lacking: [String: [String]] = [:]
        for result in results {
            guard let fixture = result.fixture, case .kept(let doc, _)? = result.actual,
                  mappings[fixture.to]?.declares(field) == true else { continue }
            if doc[field]?.stringValue != fixture.to { lacking[fixture.to, default: []].append(fixture.name) }
        }
        return lacking.sorted { $0.key < $1.key }.map { version, names in
            let shown = names.sorted().prefix(3).joined(separator: ", ") + (names.count > 3 ? " and \(names.count - 3) more" : "")
            return CheckItem(
                "version field", .warn,
                "\(recipe.folder)/recipe.lua: version_field is \(field) and the \(version) mapping has it, but the outputs of fixtures ending at \(version) do not set it to \"\(version)\" (\(shown)): an in-place run to \(version) could not tell migrated documents")
        }
    }
}
