import FerryCore
import FerryRecipes

/// How a run moves the data (docs/modes.md has the guarantees of each).
public enum MigrationMode: String, Sendable, CaseIterable {
    /// Copy into a new index while the application writes to the old one; catch up, freeze
    /// writes briefly, verify, switch both aliases at once. The default.
    case blueGreen = "blue-green"
    /// Move the write alias to the new index first (the read alias spans both), backfill with
    /// `op_type=create` so live writes win, delete each copied batch from the old index.
    case writeNewFirst = "write-new-first"
    /// Additive mapping changes only: put the new fields on the same index and rewrite each
    /// document where it is, conditionally on its `_seq_no`.
    case inPlace = "in-place"
}

extension MigrationMode {
    /// Whether `ferry run` can migrate an index family's members in this mode.
    public var migratesFamilyMembers: Bool { strategy.migratesFamilyMembers }

    /// The mode a journaled run was started in (runs journaled before modes existed were blue-green).
    init(record plan: PlanRecord) {
        self = MigrationMode(rawValue: plan.mode) ?? .blueGreen
    }
}

/// Which modes a mapping change allows, and why.
public struct ModeAnalysis: Sendable {
    public struct Verdict: Sendable {
        public let mode: MigrationMode
        public let allowed: Bool
        public let reason: String
    }

    public let verdicts: [Verdict]

    public func allows(_ mode: MigrationMode) -> Bool {
        verdicts.first { $0.mode == mode }?.allowed ?? false
    }

    public func verdict(_ mode: MigrationMode) -> Verdict {
        verdicts.first { $0.mode == mode }!
    }

    /// `live`: the source index's mapping as the cluster has it; `target`: the recipe's mapping
    /// body for the target version; `recipe`, when known, for what the mode needs of it (in-place:
    /// a `version_field`). Each mode's strategy gives its own verdict.
    public init(live: JSONValue, target: JSONValue, sameVersion: Bool, recipe: Recipe? = nil) {
        verdicts = MigrationMode.allCases.map {
            $0.strategy.verdict(live: live, target: target, sameVersion: sameVersion, recipe: recipe)
        }
    }

    /// Field paths whose definition differs between `live` and `target` (removed or changed
    /// fields); fields only in `target` are additions and fine.
    static func nonAdditiveChanges(_ live: JSONValue, _ target: JSONValue, path: String) -> [String] {
        guard let liveFields = live.objectValue else { return [] }
        let targetFields = target.objectValue ?? [:]
        var out: [String] = []
        for (name, definition) in liveFields.sorted(by: { $0.key < $1.key }) {
            let field = path.isEmpty ? name : "\(path).\(name)"
            guard let other = targetFields[name] else {
                out.append("\(field) is removed")
                continue
            }
            if let properties = definition["properties"] {
                out += nonAdditiveChanges(properties, other["properties"] ?? [:], path: field)
                var shallow = definition.objectValue ?? [:]
                var otherShallow = other.objectValue ?? [:]
                shallow["properties"] = nil
                otherShallow["properties"] = nil
                if JSONValue.object(shallow) != JSONValue.object(otherShallow) { out.append("\(field) changes its object settings") }
            } else if definition != other {
                let from = definition["type"]?.stringValue ?? "?"
                let to = other["type"]?.stringValue ?? "?"
                out.append(from == to ? "\(field) changes its parameters" : "\(field) changes type \(from) → \(to)")
            }
        }
        return out
    }
}
