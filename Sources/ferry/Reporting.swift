import ArgumentParser
import Foundation
import FerryCluster
import FerryCore
import FerryMigration

/// Prints an error as the operator should see it (one line naming the thing, then a hint)
/// and turns it into an exit code.
func fail(_ error: any Error) -> ExitCode {
    let text = String(describing: error)
    FileHandle.standardError.write(Data("error: \(text)\n".utf8))
    if let hint = (error as? any UserFacingError)?.hint {
        FileHandle.standardError.write(Data("hint: \(hint)\n".utf8))
    }
    // Bad usage found once the recipe is loaded (e.g. --members on a single index): 64, as
    // ArgumentParser exits for what validate() refuses.
    if error is ValidationError { return ExitCode.validationFailure }
    return ExitCode(ExitStatus.code(for: error))
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
