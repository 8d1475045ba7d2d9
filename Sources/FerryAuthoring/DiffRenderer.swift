import FerryCore

/// Text lines for diffs and mapping problems, shared by `preview`, `test` and `check`.
public struct DiffRenderer: Sendable {
    public let style: TextStyle
    /// Longest value shown, in characters (0: no limit).
    public let valueLimit: Int

    public init(style: TextStyle, valueLimit: Int = 100) {
        self.style = style
        self.valueLimit = valueLimit
    }

    /// `+ path: value`, `- path: value`, `~ path: old → new (integer → float)`.
    public func lines(_ changes: [JSONChange], indent: String = "  ") -> [String] {
        changes.map { change in
            let path = change.path.description
            switch change.kind {
            case .added:
                return indent + style.green("+ \(path): \(change.newText ?? show(change.new))")
            case .removed:
                return indent + style.red("- \(path): \(change.oldText ?? show(change.old))")
            case .changed:
                let (old, new) = showPair(change)
                let type = change.typeChange.map { " " + style.dim("(\($0))") } ?? ""
                return indent + style.yellow("~ \(path): ") + style.red(old) + style.yellow(" → ") + style.green(new) + type
            }
        }
    }

    /// A fixture mismatch: `changes` go from the expected document to the actual one.
    public func expectationLines(_ changes: [JSONChange], indent: String = "    ") -> [String] {
        changes.map { change in
            let path = change.path.description
            switch change.kind {
            case .added:
                return indent + style.green("+ \(path): \(change.newText ?? show(change.new))") + style.dim("  (not expected)")
            case .removed:
                return indent + style.red("- \(path): missing") + style.dim("  (expected \(change.oldText ?? show(change.old)))")
            case .changed:
                let (old, new) = showPair(change)
                let type = change.typeChange.map { " " + style.dim("(\($0))") } ?? ""
                return indent + style.yellow("~ \(path): ") + "expected " + style.green(old) + ", got " + style.red(new) + type
            }
        }
    }

    public func lines(_ problems: [MappingProblem], indent: String = "  ") -> [String] {
        problems.map { problem in
            switch problem.severity {
            case .rejected: indent + style.red("✗ \(problem.path): \(problem.message)")
            case .misMapped: indent + style.yellow("! \(problem.path): \(problem.message)")
            case .note: indent + style.dim("· \(problem.path): \(problem.message)")
            }
        }
    }

    private func show(_ value: JSONValue?) -> String {
        value.map { $0.compactText(limit: valueLimit) } ?? "(none)"
    }

    /// A change's two values; numbers as their documents write them.
    private func showPair(_ change: JSONChange) -> (String, String) {
        let (old, new) = showPair(change.old, change.new)
        return (change.oldText ?? old, change.newText ?? new)
    }

    /// Two long strings that share a beginning are shown from a little before their first
    /// difference, so the change is visible after truncation.
    private func showPair(_ old: JSONValue?, _ new: JSONValue?) -> (String, String) {
        guard valueLimit > 0, case .string(let a)? = old, case .string(let b)? = new,
            a.count > valueLimit || b.count > valueLimit
        else { return (show(old), show(new)) }
        let common = zip(a, b).prefix(while: { $0 == $1 }).count
        let skip = max(0, common - 20)
        func excerpt(_ s: String) -> String {
            let tail = String(s.dropFirst(skip))
            return (skip > 0 ? "\"…" : "\"") + clip(JSONValue.quoted(tail).dropFirst().dropLast().description, valueLimit) + "\""
        }
        return (excerpt(a), excerpt(b))
    }
}
