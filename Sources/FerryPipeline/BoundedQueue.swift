import Foundation

/// A blocking FIFO bounded in items and in bytes, so a fast stage waits for a slow one and
/// memory stays flat whatever the index size or the documents' size. Producers `close()` when
/// done; `cancel()` aborts everyone (a stage failed) and drops what is queued.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    /// A ring: taken slots are set to nil at once, so the queue never keeps an element (a page,
    /// a bulk body) alive after its consumer is done with it.
    private var slots: [Element?]
    /// Each slot's weight, as it was when put.
    private var sizes: [Int]
    private var head = 0
    private var count = 0
    /// Bytes of the queued elements, by `weight`.
    private var bytes = 0
    private let byteLimit: Int
    private let weight: @Sendable (Element) -> Int
    private var producers: Int
    private var cancelled = false

    /// `producers`: how many stages put into this queue; it is closed when all have closed.
    /// `byteLimit`: a put waits while the queued elements' `weight` plus its own would pass it,
    /// except into an empty queue, so one element larger than the limit still goes through.
    init(
        capacity: Int, byteLimit: Int = .max, producers: Int = 1,
        weight: @escaping @Sendable (Element) -> Int = { _ in 0 }
    ) {
        precondition(capacity > 0 && producers > 0 && byteLimit > 0)
        self.slots = Array(repeating: nil, count: capacity)
        self.sizes = Array(repeating: 0, count: capacity)
        self.byteLimit = byteLimit
        self.weight = weight
        self.producers = producers
    }

    /// Blocks while full. Returns false when the queue was cancelled.
    @discardableResult
    func put(_ item: Element) -> Bool {
        let size = weight(item)
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && count > 0 && (count == slots.count || bytes + size > byteLimit) { condition.wait() }
        guard !cancelled else { return false }
        let tail = (head + count) % slots.count
        slots[tail] = item
        sizes[tail] = size
        count += 1
        bytes += size
        condition.broadcast()
        return true
    }

    /// Blocks while empty. Returns nil when every producer has closed and the queue is drained,
    /// or when it was cancelled.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && producers > 0 && !cancelled { condition.wait() }
        guard !cancelled, count > 0, let item = slots[head] else { return nil }
        slots[head] = nil
        bytes -= sizes[head]
        head = (head + 1) % slots.count
        count -= 1
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
        for i in slots.indices { slots[i] = nil }
        count = 0
        bytes = 0
        condition.broadcast()
        condition.unlock()
    }
}
