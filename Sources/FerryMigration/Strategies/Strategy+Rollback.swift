/// What `ferry rollback` means after each mode's switch, and whether it needs reverse steps:
/// one line per mode for `ferry plan` (docs/operations.md, "Rolling back").
import FerryCore
import FerryRecipes

extension MigrationPlan {
    /// The recipe's reverse path from the target version back to the source version, in words.
    var reversePathText: String {
        if steps.isEmpty { return "no steps needed (same version)" }
        do {
            let back = try recipe.graph.path(from: targetVersion, to: source.version)
            return "reverse steps " + ([back[0].from] + back.map(\.to)).joined(separator: " → ")
        } catch {
            return "NO reverse steps from \(targetVersion) to \(source.version)"
        }
    }

    /// What rolling back after this plan's switch would do, for `ferry plan`.
    public var rollbackMeaning: String { strategy.rollbackMeaning(self) }
}

extension BlueGreenStrategy {
    func rollbackMeaning(_ plan: MigrationPlan) -> String {
        let old = plan.preservedIndex ?? plan.source.index
        return "aliases back to \(old); documents the application changes in \(plan.targetIndex) after the switch go back through the \(plan.reversePathText)"
            + (plan.reversePathText.hasPrefix("NO") ? " — so after such writes rollback refuses unless --discard-writes-since-switch" : "")
    }
}

extension WriteNewFirstStrategy {
    func rollbackMeaning(_ plan: MigrationPlan) -> String {
        "no rollback point: \(plan.source.index) is drained and deleted; going back is a new migration to \(plan.source.version) (needs \(plan.reversePathText.hasPrefix("NO") ? "reverse steps, which the recipe lacks" : "the \(plan.reversePathText)"))"
    }
}

extension InPlaceStrategy {
    func rollbackMeaning(_ plan: MigrationPlan) -> String {
        "no rollback point: documents are rewritten where they are; going back is a new migration to \(plan.source.version) (needs \(plan.reversePathText.hasPrefix("NO") ? "reverse steps, which the recipe lacks" : "the \(plan.reversePathText)"))"
    }
}
