/// The one builder of `_aliases` actions for a recipe's read and write aliases (which may be
/// one name): init, the blue-green switch, the write-new-first move, retiring an index, rollback.
import FerryCluster
import FerryRecipes

struct AliasActions {
    let readAlias: String
    let writeAlias: String

    init(recipe: Recipe) {
        readAlias = recipe.readAlias
        writeAlias = recipe.writeAlias
    }

    private var separateWriteAlias: Bool { writeAlias != readAlias }

    /// Both aliases onto `index`, which takes the writes.
    func add(to index: String) -> [AliasAction] {
        guard separateWriteAlias else { return [.add(index: index, alias: readAlias, isWriteIndex: true)] }
        return [
            .add(index: index, alias: readAlias, isWriteIndex: nil),
            .add(index: index, alias: writeAlias, isWriteIndex: true),
        ]
    }

    /// Both aliases move from `source` to `target` in one call. A concrete index named like
    /// the read alias is removed so the alias can take its name.
    func switchOver(from source: SourceState, to target: String) -> [AliasAction] {
        var actions: [AliasAction] = source.isConcreteIndex
            ? [.removeIndex(index: source.index)]
            : [.remove(index: source.index, alias: readAlias)]
        if separateWriteAlias {
            actions += source.writeAliasIndices.map { .remove(index: $0, alias: writeAlias) }
        }
        return actions + add(to: target)
    }

    /// Writes go to `target`, reads see `source` and `target` (write-new-first).
    func moveWrites(from source: SourceState, to target: String) -> [AliasAction] {
        guard separateWriteAlias else {
            return [
                .add(index: source.index, alias: readAlias, isWriteIndex: false),
                .add(index: target, alias: readAlias, isWriteIndex: true),
            ]
        }
        return source.writeAliasIndices.map { .remove(index: $0, alias: writeAlias) } + [
            .add(index: target, alias: writeAlias, isWriteIndex: true),
            .add(index: target, alias: readAlias, isWriteIndex: nil),
        ]
    }

    /// Both aliases back from `current` to `previous` (rollback after a switch).
    func switchBack(from current: String, to previous: String) -> [AliasAction] {
        var actions: [AliasAction] = [.remove(index: current, alias: readAlias)]
        if separateWriteAlias { actions.append(.remove(index: current, alias: writeAlias)) }
        return actions + add(to: previous)
    }

    /// One family member's switch, from where the aliases are (so a resumed switch finishes
    /// what is left): the read alias leaves `member` for `target`, and the write alias moves
    /// with it when `movesWrites` (the member held it when its unit started) and the member
    /// still holds it (after a rollover meanwhile it stays where the application put it).
    /// Empty when it is done already.
    func swapMember(_ member: String, to target: String, movesWrites: Bool, memberAliases: [String], targetAliases: [String]) -> [AliasAction] {
        var actions: [AliasAction] = []
        let writeMoves = movesWrites && separateWriteAlias && memberAliases.contains(writeAlias)
        let moving = writeMoves ? [readAlias, writeAlias] : [readAlias]
        for alias in moving where memberAliases.contains(alias) { actions.append(.remove(index: member, alias: alias)) }
        for alias in moving where !targetAliases.contains(alias) {
            let writes = movesWrites && (alias == writeAlias)
            actions.append(.add(index: target, alias: alias, isWriteIndex: writes ? true : nil))
        }
        return actions
    }

    /// `index` leaves each of `aliases`.
    func remove(_ index: String, from aliases: [String]) -> [AliasAction] {
        aliases.map { .remove(index: index, alias: $0) }
    }
}

extension ResolvedName {
    /// Whether a switch from `source` to `target` is done, as the read alias resolves now: it
    /// holds `target` and no longer `source` (a single index's alias holds only `target`; a
    /// family's alias spans the other members too).
    func hasSwitched(from source: String, to target: String) -> Bool {
        guard case .alias(let indices) = self else { return false }
        return indices.contains(target) && !indices.contains(source)
    }
}
