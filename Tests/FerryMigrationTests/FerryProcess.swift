import Foundation
import Testing
import FerryTestSupport

/// Runs the real `ferry` executable, for tests that kill it and run it again.
struct FerryProcess {
    struct Outcome {
        let status: Int32
        let killed: Bool
        let stdout: String
        let stderr: String
    }

    /// `FERRY_BINARY`, else the `ferry` built beside this test bundle.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["FERRY_BINARY"] { return path }
        let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [bundleFolder, bundleFolder.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("ferry").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "\(repositoryRoot)/.build/debug/ferry"
    }()

    let url: String
    let state: String
    var recipes = "\(repositoryRoot)/recipes"

    /// Runs `ferry <arguments>` to its end. `kill`: send SIGKILL after this long, if still running.
    func run(_ arguments: [String], environment extra: [String: String] = [:], killAfter: Duration? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + ["--url", url, "--recipes", recipes, "--state", state]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "FERRY_FAILPOINT")
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let folder = NSTemporaryDirectory() + "ferry-proc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: "\(folder)/out", contents: nil)
        _ = FileManager.default.createFile(atPath: "\(folder)/err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/err"))
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if let killAfter {
            // The kill lands wherever the run happens to be: that is the point of the test.
            if exited.wait(timeout: .now() + .milliseconds(Int(killAfter / .milliseconds(1)))) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
        } else {
            exited.wait()
        }
        let out = (try? String(contentsOfFile: "\(folder)/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: "\(folder)/err", encoding: .utf8)) ?? ""
        return Outcome(
            status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
            stdout: out, stderr: err)
    }
}
