import FerryCore

// Text and JSON forms of the preview, test and check reports. The CLI only prints these.

extension PreviewReport {
    public func lines(renderer: DiffRenderer, mappingFile: String) -> [String] {
        let style = renderer.style
        var out = [
            "preview \(recipe): \(summary.previewed) document\(summary.previewed == 1 ? "" : "s") of \(sourceIndex) (\(fromVersion)) through \(path), checked against \(mappingFile)",
        ]
        if !selection.isEmpty { out.append("documents: \(selection)") }
        out.append("")
        for doc in documents {
            out += doc.lines(renderer: renderer)
            out.append("")
        }
        for id in summary.missingIDs {
            out.append(style.yellow("\(id): not found in \(sourceIndex)"))
        }
        if !summary.missingIDs.isEmpty { out.append("") }
        let s = summary
        out.append(
            "summary: \(s.previewed) previewed, \(s.changed) changed, \(s.unchanged) unchanged, \(s.dropped) dropped, \(s.failed) failed; "
                + "mapping problems \(s.mappingProblems) (\(s.rejectedFields) rejected, \(s.misMappedFields) mis-mapped, in \(s.documentsWithMappingProblems) document\(s.documentsWithMappingProblems == 1 ? "" : "s"))")
        if s.previewed == 0 {
            out.append(style.yellow("nothing to preview: no documents matched"))
        } else if s.isSafe {
            out.append(style.green("safe to run: every previewed document transforms and fits the \(toVersion) mapping"))
        } else {
            var reasons: [String] = []
            if s.failed > 0 { reasons.append("\(s.failed) document\(s.failed == 1 ? "" : "s") failed") }
            if s.rejectedFields > 0 { reasons.append("the cluster would reject \(s.rejectedFields) field value\(s.rejectedFields == 1 ? "" : "s")") }
            if s.misMappedFields > 0 { reasons.append("\(s.misMappedFields) field value\(s.misMappedFields == 1 ? " is" : "s are") silently mis-mapped") }
            out.append(style.red("NOT safe to run: " + reasons.joined(separator: ", ")))
        }
        return out
    }

    public var json: JSONValue {
        [
            "recipe": .string(recipe), "source_index": .string(sourceIndex), "from": .string(fromVersion),
            "to": .string(toVersion), "path": .string(path), "documents": .array(documents.map(\.json)),
            "summary": summary.json, "selection": .string(selection),
        ]
    }
}

extension DocumentPreview {
    func lines(renderer: DiffRenderer) -> [String] {
        let style = renderer.style
        var out: [String] = []
        switch outcome {
        case .changed:
            let added = changes.filter { $0.kind == .added }.count
            let removed = changes.filter { $0.kind == .removed }.count
            let changed = changes.filter { $0.kind == .changed }.count
            let counts = [(added, "added"), (removed, "removed"), (changed, "changed")].filter { $0.0 > 0 }
                .map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            out.append(style.bold(id) + "  changed: \(counts)")
        case .unchanged:
            out.append(style.bold(id) + "  unchanged")
        case .dropped(let step):
            out.append(style.bold(id) + "  " + style.yellow("dropped by step \(step)"))
        case .failed(let message):
            out.append(style.bold(id) + "  " + style.red("FAILED"))
            out.append("  " + style.red(message))
        }
        if steps.isEmpty {
            out += renderer.lines(changes)
        } else {
            for snapshot in steps {
                if let error = snapshot.error {
                    out.append("  " + style.cyan("after \(snapshot.step):") + " " + style.red("failed: \(error)"))
                } else if let document = snapshot.document {
                    out.append("  " + style.cyan("after \(snapshot.step):") + " " + style.dim(document.compactText(limit: renderer.valueLimit * 3)))
                    out += renderer.lines(snapshot.changes, indent: "    ")
                } else {
                    out.append("  " + style.cyan("after \(snapshot.step):") + " " + style.yellow("dropped"))
                }
            }
        }
        if after != nil {
            let problems = mapping.filter(\.isProblem)
            let notes = mapping.filter { !$0.isProblem }
            if problems.isEmpty {
                out.append("  " + style.green("mapping: ok") + (notes.isEmpty ? "" : style.dim(" (\(notes.count) note\(notes.count == 1 ? "" : "s"))")))
            } else {
                out.append("  " + style.red("mapping: \(problems.count) problem\(problems.count == 1 ? "" : "s")"))
            }
            out += renderer.lines(mapping, indent: "    ")
        }
        return out
    }

    public var json: JSONValue {
        var out: [String: JSONValue] = ["id": .string(id), "index": .string(index), "before": before]
        switch outcome {
        case .changed: out["outcome"] = "changed"
        case .unchanged: out["outcome"] = "unchanged"
        case .dropped(let step):
            out["outcome"] = "dropped"
            out["dropped_by"] = .string(step)
        case .failed(let message):
            out["outcome"] = "failed"
            out["error"] = .string(message)
        }
        if let after { out["after"] = after }
        out["diff"] = .array(changes.map(\.json))
        out["mapping"] = .array(mapping.map(\.json))
        if !steps.isEmpty {
            out["steps"] = .array(steps.map { snapshot in
                var s: [String: JSONValue] = ["step": .string(snapshot.step), "diff": .array(snapshot.changes.map(\.json))]
                if let document = snapshot.document { s["document"] = document }
                if let error = snapshot.error { s["error"] = .string(error) }
                if snapshot.document == nil, snapshot.error == nil { s["dropped"] = true }
                return .object(s)
            })
        }
        return .object(out)
    }
}

/// `ferry test` output.
public enum FixtureReport {
    public static func lines(_ results: [FixtureResult], renderer: DiffRenderer, verbose: Bool) -> [String] {
        let style = renderer.style
        var out: [String] = []
        for result in results where !result.notRun {
            let about = result.description.isEmpty ? "" : style.dim("  \(result.description)")
            if result.passed {
                if verbose { out.append(style.green("PASS") + " \(result.name)" + about) }
                continue
            }
            out.append(style.red("FAIL") + " \(result.path)" + about)
            out.append("  " + (result.failure ?? ""))
            out += renderer.expectationLines(result.changes)
        }
        for (message, names) in FixtureResult.notRunGroups(results) {
            out.append(style.red("FAIL") + " \(names.count) fixture\(names.count == 1 ? "" : "s") could not run: " + style.red(message))
            out.append("  " + style.dim(names.joined(separator: ", ")))
        }
        let failed = results.filter { !$0.passed }.count
        let line = "\(results.count - failed) passed, \(failed) failed (\(results.count) fixture\(results.count == 1 ? "" : "s"))"
        out.append(failed == 0 ? style.green(line) : style.red(line))
        return out
    }

    public static func json(recipe: String, _ results: [FixtureResult]) -> JSONValue {
        let failed = results.filter { !$0.passed }.count
        return [
            "recipe": .string(recipe), "passed": .int(Int64(results.count - failed)), "failed": .int(Int64(failed)),
            "fixtures": .array(results.map(\.json)),
        ]
    }
}

/// `ferry check` output.
public enum CheckReport {
    public static func lines(_ items: [CheckItem], style: TextStyle) -> [String] {
        var out: [String] = []
        for item in items {
            let mark =
                switch item.status {
                case .pass: style.green("ok  ")
                case .warn: style.yellow("warn")
                case .fail: style.red("FAIL")
                }
            out.append("\(mark) \(item.check): \(item.message)")
            out += item.details
        }
        let failed = items.filter { $0.status == .fail }.count
        let warned = items.filter { $0.status == .warn }.count
        let line = "\(items.count - failed - warned) ok, \(warned) warning\(warned == 1 ? "" : "s"), \(failed) failed"
        out.append(failed == 0 ? style.green(line) : style.red(line))
        return out
    }

    public static func json(recipe: String, _ items: [CheckItem]) -> JSONValue {
        [
            "recipe": .string(recipe), "ok": .bool(!items.contains { $0.status == .fail }),
            "checks": .array(items.map(\.json)),
        ]
    }
}
