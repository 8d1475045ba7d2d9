import Foundation

/// A blocking FIFO with a fixed capacity, so a fast stage waits for a slow one and memory
/// stays flat whatever the index size. Producers `close()` when done; `cancel()` aborts
/// everyone (a stage failed) and drops what is queued.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var producers: Int
    private var cancelled = false

    /// `producers`: how many stages put into this queue; it is closed when all have closed.
    init(capacity: Int, producers: Int = 1) {
        precondition(capacity > 0 && producers > 0)
        self.capacity = capacity
        self.producers = producers
    }

    private var count: Int { items.count - head }

    /// Blocks while full. Returns false when the queue was cancelled.
    @discardableResult
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Blocks while empty. Returns nil when every producer has closed and the queue is drained,
    /// or when it was cancelled.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && producers > 0 && !cancelled { condition.wait() }
        guard !cancelled, count > 0 else { return nil }
        let item = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// One producer is done.
    func close() {
        condition.lock()
        producers = max(0, producers - 1)
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }
}
