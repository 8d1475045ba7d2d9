// Edges that once corrupted memory: an engine made with empty context values, and many
// coroutines stopped by a limit in one state (the bridge used to push onto the dead
// coroutine's full stack when it remembered it). Run these under an API-checked liblua or
// AddressSanitizer to see the old bug; here they check the engine stays correct.
import Testing
import FerryScripting

@Suite struct EngineEdgeTests {
    @Test func anEngineWithAnEmptyRunStartedAtTransformsAndExposesTheEmptyString() throws {
        let project = try TempProject()
        for _ in 0..<20 {   // several engines: a corrupted heap shows up at a later allocation
            let engine = try LuaEngine(requireRoots: [], runStartedAt: "")
            try engine.setContext("recipe", "")
            #expect(String(decoding: try engine.roundTrip(json: Array(#"{"a":[1,2.5]}"#.utf8)), as: UTF8.self) == #"{"a":[1,2.5]}"#)
            let step = try project.step(engine, "ctx.lua", """
                return function(doc, ctx)
                  doc.started = ctx.run_started_at
                  doc.recipe = ctx.recipe
                  doc.kind = type(ctx.run_started_at)
                  return doc
                end
                """)
            #expect(try run(engine, "{}", steps: [step]) == .kept(#"{"kind":"string","recipe":"","started":""}"#))
        }
    }

    /// Each document's coroutine is stopped by the work budget and remembered as poisoned; the
    /// state must stay usable after hundreds of them (resume and wrap take different paths).
    @Test(arguments: ["resume", "wrap"])
    func manyCoroutinesStoppedByALimitLeaveTheStateUsable(_ how: String) throws {
        let project = try TempProject()
        let engine = try project.engine(limits: SandboxLimits(timePerDocument: .seconds(60), workUnitsPerDocument: 50_000))
        let call = how == "resume"
            ? "coroutine.resume(coroutine.create(function() local t = {} for i = 1, 1e12 do t[i % 7] = i end end))"
            : "pcall(coroutine.wrap(function() local t = {} for i = 1, 1e12 do t[i % 7] = i end end))"
        let attack = try project.step(engine, "attack.lua", "return function(doc, ctx)\n  local ok = \(call)\n  doc.fallback = not ok\n  return doc\nend\n")
        for _ in 0..<300 {
            let error = transformError(engine, "{}", steps: [attack])
            #expect(error?.description == "document 42: step 1.0→2.0 (\(attack.scriptPath):2): work limit of 50000 units exceeded")
        }
        let ok = try project.step(engine, "ok.lua", "return function(doc, ctx) doc.id = ctx.id return doc end")
        #expect(try run(engine, #"{"a":1}"#, steps: [ok]) == .kept(#"{"a":1,"id":"42"}"#))
    }
}

/// The state's cache of Lua's small blocks (small_heap.c): blocks that grow and shrink across
/// the small/large boundary and between size classes keep their contents, document after
/// document in one state (so blocks freed by one are reused by the next).
@Suite struct SmallHeapTests {
    @Test func blocksThatMoveBetweenSizeClassesAndMallocKeepTheirContents() throws {
        let project = try TempProject()
        let engine = try project.engine()
        // Tables grow their array part 4, 8, ... 1024 slots (16 bytes each: through every class
        // up to 512 bytes, then malloc) and their hash part likewise; strings from 1 to 1,100
        // bytes land in every class and past it. Every value is read back after the growth.
        let step = try project.step(engine, "heap.lua", """
            return function(doc, ctx)
              local n = doc.n
              local array, hash = {}, {}
              for i = 1, n do
                array[i] = i * 3
                hash["k" .. i] = string.rep(string.char(97 + i % 26), i)
              end
              local sum, bytes = 0, 0
              for i = 1, n do
                sum = sum + array[i]
                local s = hash["k" .. i]
                assert(#s == i and s == string.rep(string.char(97 + i % 26), i), "string " .. i)
                bytes = bytes + #s
              end
              -- Shrink: keep the first fifth of the array and add hash keys, so the next
              -- rehash gives the array part fewer slots (a realloc to a smaller block, from
              -- malloc's sizes into a class for n = 100), and read the kept values back.
              -- The kept values are new, so a stale copy of them in a reused block can't pass.
              local kept = n // 5
              for i = 1, kept do array[i] = -i end
              for i = kept + 1, n do array[i] = nil end
              for i = 1, n do array["h" .. i] = i end
              for i = 1, kept do assert(array[i] == -i, "kept " .. i) end
              doc.sum, doc.bytes = sum, bytes
              return doc
            end
            """)
        for n in [1, 31, 32, 33, 64, 100, 500, 1100, 7, 1100] {   // grow, shrink, and grow again in one state
            let expected = #"{"bytes":\#(n * (n + 1) / 2),"n":\#(n),"sum":\#(3 * n * (n + 1) / 2)}"#
            #expect(try run(engine, #"{"n":\#(n)}"#, steps: [step]) == .kept(expected), "n = \(n)")
        }
    }
}
