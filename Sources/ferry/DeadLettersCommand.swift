import ArgumentParser
import Foundation
import FerryCore
import FerryMigration

struct DeadLettersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadletters",
        abstract: "List the documents a run could not migrate, or export them for a fix-and-replay.",
        discussion: """
            Each dead letter is a document that failed its Lua step or was rejected by the \
            cluster: its id, the step or index, the error type, HTTP status and message. \
            --export FILE writes them as NDJSON {"_id":…,"_source":…} with the original source \
            (- for stdout), ready for `ferry transform` or a bulk load once fixed.

            --retry runs the dead-lettered documents again, after you fixed the step or the \
            data: their current source (read from the run's source index; when that index \
            is gone, the original source the journal stored with each dead letter, and it \
            says so) through the recipe's current steps into the run's target, with the run's write (versioned: a \
            newer write in the target wins), also after the switch. A changed recipe is \
            expected here and journaled. Each document that is written or dropped loses its \
            dead letter; one that fails again gets the new failure. It prints how many \
            succeeded and which still fail, and exits 3 if any still fail.

            Examples:
              ferry deadletters blog_posts
              ferry deadletters blog_posts --export failed.ndjson
              ferry deadletters blog_posts --retry
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recipe.")
    var recipe: String

    @Option(name: .customLong("run"), help: "The run id (default: the latest).")
    var runID: String?

    @Option(help: ArgumentHelp("Write the dead letters as NDJSON to this file (- for stdout).", valueName: "file"))
    var export: String?

    @Flag(help: "Run the dead-lettered documents through the current steps into the run's target again.")
    var retry = false

    func validate() throws {
        if retry && export != nil { throw ValidationError("--retry and --export do not go together") }
    }

    func run() throws {
        global.bootstrapLogging()
        try reporting {
            let journal = try global.journal()
            guard let record = try journal.run(recipe: recipe, id: runID) else {
                throw FerryError(runID.map { "no run \($0) of recipe \(recipe) in \(global.statePath)" } ?? "no runs of recipe \(recipe) in \(global.statePath)")
            }
            if retry {
                let migrator = try Migrator(recipe: try global.catalog().load(recipe), cluster: try global.clusterConfig(), journal: journal)
                let display = ProgressDisplay()
                migrator.say = { display.finishLine(); printOut($0) }
                migrator.progress = { label, counts in display.update(label: label, counts: counts) }
                let outcome = try migrator.retryDeadLetters(record, options: RunOptions())
                display.finishLine()
                outcome.lines.forEach(printOut)
                // 3, as for a run: documents still failing (their letters hold the new failure).
                if !outcome.stillFailing.isEmpty { throw ExitCode(3) }
                return
            }
            let letters = try journal.deadLetters(record.runID)
            if let export {
                var out = Data()
                for letter in letters {
                    out.append(contentsOf: Array("{\"_id\":\(JSONValue.quoted(letter.id)),\"_source\":".utf8))
                    out.append(contentsOf: letter.source ?? Array("null".utf8))
                    out.append(contentsOf: Array("}\n".utf8))
                }
                if export == "-" {
                    FileHandle.standardOutput.write(out)
                } else {
                    try out.write(to: URL(fileURLWithPath: export))
                    printOut("exported \(letters.count) dead letter(s) of run \(record.runID) to \(export)")
                }
                return
            }
            printOut("run \(record.runID) (\(record.phase.rawValue)): \(letters.count) dead letter(s)")
            for letter in letters {
                let status = letter.status.map { " HTTP \($0)" } ?? ""
                printOut("  \(letter.id)  \(letter.stage) \(letter.location)\(status) \(letter.errorType): \(letter.message)")
            }
        }
    }
}

/// Asks on a terminal; refuses without --yes otherwise.
func confirm(_ yes: Bool, _ question: String) throws {
    if yes { return }
    guard isatty(STDIN_FILENO) == 1 else {
        throw FerryError("not going on without confirmation", hint: "pass --yes to run non-interactively")
    }
    print("\(question) [y/N] ", terminator: "")
    fflush(nil)
    let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
    guard answer == "y" || answer == "yes" else { throw FerryError("cancelled; nothing changed") }
}
