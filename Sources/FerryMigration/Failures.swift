import FerryCluster
import FerryCore

/// A copy pass that stopped: why, and the first documents that failed. The run's state is
/// in the journal; running the same command again continues it.
public struct CopyFailed: UserFacingError {
    public let cause: any Error
    public let failures: [DocumentFailure]
    public let counts: CopyCounts
    public let runID: String
    public let recipe: String
    /// The pass that stopped ("copy", "catch-up 2", "backfill", …).
    public var pass: String = "copy"

    public init(cause: any Error, failures: [DocumentFailure], counts: CopyCounts, runID: String, recipe: String, pass: String = "copy") {
        self.cause = cause
        self.failures = failures
        self.counts = counts
        self.runID = runID
        self.recipe = recipe
        self.pass = pass
    }

    public var description: String {
        var lines = [String(describing: cause)]
        if !failures.isEmpty {
            lines += failures.prefix(10).map { "  \($0)" }
            if counts.failed > 10 { lines.append("  … \(counts.failed - 10) more in `ferry deadletters \(recipe)`") }
        }
        lines.append("run \(runID) stopped during the \(pass); the aliases were not switched")
        return lines.joined(separator: "\n")
    }

    public var hint: String? {
        if cause is TooManyFailures {
            return "fix the recipe and `ferry run \(recipe) --restart`, or accept them with --max-errors N; `ferry deadletters \(recipe)` lists them"
        }
        return "`ferry run \(recipe)` continues the run; `ferry status \(recipe)` shows where it stands"
    }

    /// Whether the copy stopped because the cluster could not be reached or kept failing.
    public var isClusterUnavailable: Bool {
        if cause is ClusterOverloaded { return true }
        guard let error = cause as? ClusterError else { return false }
        return error.isUnavailable
    }
}

/// More documents failed than `--max-errors` allows: the run stays before the switch.
public struct DocumentsFailed: UserFacingError {
    public let runID: String
    public let recipe: String
    public let failed: Int
    public let maxErrors: Int
    public let sample: [DeadLetter]

    public var description: String {
        var lines = ["\(failed) document(s) failed, more than --max-errors \(maxErrors) allows; the aliases were not switched"]
        lines += sample.map { letter in
            let status = letter.status.map { "HTTP \($0) " } ?? ""
            return "  document \(letter.id): \(letter.stage == "write" ? "rejected by \(letter.location): \(status)\(letter.errorType): " : "")\(letter.message)"
        }
        if failed > sample.count { lines.append("  … \(failed - sample.count) more") }
        return lines.joined(separator: "\n")
    }

    public var hint: String? {
        "`ferry deadletters \(recipe)` lists and exports them; fix the recipe and `ferry run \(recipe) --restart`, or `ferry run \(recipe) --max-errors \(failed)` to switch without them"
    }
}

extension ClusterError {
    /// The cluster could not be reached or kept failing (retries spent, or the circuit breaker
    /// open): the run stopped with its state saved and can simply be run again.
    public var isUnavailable: Bool {
        kind == .transport && !isTLSFailure || kind == .circuitOpen || status.map { $0 == 429 || $0 >= 500 } ?? false
    }
}

/// Exit codes of `ferry` (documented in `ferry help run`), and which error gets which: every
/// copy pass of every mode fails through `CopyFailed`, so the mapping is the same for all.
public enum ExitStatus {
    public static let failure: Int32 = 1
    public static let documentsFailed: Int32 = 3
    public static let clusterUnavailable: Int32 = 4
    public static let leaseHeld: Int32 = 5

    public static func code(for error: any Error) -> Int32 {
        switch error {
        case is LeaseHeld: return leaseHeld
        case is DocumentsFailed: return documentsFailed
        case let copy as CopyFailed where copy.cause is TooManyFailures: return documentsFailed
        case let copy as CopyFailed where copy.isClusterUnavailable: return clusterUnavailable
        case let cluster as ClusterError where cluster.isUnavailable: return clusterUnavailable
        default: return failure
        }
    }
}
