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
        let running = try start(arguments, environment: extra)
        if let killAfter {
            // The kill lands wherever the run happens to be: that is the point of the test.
            if running.exited.wait(timeout: .now() + .milliseconds(Int(killAfter / .milliseconds(1)))) == .timedOut {
                kill(running.process.processIdentifier, SIGKILL)
                running.exited.wait()
            }
            running.exited.signal()
        }
        return running.wait()
    }

    /// A `ferry` process started and not yet waited for.
    final class Running {
        let process: Process
        let folder: String
        let exited = DispatchSemaphore(value: 0)

        init(process: Process, folder: String) {
            self.process = process
            self.folder = folder
        }

        var stderr: String { (try? String(contentsOfFile: "\(folder)/err", encoding: .utf8)) ?? "" }

        /// Waits (up to `timeout`) until stderr holds `text`; false if the process ended or
        /// the time ran out first.
        func waitForStderr(_ text: String, timeout: Duration = .seconds(60)) -> Bool {
            let end = ContinuousClock.now + timeout
            while ContinuousClock.now < end {
                if stderr.contains(text) { return true }
                if !process.isRunning { return stderr.contains(text) }
                usleep(20_000)
            }
            return false
        }

        func send(_ signal: Int32) {
            kill(process.processIdentifier, signal)
        }

        /// Waits for the end and collects the output; `killAfter`: SIGKILL it if it has not
        /// ended by then (a test waiting for ferry to exit on its own must not hang).
        func wait(killAfter: Duration? = nil) -> Outcome {
            if let killAfter, exited.wait(timeout: .now() + .milliseconds(Int(killAfter / .milliseconds(1)))) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
            } else if killAfter != nil {
                exited.signal()
            }
            exited.wait()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let out = (try? String(contentsOfFile: "\(folder)/out", encoding: .utf8)) ?? ""
            let err = (try? String(contentsOfFile: "\(folder)/err", encoding: .utf8)) ?? ""
            return Outcome(
                status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
                stdout: out, stderr: err)
        }
    }

    /// Starts `ferry <arguments>` with stdout and stderr going to files.
    func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + ["--url", url, "--recipes", recipes, "--state", state]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "FERRY_FAILPOINT")
        environment.removeValue(forKey: "FERRY_FAILPOINT_ACTION")
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let folder = NSTemporaryDirectory() + "ferry-proc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "\(folder)/out", contents: nil)
        _ = FileManager.default.createFile(atPath: "\(folder)/err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/err"))
        process.standardInput = FileHandle.nullDevice
        let running = Running(process: process, folder: folder)
        let exited = running.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        return running
    }
}
