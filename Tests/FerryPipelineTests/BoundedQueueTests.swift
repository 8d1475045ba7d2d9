/// The bounded queue between pipeline stages: order, back-pressure (items and bytes), several
/// producers, cancellation, and nothing kept after it is taken.
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

    @Test("one producer, one consumer: every item arrives once, in order (also around the ring)")
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

    final class Tracked: Sendable {
        let id: Int
        init(_ id: Int) { self.id = id }
    }

    @Test("a taken element is released by the queue: it lives only as long as its consumer holds it")
    func releasesTakenItems() {
        let queue = BoundedQueue<Tracked>(capacity: 4)
        var watched: [Weak] = []
        for round in 0..<50 {
            var item: Tracked? = Tracked(round)
            watched.append(Weak(item!))
            queue.put(item!)
            item = nil
            #expect(queue.take()?.id == round)
        }
        #expect(watched.allSatisfy { $0.value == nil }, "\(watched.filter { $0.value != nil }.count) of 50 taken elements are still alive")
    }

    struct Weak {
        weak var value: Tracked?
        init(_ value: Tracked) { self.value = value }
    }

    @Test("a put waits while the queued bytes plus its own would pass the byte limit")
    func byteLimit() {
        let queue = BoundedQueue<[UInt8]>(capacity: 10, byteLimit: 100, weight: { $0.count })
        queue.put(Array(repeating: 1, count: 60))
        let second = DispatchSemaphore(value: 0)
        onThread(second) { queue.put(Array(repeating: 2, count: 60)) }
        #expect(second.wait(timeout: .now() + .milliseconds(200)) == .timedOut, "60 + 60 bytes pass the 100-byte limit: the put waits")
        #expect(queue.take()?.first == 1)
        #expect(second.wait(timeout: .now() + .seconds(10)) == .success, "taking the first lets the second in")
        queue.close()
        #expect(queue.take()?.first == 2)
        #expect(queue.take() == nil)
    }

    @Test("an element larger than the byte limit still goes into an empty queue (one 20 MB document)")
    func oversizedElementPassesAlone() {
        let queue = BoundedQueue<[UInt8]>(capacity: 4, byteLimit: 100, weight: { $0.count })
        #expect(queue.put(Array(repeating: 7, count: 1_000)))
        let next = DispatchSemaphore(value: 0)
        onThread(next) { queue.put([8]) }
        #expect(next.wait(timeout: .now() + .milliseconds(200)) == .timedOut, "nothing joins it while it is queued")
        #expect(queue.take()?.count == 1_000)
        #expect(next.wait(timeout: .now() + .seconds(10)) == .success)
        queue.close()
        #expect(queue.take() == [8])
    }
}
