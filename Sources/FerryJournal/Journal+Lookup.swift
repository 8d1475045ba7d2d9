/// Finding "the run" an operator command is about: the one named by `--run`, else the latest.
import FerryCore
import FerryPipeline

extension Journal {
    /// Run `id` of `recipe`, or its latest run when `id` is nil; nil when there is none.
    public func run(recipe: String, id: String?) throws -> RunRecord? {
        guard let id else { return try latestRun(recipe: recipe) }
        return try runs(recipe: recipe, limit: 1000).first { $0.runID == id }
    }
}
