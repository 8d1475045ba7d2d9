import Foundation

/// Named points where a test can have ferry kill itself with SIGKILL, to prove that running
/// the same command again finishes the job exactly. Set `FERRY_FAILPOINT=<name>` (optionally
/// `<name>#<n>` to die at the n-th time the point is reached). Unset in production: one
/// environment lookup at start-up, then a string compare per point.
enum Failpoints {
    private static let spec: (name: String, count: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["FERRY_FAILPOINT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: "#", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()

    private static let hits = Counter()

    static func hit(_ name: @autoclosure () -> String) {
        guard let spec else { return }
        let current = name()
        guard current == spec.name, hits.increment() == spec.count else { return }
        kill(getpid(), SIGKILL)
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
