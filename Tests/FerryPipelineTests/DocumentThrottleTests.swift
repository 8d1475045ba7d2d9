/// The throttle's pacing on an injected clock: steady slots shared by every writer, no burst
/// after idle time, halving on 429 (once per spacing, down to a floor) and climbing back.
import Foundation
import Synchronization
import Testing
@testable import FerryPipeline

/// A clock that only moves when told to, or by exactly the time a caller sleeps.
final class ManualClock: ThrottleClock {
    private let time = Mutex(Duration.zero)
    /// Whether `sleep` advances the time (one writer) or leaves it (many writers booking at once).
    let sleepAdvances: Bool

    init(sleepAdvances: Bool = true) { self.sleepAdvances = sleepAdvances }

    var now: Duration { time.withLock { $0 } }
    func sleep(for duration: Duration) {
        if sleepAdvances { time.withLock { $0 += duration } }
    }
    func advance(_ duration: Duration) { time.withLock { $0 += duration } }
}

@Suite("document throttle")
struct DocumentThrottleTests {
    @Test("one writer: each request waits its documents / rate after the previous one, the first none")
    func steadyPace() {
        let clock = ManualClock()
        let throttle = DocumentThrottle(limit: 100, clock: clock)
        let waits = (0..<5).map { _ in throttle.admit(20) }
        #expect(waits == [.zero, .milliseconds(200), .milliseconds(200), .milliseconds(200), .milliseconds(200)])
        #expect(clock.now == .milliseconds(800), "100 documents: the fifth request starts at 0.8 s, ends its slot at 1 s")
        #expect(throttle.figures.requests == 5 && throttle.figures.waited == .milliseconds(800))
    }

    @Test("time spent writing counts towards the slot: only the rest of it is waited")
    func workCountsTowardsSlot() {
        let clock = ManualClock()
        let throttle = DocumentThrottle(limit: 100, clock: clock)
        throttle.admit(50)                       // slot 0 … 0.5 s
        clock.advance(.milliseconds(300))        // the bulk request took 0.3 s
        #expect(throttle.admit(50) == .milliseconds(200))
    }

    @Test("idle time earns no credit: after a pause the pace is the same, not a burst")
    func noBurstAfterIdle() {
        let clock = ManualClock()
        let throttle = DocumentThrottle(limit: 100, clock: clock)
        throttle.admit(10)
        clock.advance(.seconds(60))
        let waits = (0..<4).map { _ in throttle.admit(10) }
        #expect(waits == [.zero, .milliseconds(100), .milliseconds(100), .milliseconds(100)])
    }

    @Test("many writers share one schedule: their slots follow each other, none overlaps")
    func writersShareSchedule() {
        let clock = ManualClock(sleepAdvances: false)   // every writer books at time 0
        let throttle = DocumentThrottle(limit: 1_000, clock: clock)
        let starts = Mutex<[Duration]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 {
                let wait = throttle.reserve(10)
                starts.withLock { $0.append(wait) }
            }
        }
        // 200 requests of 10 documents at 1,000 docs/s: slots at 0, 10 ms, 20 ms, … 1,990 ms.
        let expected = (0..<200).map { Duration.milliseconds(10 * $0) }
        #expect(starts.withLock { $0 }.sorted() == expected)
    }

    @Test("a 429 halves the pace once per spacing, however many writers saw it; the floor is limit / 16")
    func backOff() {
        let clock = ManualClock()
        let throttle = DocumentThrottle(limit: 160, clock: clock, backOffSpacing: .seconds(1), recovery: .seconds(1_000))
        throttle.overloaded()
        throttle.overloaded()                    // the same overload, seen by another writer
        #expect(throttle.currentRate == 80)
        throttle.admit(8)
        #expect(throttle.admit(8) == .milliseconds(100), "8 documents at 80 docs/s")
        for _ in 0..<6 {
            clock.advance(.seconds(1))
            throttle.overloaded()
        }
        #expect(throttle.currentRate >= 10 && throttle.currentRate < 10.1, "never below 160 / 16 (climbing 0.16 docs/s a second)")
        #expect(throttle.figures.backOffs == 7 && throttle.figures.lowestRate == 10)
    }

    @Test("after a back-off the pace climbs back linearly to the limit over the recovery time")
    func recovery() {
        let clock = ManualClock()
        let throttle = DocumentThrottle(limit: 100, clock: clock, recovery: .seconds(10))
        throttle.overloaded()
        #expect(throttle.currentRate == 50)
        clock.advance(.seconds(2))
        #expect(abs(throttle.currentRate - 70) < 1e-9, "+10 docs/s a second")
        clock.advance(.seconds(10))
        #expect(throttle.currentRate == 100, "never above the limit")
    }

    @Test("the smooth bulk size is a fifth of a second's documents, at least one")
    func smoothBatchSize() {
        #expect(DocumentThrottle(limit: 1_000).smoothBatchSize == 200)
        #expect(DocumentThrottle(limit: 3).smoothBatchSize == 1)
    }
}
