/// The bounded queue between pipeline stages: order, back-pressure, several producers, cancellation.
import Foundation
import Synchronization
import Testing
@testable import FerryPipeline

@Suite("bounded queue")
struct BoundedQueueTests {
    /// Runs `body` on a thread of its own and signals `done` when it returns.
    func onThread(_ done: DispatchSemaphore, _ body: @escaping @Sendable () -> Void) {
        Thread {
            body()
            done.signal()
        }.start()
    }

    @Test("one producer, one consumer: every item arrives once, in order (also across the queue's compaction)")
    func fifo() {
        let queue = BoundedQueue<Int>(capacity: 3)
        let done = DispatchSemaphore(value: 0)
        onThread(done) {
            for i in 0..<500 { queue.put(i) }
            queue.close()
        }
        var seen: [Int] = []
        while let item = queue.take() { seen.append(item) }
        done.wait()
        #expect(seen == Array(0..<500))
    }

    @Test("a full queue holds its producer until a consumer takes (back-pressure)")
    func backPressure() {
        let queue = BoundedQueue<Int>(capacity: 2)
        queue.put(1)
        queue.put(2)
        let third = DispatchSemaphore(value: 0)
        onThread(third) { queue.put(3) }
        #expect(third.wait(timeout: .now() + .milliseconds(200)) == .timedOut, "the third put waits while the queue is full")
        #expect(queue.take() == 1)
        #expect(third.wait(timeout: .now() + .seconds(10)) == .success, "taking one lets the waiting put in")
        queue.close()
        #expect(queue.take() == 2)
        #expect(queue.take() == 3)
        #expect(queue.take() == nil)
    }

    @Test("with several producers the queue ends only when every one has closed")
    func severalProducers() {
        let queue = BoundedQueue<Int>(capacity: 4, producers: 3)
        let done = DispatchSemaphore(value: 0)
        for p in 0..<3 {
            onThread(done) {
                for i in 0..<100 { queue.put(p * 1000 + i) }
                queue.close()
            }
        }
        var seen: [Int] = []
        while let item = queue.take() { seen.append(item) }
        for _ in 0..<3 { done.wait() }
        #expect(seen.count == 300)
        for p in 0..<3 {
            // Each producer's items keep their order among themselves.
            #expect(seen.filter { $0 / 1000 == p } == (0..<100).map { p * 1000 + $0 })
        }
    }

    @Test("cancel wakes a waiting consumer and a waiting producer, and drops what is queued")
    func cancellation() {
        let empty = BoundedQueue<Int>(capacity: 1)
        let consumer = DispatchSemaphore(value: 0)
        let took = Mutex<Int?>(0)
        onThread(consumer) { took.withLock { $0 = empty.take() } }
        let full = BoundedQueue<Int>(capacity: 1)
        full.put(7)
        let producer = DispatchSemaphore(value: 0)
        let accepted = Mutex(true)
        onThread(producer) { accepted.withLock { $0 = full.put(8) } }
        #expect(consumer.wait(timeout: .now() + .milliseconds(100)) == .timedOut, "the consumer waits on an empty queue")
        empty.cancel()
        full.cancel()
        #expect(consumer.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(producer.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(took.withLock { $0 } == nil, "a cancelled take returns nil")
        #expect(accepted.withLock { $0 } == false, "a cancelled put is refused")
        #expect(full.take() == nil, "the queued item was dropped")
        #expect(full.put(9) == false, "a cancelled queue refuses new items")
    }
}
