import Foundation
import FerryMigration

/// SIGINT and SIGTERM during `ferry run`: the handler only writes the signal's number to a
/// pipe (async-signal-safe); a thread of ours reads it, has the run lift a write block it set
/// (`RunInterrupter`), prints what happened and the next command, and exits 130 or 143. A
/// second signal while that is under way says so instead of killing the process mid-lift.
final class SignalGuard: @unchecked Sendable {
    private let interrupter: RunInterrupter
    private let lock = NSLock()
    private var handling = false

    private init(_ interrupter: RunInterrupter) {
        self.interrupter = interrupter
    }

    /// Installs the handlers (replacing an inherited SIG_IGN too: a background job of a shell
    /// starts with SIGINT ignored, and this one must still be able to stop cleanly).
    @discardableResult
    static func install(_ interrupter: RunInterrupter) -> SignalGuard {
        let guardian = SignalGuard(interrupter)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return guardian }
        signalPipe = fds[1]
        for sig in [SIGINT, SIGTERM] { installHandler(sig) }
        // A process inherits its parent's signal mask across exec, and some parents (test
        // runners, supervisors) block these: unblock them, or the handler would never run.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        let reader = fds[0]
        let thread = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(reader, &byte, 1)
                if n == 1 { guardian.received(Int32(byte)) } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
        thread.name = "ferry.signals"
        thread.start()
        return guardian
    }

    private func received(_ sig: Int32) {
        let name = sig == SIGINT ? "SIGINT" : "SIGTERM"
        let first: Bool = lock.withLock {
            defer { handling = true }
            return !handling
        }
        guard first else {
            let what = interrupter.blockedIndex.map { "still lifting the write block on \($0); ferry exits once the cluster confirms it" }
                ?? "still stopping"
            say("\(name) again: \(what)")
            return
        }
        // Its own thread: lifting may take seconds, and this one must stay free to answer a
        // second signal.
        Thread.detachNewThread { [interrupter] in
            if interrupter.blockedIndex != nil { say("\(name): lifting the write block before exiting…") }
            for line in interrupter.interrupt(signal: name) { say(line) }
            fflush(nil)
            _exit(sig == SIGINT ? 130 : 143)
        }
    }

}

private func say(_ line: String) {
    FileHandle.standardError.write(Data("ferry: \(line)\n".utf8))
}

/// Written to by the signal handler; set once before the handlers are installed.
nonisolated(unsafe) private var signalPipe: Int32 = -1

private func installHandler(_ sig: Int32) {
    var action = sigaction()
    #if os(Linux)
    action.__sigaction_handler.sa_handler = { sig in
        var byte = UInt8(truncatingIfNeeded: sig)
        _ = write(signalPipe, &byte, 1)
    }
    #else
    action.__sigaction_u.__sa_handler = { sig in
        var byte = UInt8(truncatingIfNeeded: sig)
        _ = write(signalPipe, &byte, 1)
    }
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_RESTART
    sigaction(sig, &action, nil)
}
