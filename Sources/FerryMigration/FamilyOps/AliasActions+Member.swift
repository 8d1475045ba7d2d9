/// One member of an index family moving inside the family aliases: the read alias spans every
/// member, so only this member leaves it and its replacement joins; the write alias moves
/// only when this member holds it (it is on the newest member alone).
import FerryCluster

extension AliasActions {
    /// `current` leaves the family aliases and `next` takes its place, in one call.
    func swapMember(from current: String, to next: String, withWriteAlias: Bool) -> [AliasAction] {
        var actions: [AliasAction] = [.remove(index: current, alias: readAlias)]
        guard withWriteAlias else { return actions + [.add(index: next, alias: readAlias, isWriteIndex: nil)] }
        if writeAlias == readAlias {
            // One alias for both: the member that takes the writes is its write index.
            return actions + [.add(index: next, alias: readAlias, isWriteIndex: true)]
        }
        actions.append(.remove(index: current, alias: writeAlias))
        return actions + add(to: next)
    }
}
