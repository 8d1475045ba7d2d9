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
    /// body for the target version.
    public init(live: JSONValue, target: JSONValue, sameVersion: Bool) {
        let changes = Self.nonAdditiveChanges(live["properties"] ?? [:], target["mappings"]?["properties"] ?? [:], path: "")
        var inPlace: Verdict
        if sameVersion {
            inPlace = Verdict(mode: .inPlace, allowed: false, reason: "nothing to change in place")
        } else if changes.isEmpty {
            inPlace = Verdict(mode: .inPlace, allowed: true, reason: "the change is additive: every existing field keeps its definition")
        } else {
            let shown = changes.prefix(3).joined(separator: "; ")
            inPlace = Verdict(mode: .inPlace, allowed: false, reason: "not additive: \(shown)\(changes.count > 3 ? "; …" : "")")
        }
        if let analysis = target["settings"]?["index"]?["analysis"] ?? target["settings"]?["analysis"], !sameVersion, inPlace.allowed {
            inPlace = Verdict(mode: .inPlace, allowed: false, reason: "the target declares analysis settings (\(analysis.objectValue?.keys.sorted().joined(separator: ", ") ?? "")), which an open index cannot change")
        }
        verdicts = [
            Verdict(mode: .blueGreen, allowed: true, reason: "always: a new index, a short write freeze at the switch"),
            Verdict(mode: .writeNewFirst, allowed: true, reason: "if the application writes new-version documents from the start and deletes through both indices"),
            inPlace,
        ]
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
