import Testing
import FerryScripting

@Suite struct SandboxTests {
    @Test func dangerousGlobalsAreAbsent() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "probe.lua", """
            return function(doc, ctx)
              return {
                io = type(io), os = type(os), debug = type(debug), package = type(package),
                load = type(load), dofile = type(dofile), loadfile = type(loadfile),
                dump = type(string.dump), method_dump = type(("").dump),
                string = type(string), table = type(table), math = type(math), utf8 = type(utf8),
                coroutine = type(coroutine), require = type(require),
              }
            end
            """)
        let out = try run(engine, "{}", steps: [step])
        #expect(out == .kept(#"{"coroutine":"table","debug":"nil","dofile":"nil","dump":"nil","io":"nil","load":"nil","loadfile":"nil","math":"table","method_dump":"nil","os":"nil","package":"nil","require":"function","string":"table","table":"table","utf8":"table"}"#))
    }

    @Test func collectGarbageOnlyReportsMemory() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let ok = try project.step(engine, "count.lua", "return function(doc, ctx) doc.kb = collectgarbage('count') > 0 return doc end")
        #expect(try run(engine, "{}", steps: [ok]) == .kept(#"{"kb":true}"#))
        let stop = try project.step(engine, "stop.lua", "return function(doc, ctx) collectgarbage('stop') return doc end")
        #expect(transformError(engine, "{}", steps: [stop])?.description.contains("collectgarbage(\"stop\") is not available") == true)
    }

    @Test func finalizersAreRefusedBecauseTheyRunWithoutTheTimeLimit() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let gc = try project.step(engine, "gc.lua", "return function(doc, ctx)\n  setmetatable({}, {__gc = true})\nend\n")
        #expect(transformError(engine, "{}", steps: [gc])?.description.hasSuffix("gc.lua:2): __gc metamethods are not allowed in the sandbox") == true)
        let ok = try project.step(engine, "mt.lua", "return function(doc, ctx)\n  local t = setmetatable({}, {__index = {x = 1}})\n  doc.x = t.x\n  return doc\nend\n")
        #expect(try run(engine, "{}", steps: [ok]) == .kept(#"{"x":1}"#))
        let protected = try project.step(engine, "p.lua", "return function(doc, ctx)\n  setmetatable(ferry.array(), nil)\nend\n")
        #expect(transformError(engine, "{}", steps: [protected])?.description.hasSuffix("cannot change a protected metatable") == true)
    }

    @Test func stringRepThroughTheStringMetatableHitsTheMemoryLimitAndTheEngineRecovers() throws {
        let project = try TempProject()
        let engine = try project.engine(limits: SandboxLimits(memoryBytes: 16 << 20))
        // 2^31 - 1 is the largest count string.rep accepts; the allocation is refused, not made.
        let bomb = try project.step(engine, "bomb.lua", "return function(doc, ctx)\n  doc.s = (\"x\"):rep(2^31 - 1)\n  return doc\nend\n")
        let error = transformError(engine, "{}", steps: [bomb])
        #expect(error?.kind == .memoryLimit)
        #expect(error?.description == "document 42: step 1.0→2.0 (\(bomb.scriptPath)): memory limit of 16 MiB exceeded")
        // Lua 5.4 refuses 2^31 itself before allocating anything.
        let tooLarge = try project.step(engine, "big.lua", "return function(doc, ctx)\n  doc.s = (\"x\"):rep(2^31)\n  return doc\nend\n")
        #expect(transformError(engine, "{}", steps: [tooLarge])?.description.hasSuffix("bomb.lua:2): resulting string too large".replacingOccurrences(of: "bomb", with: "big")) == true)
        let grow = try project.step(engine, "grow.lua", "return function(doc, ctx)\n  local t = {}\n  for i = 1, 1e9 do t[i] = i end\nend\n")
        #expect(transformError(engine, "{}", steps: [grow])?.kind == .memoryLimit)
        let fine = try project.step(engine, "fine.lua", "return function(doc, ctx) doc.ok = #(\"x\"):rep(1000) return doc end")
        #expect(try run(engine, "{}", steps: [fine]) == .kept(#"{"ok":1000}"#))
        #expect(engine.memoryUsed < 16 << 20)
    }

    @Test func theEncodedOutputIsCappedByTheMemoryLimitToo() throws {
        let project = try TempProject()
        let engine = try project.engine(limits: SandboxLimits(memoryBytes: 8 << 20))
        // 64 references to one 1 MiB string: small in Lua, 64 MiB as JSON.
        let step = try project.step(engine, "wide.lua", "return function(doc, ctx)\n  local s = ('x'):rep(1 << 20)\n  for i = 1, 64 do doc[tostring(i)] = s end\n  return doc\nend\n")
        #expect(transformError(engine, "{}", steps: [step])?.kind == .memoryLimit)
    }

    @Test func anEndlessLoopHitsTheTimeLimit() throws {
        let project = try TempProject()
        let engine = try project.engine(limits: SandboxLimits(timePerDocument: .milliseconds(100)))
        let loop = try project.step(engine, "loop.lua", "return function(doc, ctx)\n  while true do end\nend\n")
        let clock = ContinuousClock()
        let start = clock.now
        let error = transformError(engine, "{}", steps: [loop])
        #expect(clock.now - start < .seconds(2))
        #expect(error?.kind == .timeLimit)
        #expect(error?.description == "document 42: step 1.0→2.0 (\(loop.scriptPath):2): time limit of 100 ms exceeded")
        let ok = try project.step(engine, "ok.lua", "return function(doc, ctx) return doc end")
        #expect(try run(engine, "{}", steps: [ok]) == .kept("{}"))
    }

    @Test func pcallCannotSwallowTheTimeLimit() throws {
        let project = try TempProject()
        let engine = try project.engine(limits: SandboxLimits(timePerDocument: .milliseconds(50)))
        let sneaky = try project.step(engine, "sneaky.lua", """
            return function(doc, ctx)
              while true do pcall(function() while true do end end) end
            end
            """)
        #expect(transformError(engine, "{}", steps: [sneaky])?.kind == .timeLimit)
    }

    @Test func requireLoadsFromTheRecipeFolderThenTransformsAndCaches() throws {
        // Each chunk has its own globals: `loads` counts how often that module's file ran.
        let project = try TempProject([
            "recipes/blog/local_mod.lua": "loads = (loads or 0) + 1\nreturn { where = 'recipe', loads = function() return loads end }\n",
            "recipes/blog/shadow.lua": "return { where = 'recipe' }\n",
            "transforms/shadow.lua": "return { where = 'transforms' }\n",
            "transforms/text/slug.lua": "loads = (loads or 0) + 1\nreturn { where = 'transforms', loads = function() return loads end }\n",
            "transforms/flag.lua": "flagged = true\n",
        ])
        let engine = try project.engine()
        let step = try project.step(engine, "req.lua", """
            local a = require "local_mod"
            return function(doc, ctx)
              local b = require "text.slug"
              require "local_mod"
              return {a = a.where, b = b.where, shadow = require("shadow").where, same = require("text.slug") == b,
                      loads = a.loads() + b.loads(), flag = require("flag"), flagged = flagged == nil}
            end
            """)
        let expected = #"{"a":"recipe","b":"transforms","flag":true,"flagged":true,"loads":2,"same":true,"shadow":"recipe"}"#
        #expect(try run(engine, "{}", steps: [step]) == .kept(expected))
        #expect(try run(engine, "{}", steps: [step]) == .kept(expected))   // still 2 loads: cached
    }

    @Test func requireOutsideTheRootsIsRefusedAndListsWhereItLooks() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let escape = try project.step(engine, "escape.lua", "return function(doc, ctx)\n  require '../etc/passwd'\nend\n")
        let escapeError = transformError(engine, "{}", steps: [escape])
        #expect(escapeError?.description.contains("module name '../etc/passwd' is not allowed") == true)
        #expect(escapeError?.description.contains("require only searches: \(project.recipeRoot)/, \(project.transformsRoot)/") == true, "\(String(describing: escapeError))")
        let missing = try project.step(engine, "missing.lua", "return function(doc, ctx)\n  require 'foo'\nend\n")
        let missingError = transformError(engine, "{}", steps: [missing])
        #expect(missingError?.line == 2)
        #expect(missingError?.description.contains("module 'foo' not found; require only searches: \(project.recipeRoot)/foo.lua, \(project.transformsRoot)/foo.lua") == true, "\(String(describing: missingError))")
    }

    @Test func aSyntaxErrorInARequiredModuleNamesTheModule() throws {
        let project = try TempProject(["transforms/bad.lua": "return {\n  x = = 1\n}\n"])
        let engine = try project.engine()
        let error = #expect(throws: ScriptError.self) { try project.step(engine, "uses_bad.lua", "local bad = require 'bad'\nreturn function(doc, ctx) return doc end\n") }
        #expect(error?.description.contains("\(project.transformsRoot)/bad.lua:2:") == true, "\(String(describing: error))")
    }

    @Test func aMemoryLimitTooSmallForTheLibrariesIsAClearError() throws {
        let project = try TempProject()
        // A tiny limit cannot even hold the standard library: a clear error, not a crash.
        let error = #expect(throws: ScriptError.self) { try project.engine(limits: SandboxLimits(memoryBytes: 4096)) }
        #expect(error?.kind == .memoryLimit)
    }
}
