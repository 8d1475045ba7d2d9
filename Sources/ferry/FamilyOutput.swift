/// `ferry run` and `ferry plan` for a family recipe: the plan text (template diff and fit,
/// then each member and what happens to it) and the run's driver.
import ArgumentParser
import Foundation
import FerryAuthoring
import FerryCore
import FerryMigration
import FerryRecipes

/// The family plan as lines: the template change, each member oldest first, and which
/// members `selection` takes in one run.
func familyPlanLines(_ plan: FamilyPlan, selection: MemberSelection, style: TextStyle) -> [String] {
    let recipe = plan.recipe
    let template = plan.template
    var lines = ["\(recipe.name): family \(recipe.family?.pattern ?? "") behind \(recipe.readAlias) (writes: \(recipe.writeAlias)), to \(plan.targetVersion)"]
    if template.isAtTarget {
        lines.append("template \(template.name) (\(template.kind)): already at \(plan.targetVersion)")
    } else {
        lines.append("template \(template.name) (\(template.kind)): " + (template.current == nil ? "none yet; it is created" : "replaced (the old one is journaled for rollback)") + ":")
        let changes = JSONDiff.changes(from: TemplateChange.comparable(template.current), to: TemplateChange.comparable(template.target))
        lines += DiffRenderer(style: style).lines(changes, indent: "    ")
    }
    if template.misfits.isEmpty {
        lines.append("documents of the members' versions fit the \(plan.targetVersion) template's mapping")
    } else {
        lines.append("documents of the members' versions do NOT fit the \(plan.targetVersion) template's mapping (run refuses without --app-writes-target-version):")
        lines += template.misfits.map { "    " + $0 }
    }
    let chosen = Set(selection.chosen(from: plan).map(\.member.name))
    lines.append("members, oldest first:")
    for (i, member) in plan.members.enumerated() {
        let name = member.member.name
        let writes = member.member.holdsWriteAlias ? ", holds \(recipe.writeAlias)" : ""
        guard let migration = member.migration else {
            lines.append("  \(i + 1). \(name) (\(member.member.source.version)\(writes)): skip, \(member.skipReason ?? "")")
            continue
        }
        let when = chosen.contains(name) ? "" : " [not in this run: " + (selection.selects(name) ? "--max-members" : "--members") + "]"
        lines.append("  \(i + 1). \(name) (\(migration.source.version)\(writes)) → \(migration.targetIndex) via \(migration.pathDescription)\(when)")
    }
    lines.append("each member: create the new index (template aliases removed before the copy), copy, catch up, freeze writes to the member, verify its two indices (counts, sample, canaries), then one _aliases call: \(recipe.readAlias) member → new index" + (recipe.writeAlias == recipe.readAlias ? "" : " (and \(recipe.writeAlias) with the member holding it)"))
    if !plan.outsideAlias.isEmpty {
        lines.append("not members (match \(recipe.family?.pattern ?? "") but are outside \(recipe.readAlias)): \(plan.outsideAlias.joined(separator: ", "))")
    }
    return lines
}

extension RunCommand {
    /// `ferry run` for a family recipe.
    func runFamily(_ recipe: Recipe) throws {
        guard MigrationMode(rawValue: mode)?.migratesFamilyMembers == true else {
            throw ValidationError("a family's members are migrated blue-green; --mode \(mode) is for single indices")
        }
        guard !restart else {
            throw ValidationError("--restart is for single indices: a family run continues each member where it stopped; `ferry rollback \(recipe.name) --yes` undoes it")
        }
        let runner = try FamilyRunner(recipe: recipe, cluster: try global.clusterConfig(), journal: try global.journal())
        let options = runOptions
        let display = attachOutput(runner.migrator)
        let start = try runner.prepare(options)
        switch start {
        case .upToDate(let plan):
            printOut("\(recipe.name) is already at \(plan.targetVersion): the template and every member; nothing to do")
            return
        case .resume(let record, _):
            printOut("continuing family run \(record.familyRunID) (\(record.phase.rawValue)) to \(record.targetVersion)")
        case .new(let plan):
            familyPlanLines(plan, selection: options.members, style: TextStyle.forTerminal(STDOUT_FILENO, noColor: false)).forEach(printOut)
            try confirm(yes, "proceed?")
        }
        let report = try runner.execute(start, options: options)
        display.finishLine()
        printOut("done")
        report.lines.forEach { printOut("  " + $0) }
    }
}
