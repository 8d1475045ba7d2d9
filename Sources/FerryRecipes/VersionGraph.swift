import FerryCore

/// The versions of a recipe and the steps between them, forward (to a later version in the
/// order `versions` lists them) and reverse (back to an earlier one, for rollback).
public struct VersionGraph: Sendable {
    public enum Direction: String, Sendable {
        case forward, reverse
    }

    public let versions: [String]
    public let steps: [StepSpec]

    public init(versions: [String], steps: [StepSpec]) {
        self.versions = versions
        self.steps = steps
    }

    /// The direction of an edge or a path from `from` to `to`; nil when equal or unknown.
    public func direction(from: String, to: String) -> Direction? {
        guard let a = versions.firstIndex(of: from), let b = versions.firstIndex(of: to), a != b else { return nil }
        return a < b ? .forward : .reverse
    }

    public var forwardSteps: [StepSpec] { steps.filter { direction(from: $0.from, to: $0.to) == .forward } }
    public var reverseSteps: [StepSpec] { steps.filter { direction(from: $0.from, to: $0.to) == .reverse } }

    /// The fewest steps that turn a `from` document into a `to` document, using only edges
    /// that go the same way (forward edges to a later version, reverse edges to an earlier
    /// one). So an upgrade never overshoots and comes back through a lossy reverse step, and
    /// a path never visits a version twice. Breadth-first, so a direct edge wins over a chain;
    /// ties go to the step declared first. Empty when equal.
    public func path(from: String, to: String) throws(RecipeError) -> [StepSpec] {
        for version in [from, to] where !versions.contains(version) {
            throw RecipeError("unknown version \(version); the recipe declares \(versions.joined(separator: ", "))")
        }
        guard let direction = direction(from: from, to: to) else { return [] }
        let usable = steps.filter { self.direction(from: $0.from, to: $0.to) == direction }
        var cameBy: [String: StepSpec] = [:]
        var frontier = [from]
        var seen: Set<String> = [from]
        while !frontier.isEmpty, !seen.contains(to) {
            var next: [String] = []
            for version in frontier {
                for step in usable where step.from == version && !seen.contains(step.to) {
                    seen.insert(step.to)
                    cameBy[step.to] = step
                    next.append(step.to)
                }
            }
            frontier = next
        }
        guard cameBy[to] != nil else { throw noPath(from: from, to: to, direction: direction) }
        var path: [StepSpec] = []
        var version = to
        while version != from, let step = cameBy[version] {
            path.append(step)
            version = step.from
        }
        return path.reversed()
    }

    private func noPath(from: String, to: String, direction: Direction) -> RecipeError {
        let usable = direction == .forward ? forwardSteps : reverseSteps
        let edges = usable.map(\.label).joined(separator: ", ")
        switch direction {
        case .forward:
            return RecipeError("no path of steps from \(from) to \(to) (steps: \(edges.isEmpty ? "none" : edges))")
        case .reverse:
            return RecipeError(
                "no path of steps from \(from) back to \(to) (reverse steps: \(edges.isEmpty ? "none" : edges))",
                hint: "declare reverse steps in recipe.lua, e.g. { from = \"\(from)\", to = \"\(versions[versions.firstIndex(of: from)! - 1])\", script = \"steps/...\" }")
        }
    }
}
