// The time limit without a count hook: the thread's timer signals it at the deadline and the
// handler hooks the Lua thread running there (limits.c, deadline_timer.c). These cover the
// places that signal can land beyond AttackTests' loops (in pcall, coroutines, Lua called
// from C): a module, a load, a lookup loop, many engines on many threads, an engine changing
// threads, and calls that end right around the deadline.
import Foundation
import Testing
import FerryScripting

@Suite struct DeadlineTimerTests {
    static let limit = Duration.milliseconds(200)
    /// Debug build on a shared 2-core machine (as AttackTests).
    static let margin = Duration.milliseconds(800)

    @Test func aLoopInATransformsModuleNamesTheModulesLine() throws {
        let project = try TempProject(["transforms/spin.lua": "return {\n  spin = function() while true do end end,\n}\n"])
        let engine = try project.engine(limits: SandboxLimits(timePerDocument: Self.limit))
        let step = try project.step(engine, "uses.lua", "local spin = require('spin')\nreturn function(doc, ctx)\n  spin.spin()\nend\n")
        let error = transformError(engine, "{}", steps: [step])
        #expect(error?.kind == .timeLimit)
        #expect(error?.description == "document 42: step 1.0→2.0 (\(step.scriptPath)): \(project.path("transforms/spin.lua")):2: time limit of 200 ms exceeded")
    }

    @Test func aLoopAtAFilesTopLevelStopsItsLoad() throws {
        let project = try TempProject()
        let engine = try project.engine(limits: SandboxLimits(timePerDocument: Self.limit))
        #expect(throws: ScriptError.self) {
            try project.step(engine, "top.lua", "while true do end\nreturn function(doc, ctx) return doc end\n")
        }
        let ok = try project.step(engine, "ok.lua", "return function(doc, ctx) return doc end")
        #expect(try run(engine, "{}", steps: [ok]) == .kept("{}"))
    }

    @Test func aLoopCallingCtxLookupStops() throws {
        final class Rows: LookupProvider {
            func lookupRow(table: String, key: LookupKey) throws -> [UInt8]? { Array(#"{"n":1}"#.utf8) }
        }
        let project = try TempProject()
        let engine = try project.engine(limits: SandboxLimits(timePerDocument: Self.limit))
        engine.lookupProvider = Rows()
        let step = try project.step(engine, "asks.lua", "return function(doc, ctx)\n  while true do doc.n = ctx.lookup('t', 1).n end\nend\n")
        #expect(transformError(engine, "{}", steps: [step])?.kind == .timeLimit)
    }

    /// One engine per thread, all looping at once: each thread's own timer stops its own loop,
    /// and each engine then transforms normally.
    @Test func manyWorkersEachStopTheirOwnLoop() throws {
        let workers = 6
        let results = Results(count: workers)
        let threads = (0..<workers).map { i in
            Thread {
                defer { results.done.signal() }
                do {
                    let project = try TempProject()
                    let engine = try project.engine(limits: SandboxLimits(timePerDocument: Self.limit))
                    let loop = try project.step(engine, "loop\(i).lua", "return function(doc, ctx)\n  local n = 0\n  while true do n = n + 1 end\nend\n")
                    let ok = try project.step(engine, "ok.lua", "return function(doc, ctx) doc.w = \(i) return doc end")
                    let clock = ContinuousClock()
                    let start = clock.now
                    let error = transformError(engine, "{}", steps: [loop])
                    let elapsed = clock.now - start
                    let after = try run(engine, "{}", steps: [ok])
                    results.set(i, "\(error?.kind == .timeLimit) \(after == .kept(#"{"w":\#(i)}"#)) \(elapsed < Self.limit + Self.margin * 2)")
                } catch {
                    results.set(i, "\(error)")
                }
            }
        }
        for thread in threads { thread.start() }
        for _ in 0..<workers { results.done.wait() }
        #expect(results.values == Array(repeating: "true true true", count: workers))
    }

    /// The timer belongs to the OS thread: an engine used on one thread and then another keeps
    /// its limit on both.
    @Test func anEngineMovingBetweenThreadsKeepsItsLimit() throws {
        let project = try TempProject()
        let engine = try project.engine(limits: SandboxLimits(timePerDocument: .milliseconds(50)))
        let loop = try project.step(engine, "loop.lua", "return function(doc, ctx)\n  while true do end\nend\n")
        #expect(transformError(engine, "{}", steps: [loop])?.kind == .timeLimit)
        let results = Results(count: 1)
        let box = EngineBox(engine: engine, step: loop)
        Thread {
            results.set(0, "\(transformError(box.engine, "{}", steps: [box.step])?.kind == .timeLimit)")
            results.done.signal()
        }.start()
        results.done.wait()
        #expect(results.values == ["true"])
    }

    /// Calls that end just before, at or just after the deadline (a busy step sized around
    /// it), each followed by normal documents, one of them resuming a coroutine kept across
    /// documents: whatever a late signal hooked, no document is stopped before its own
    /// deadline (a loaded machine may stall one past it), and every busy one either finishes
    /// or reports the time limit.
    @Test func callsEndingAroundTheDeadlineLeaveNothingForTheNextDocument() throws {
        let project = try TempProject()
        let limit = Duration.milliseconds(10)
        let engine = try project.engine(limits: SandboxLimits(timePerDocument: limit))
        // The coroutine outlives documents (a stopped one is replaced: the limit kills it).
        let busy = try project.step(engine, "busy.lua", """
            local function fresh() return coroutine.create(function() while true do coroutine.yield(1) end end) end
            local co = fresh()
            return function(doc, ctx)
              if coroutine.status(co) == 'dead' then co = fresh() end
              local n = 0
              for i = 1, doc.n do local _, v = coroutine.resume(co) n = n + v end
              doc.n = n
              return doc
            end
            """)
        let ok = try project.step(engine, "ok.lua", "return function(doc, ctx) local t = {} for i = 1, 200 do t[i] = i end doc.sum = #t return doc end")
        let clock = ContinuousClock()
        /// Runs one document; a time limit must not come before the deadline.
        func timed(_ json: String, _ step: LoadedStep) -> Outcome? {
            let start = clock.now
            do {
                return try run(engine, json, steps: [step])
            } catch {
                let elapsed = clock.now - start
                #expect(error.kind == .timeLimit && elapsed >= limit, "\(error) after \(elapsed)")
                return nil
            }
        }
        var n = 1000   // grows to a size that takes longer than the limit
        while n < 1 << 26 {
            let start = clock.now
            _ = try? run(engine, #"{"n":\#(n)}"#, steps: [busy])
            if clock.now - start > limit { break }
            n *= 2
        }
        var stopped = 0, finished = 0
        for i in 0..<150 {
            let size = n / 4 + (n * (i % 50)) / 35   // from well before the deadline to past it
            if let out = timed(#"{"n":\#(size)}"#, busy) {
                #expect(out == .kept(#"{"n":\#(size)}"#))
                finished += 1
            } else {
                stopped += 1
            }
            if let out = timed("{}", ok) { #expect(out == .kept(#"{"sum":200}"#)) }
            if let out = timed(#"{"n":3}"#, busy) { #expect(out == .kept(#"{"n":3}"#)) }
        }
        #expect(stopped > 0)
        #expect(finished > 0)
    }
}

private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [String]
    let done = DispatchSemaphore(value: 0)
    init(count: Int) { slots = Array(repeating: "", count: count) }
    func set(_ i: Int, _ value: String) { lock.withLock { slots[i] = value } }
    var values: [String] { lock.withLock { slots } }
}

/// Hands an engine to one other thread while this one waits (never used by two at once).
private final class EngineBox: @unchecked Sendable {
    let engine: LuaEngine
    let step: LoadedStep
    init(engine: LuaEngine, step: LoadedStep) {
        self.engine = engine
        self.step = step
    }
}
