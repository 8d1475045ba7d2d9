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
