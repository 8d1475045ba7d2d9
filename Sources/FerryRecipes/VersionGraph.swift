import FerryCore

/// The versions of a recipe and the steps between them.
public struct VersionGraph: Sendable {
    public let versions: [String]
    public let steps: [StepSpec]

    public init(versions: [String], steps: [StepSpec]) {
        self.versions = versions
        self.steps = steps
    }

    /// The fewest steps that turn a `from` document into a `to` document (breadth-first, so a
    /// direct edge wins over a chain). Ties go to the step declared first. Empty when equal.
    public func path(from: String, to: String) throws(RecipeError) -> [StepSpec] {
        guard versions.contains(from) else {
            throw RecipeError("unknown version \(from); the recipe declares \(versions.joined(separator: ", "))")
        }
        guard versions.contains(to) else {
            throw RecipeError("unknown version \(to); the recipe declares \(versions.joined(separator: ", "))")
        }
        if from == to { return [] }
        var cameBy: [String: StepSpec] = [:]
        var frontier = [from]
        var seen: Set<String> = [from]
        while !frontier.isEmpty {
            var next: [String] = []
            for version in frontier {
                for step in steps where step.from == version && !seen.contains(step.to) {
                    seen.insert(step.to)
                    cameBy[step.to] = step
                    next.append(step.to)
                }
            }
            if seen.contains(to) { break }
            frontier = next
        }
        guard cameBy[to] != nil else {
            let edges = steps.map(\.label).joined(separator: ", ")
            throw RecipeError("no path of steps from \(from) to \(to) (steps: \(edges.isEmpty ? "none" : edges))")
        }
        var path: [StepSpec] = []
        var version = to
        while version != from, let step = cameBy[version] {
            path.append(step)
            version = step.from
        }
        return path.reversed()
    }
}
