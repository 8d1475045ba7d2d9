import ArgumentParser
import FerryMigration

/// The flags every command that copies documents shares (`run`, `rollback`): they mean the same
/// in both, and in every pass.
struct CopyOptions: ParsableArguments {
    @Option(name: .customLong("max-errors"), help: "Failed documents (dead letters) the run may have and still switch.")
    var maxErrors: Int = 0

    @Option(help: "Transform workers, each with its own Lua state.")
    var workers: Int = 1

    @Option(help: "Bulk writers, each with its own connection.")
    var writers: Int = 1

    @Option(name: .customLong("freeze-threshold"), help: "Catch-up passes end, and writes freeze for the switch, once a pass finds at most this many changes.")
    var freezeThreshold: Int = 1_000

    @Option(name: .customLong("max-freeze"), help: ArgumentHelp(
        "The longest writes to the index being left may stay blocked for the switch, in seconds. Every request under the block gets a timeout from what is left; past it the block is lifted, catch-up runs again and writes freeze again (at most 3 times).",
        valueName: "seconds"))
    var maxFreeze: Double = 30

    @Option(name: .customLong("max-docs-per-second"), help: ArgumentHelp(
        "Copy at most this many documents per second, steadily, over every copy pass but the frozen one (like _reindex's requests_per_second; bulk requests get smaller so the pace stays even). On HTTP 429 the pace halves, then climbs back. For runs that share the cluster with the application over hours or days.",
        valueName: "docs"))
    var maxDocsPerSecond: Double?

    @Option(help: ArgumentHelp(
        "How copy passes read the source: 'auto' (default) reads by point in time + search_after where the cluster pages that way, else by sliced scroll; 'scroll' always scrolls. On osmem, scroll while the application writes during the run: there the first write after each point in time is opened copies the whole index (docs/compatibility.md).",
        valueName: "auto|scroll"))
    var reader: ReaderChoice = .auto

    func validate() throws {
        guard maxFreeze > 0 else { throw ValidationError("--max-freeze must be more than 0 seconds") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be between 1 and 64") }
        guard (1...64).contains(writers) else { throw ValidationError("--writers must be between 1 and 64") }
        guard maxErrors >= 0 else { throw ValidationError("--max-errors must be 0 or more") }
        if let rate = maxDocsPerSecond, !(rate >= 1) {
            throw ValidationError("--max-docs-per-second must be 1 or more")
        }
    }

    func apply(to options: inout RunOptions) {
        options.maxErrors = maxErrors
        options.workers = workers
        options.writers = writers
        options.freezeThreshold = freezeThreshold
        options.maxFreeze = .milliseconds(Int64(maxFreeze * 1000))
        options.maxDocsPerSecond = maxDocsPerSecond
        options.reader = reader
    }
}

extension ReaderChoice: ExpressibleByArgument {}
