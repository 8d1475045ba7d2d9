import ArgumentParser
import Foundation
import FerryCluster
import FerryCore
import FerryMigration

/// Exit codes, documented in `ferry help run`.
enum ExitStatus {
    static let failure: Int32 = 1
    static let documentsFailed: Int32 = 3
    static let clusterUnavailable: Int32 = 4
    static let leaseHeld: Int32 = 5
}

/// Prints an error as the operator should see it (one line naming the thing, then a hint)
/// and turns it into an exit code.
func fail(_ error: any Error) -> ExitCode {
    let text = String(describing: error)
    FileHandle.standardError.write(Data("error: \(text)\n".utf8))
    if let hint = (error as? any UserFacingError)?.hint {
        FileHandle.standardError.write(Data("hint: \(hint)\n".utf8))
    }
    switch error {
    case is LeaseHeld:
        return ExitCode(ExitStatus.leaseHeld)
    case is DocumentsFailed:
        return ExitCode(ExitStatus.documentsFailed)
    case let copy as CopyFailed where copy.cause is TooManyFailures:
        return ExitCode(ExitStatus.documentsFailed)
    case let copy as CopyFailed where copy.isClusterUnavailable:
        return ExitCode(ExitStatus.clusterUnavailable)
    case let cluster as ClusterError where cluster.isUnavailable:
        return ExitCode(ExitStatus.clusterUnavailable)
    default:
        return ExitCode(ExitStatus.failure)
    }
}

/// Runs a command body and reports its error the ferry way.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        throw fail(error)
    }
}

func printOut(_ line: String) {
    print(line)
    fflush(nil)
}

var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
