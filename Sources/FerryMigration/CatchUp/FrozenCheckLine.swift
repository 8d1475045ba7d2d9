/// What the check under the freeze says it found, in the counts the cluster and the journal
/// confirm: documents in the target, dropped by the steps, and dead letters.
import FerryJournal

enum FrozenCheckLine {
    static func text(_ sourceCount: Int, inTarget: Int, target: String, recipe: String, journal: Journal, runID: String) throws -> String {
        let dropped = try journal.droppedCount(runID)
        let letters = try journal.deadLetterCount(runID)
        let parts = "\(inTarget) in \(target) at their version, \(dropped) dropped by the steps, \(letters) dead letter\(letters == 1 ? "" : "s")"
        guard inTarget + dropped + letters == sourceCount else {
            return "checked under the freeze: of \(sourceCount) source documents, \(parts); these do not add up to \(sourceCount)"
        }
        return "verified under the freeze: the \(sourceCount) source documents are \(parts); nothing extra"
            + (letters > 0 ? " (`ferry deadletters \(recipe)` lists the dead letters)" : "")
    }
}
