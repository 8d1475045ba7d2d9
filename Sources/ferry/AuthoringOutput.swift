import ArgumentParser
import Foundation
import FerryAuthoring
import FerryCore

/// Output flags shared by preview, test and check.
struct AuthoringOutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON document instead of text (for scripts and CI).")
    var json = false

    @Flag(name: .customLong("no-color"), help: "No colours even on a terminal (NO_COLOR=1 does the same).")
    var noColor = false

    var style: TextStyle { json ? .plain : TextStyle.forTerminal(STDOUT_FILENO, noColor: noColor) }

    func printJSON(_ value: JSONValue) {
        printOut(value.serialized(sortedKeys: true))
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
