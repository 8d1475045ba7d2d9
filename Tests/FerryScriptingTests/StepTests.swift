import Testing
import FerryScripting

@Suite struct StepTests {
    @Test func aChainOfTwoStepsPassesTablesAlongAndSeesCtx() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let first = try project.step(engine, "v1_to_v2.lua", """
            return function(doc, ctx)
              doc.published_date = doc.created_date
              doc.created_date = nil
              doc.seen = {from = ctx.from, to = ctx.to}
              return doc
            end
            """)
        let second = try project.step(engine, "v2_to_v3.lua", """
            return function(doc, ctx)
              doc.seen.second = {ctx.from, ctx.to, ctx.id, ctx.index, ctx.run_started_at}
              return doc
            end
            """, from: "2.0", to: "3.0")
        #expect(first.label == "1.0→2.0")
        let out = try run(engine, #"{"created_date":"2024-01-02","n":1}"#, id: "doc-1", steps: [first, second])
        #expect(out == .kept(#"{"n":1,"published_date":"2024-01-02","seen":{"from":"1.0","second":["2.0","3.0","doc-1","posts-v1","2024-05-01T00:00:00Z"],"to":"2.0"}}"#))
        // The engine is reused document after document.
        let again = try run(engine, #"{"created_date":"x"}"#, id: "doc-2", steps: [first, second])
        #expect(again == .kept(#"{"published_date":"x","seen":{"from":"1.0","second":["2.0","3.0","doc-2","posts-v1","2024-05-01T00:00:00Z"],"to":"2.0"}}"#))
    }

    /// ctx.index, ctx.from and ctx.to are only set again when they change: whatever ran before,
    /// a document sees its own.
    @Test func ctxFollowsTheIndexAndStepOfEachDocument() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let script = "return function(doc, ctx) return {seen = {ctx.from, ctx.to, ctx.index, ctx.id}} end"
        let a = try project.step(engine, "a.lua", script)
        let b = try project.step(engine, "b.lua", script, from: "2.0", to: "3.0")
        let runs: [(LoadedStep, String, String, String)] = [
            (a, "i1", "1", #"["1.0","2.0","i1","1"]"#), (a, "i1", "2", #"["1.0","2.0","i1","2"]"#),
            (b, "i1", "3", #"["2.0","3.0","i1","3"]"#), (b, "i2", "4", #"["2.0","3.0","i2","4"]"#),
            (a, "i2", "5", #"["1.0","2.0","i2","5"]"#), (a, "", "6", #"["1.0","2.0","","6"]"#),
            (a, "i1", "7", #"["1.0","2.0","i1","7"]"#),
        ]
        for (step, index, id, seen) in runs {
            #expect(try run(engine, "{}", id: id, index: index, steps: [step]) == .kept(#"{"seen":\#(seen)}"#))
        }
        #expect(try run(engine, "{}", id: "8", index: "i1", steps: [a, b]) == .kept(#"{"seen":["2.0","3.0","i1","8"]}"#))
        #expect(try run(engine, "{}", id: "9", index: "i1", steps: [a]) == .kept(#"{"seen":["1.0","2.0","i1","9"]}"#))
    }

    @Test func transformStepRunsExactlyOneStep() throws {
        let project = try TempProject()
        let engine = try project.engine()
        _ = try project.step(engine, "a.lua", "return function(doc, ctx) doc.a = true return doc end")
        let second = try project.step(engine, "b.lua", "return function(doc, ctx) doc.b = true return doc end", from: "2.0", to: "3.0")
        let bytes = Array(#"{"x":1}"#.utf8)
        let out = try bytes.withUnsafeBytes { raw throws(TransformError) -> String in
            guard case .kept(let out) = try engine.transformStep(source: raw, id: "1", index: "i", step: second) else { return "dropped" }
            return String(decoding: out, as: UTF8.self)
        }
        #expect(out == #"{"b":true,"x":1}"#)
    }

    @Test func returningNilDropsTheDocumentAndReportsTheStepIndex() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let keep = try project.step(engine, "keep.lua", "return function(doc, ctx) return doc end")
        let drop = try project.step(engine, "drop.lua", """
            return function(doc, ctx)
              if doc.spam then return nil end
              return doc
            end
            """, from: "2.0", to: "3.0")
        #expect(try run(engine, #"{"spam":true}"#, steps: [keep, drop]) == .dropped(1))
        #expect(try run(engine, #"{"spam":true}"#, steps: [drop, keep]) == .dropped(0))
        #expect(try run(engine, #"{"spam":false}"#, steps: [keep, drop]) == .kept(#"{"spam":false}"#))
    }

    @Test func aBadReturnTypeNamesTheTypeStepAndScript() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let keep = try project.step(engine, "keep.lua", "return function(doc, ctx) return doc end")
        let bad = try project.step(engine, "v2_to_v3.lua", "return function(doc, ctx) return doc.title end", from: "2.0", to: "3.0")
        let error = transformError(engine, #"{"title":"t"}"#, steps: [keep, bad])
        #expect(error?.kind == .badReturnType)
        #expect(error?.stepIndex == 1)
        #expect(error?.description == "document 42: step 2.0→3.0 (\(bad.scriptPath)) returned a string; a step must return a table or nil")
        #expect(error?.hint != nil)
        let integer = try project.step(engine, "int.lua", "return function(doc, ctx) return 1 end")
        #expect(transformError(engine, "{}", steps: [integer])?.description.contains("returned an integer;") == true)
    }

    @Test func aRuntimeErrorNamesDocumentStepScriptAndLine() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "v1_to_v2.lua", """
            return function(doc, ctx)
              local x = 1
              doc.name = doc.author.name
              return doc
            end
            """)
        let error = transformError(engine, #"{"title":"t"}"#, steps: [step])
        #expect(error?.kind == .luaError)
        #expect(error?.documentID == "42")
        #expect(error?.step == "1.0→2.0")
        #expect(error?.line == 3)
        #expect(error?.description == "document 42: step 1.0→2.0 (\(step.scriptPath):3): attempt to index a nil value (field 'author')")
    }

    @Test func anErrorInsideAModuleNamesTheModuleLineAndTheStep() throws {
        let project = try TempProject(["transforms/text.lua": "local M = {}\nfunction M.upper(s)\n  return s:upper()\nend\nreturn M\n"])
        let engine = try project.engine()
        let step = try project.step(engine, "a.lua", "local text = require 'text'\nreturn function(doc, ctx)\n  doc.t = text.upper(doc.t)\n  return doc\nend\n")
        #expect(try run(engine, #"{"t":"abc"}"#, steps: [step]) == .kept(#"{"t":"ABC"}"#))
        let error = transformError(engine, #"{"t":true}"#, steps: [step])
        #expect(error?.description.hasPrefix("document 42: step 1.0→2.0 (\(step.scriptPath)): \(project.transformsRoot)/text.lua:3:") == true, "\(String(describing: error))")
    }

    @Test func errorValuesThatAreNotStringsStillGiveAMessage() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "t.lua", "return function(doc, ctx) error({code = 7}) end")
        #expect(transformError(engine, "{}", steps: [step])?.message == "(error object is a table value)")
        let plain = try project.step(engine, "p.lua", "return function(doc, ctx) error('no location', 0) end")
        #expect(transformError(engine, "{}", steps: [plain])?.description == "document 42: step 1.0→2.0 (\(plain.scriptPath)): no location")
    }

    @Test func ctxIsReadOnly() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "w.lua", "return function(doc, ctx)\n  ctx.id = 'other'\n  return doc\nend\n")
        let error = transformError(engine, "{}", steps: [step])
        #expect(error?.description.contains("ctx is read-only (tried to set ctx.id)") == true)
    }

    @Test func invalidSourceJSONIsADecodeErrorBeforeAnyStep() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "a.lua", "return function(doc, ctx) return doc end")
        let error = transformError(engine, #"{"a":}"#, steps: [step])
        #expect(error?.kind == .decode)
        #expect(error?.stepIndex == nil)
        #expect(error?.description == "document 42: _source is not valid JSON: invalid JSON at byte 5: unexpected character '}'")
    }

    @Test func aSyntaxErrorAtLoadNamesPathAndLine() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let error = #expect(throws: ScriptError.self) {
            try project.step(engine, "broken.lua", "return function(doc, ctx)\n  local x = = 1\n  return doc\nend\n")
        }
        #expect(error?.kind == .syntax)
        #expect(error?.line == 2)
        #expect(error?.description == project.path("recipes/blog/steps/broken.lua") + ":2: unexpected symbol near '='")
    }

    @Test func aScriptThatDoesNotReturnAFunctionIsRejected() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let error = #expect(throws: ScriptError.self) { try project.step(engine, "x.lua", "return {}") }
        #expect(error?.kind == .badReturn)
        #expect(error?.description == project.path("recipes/blog/steps/x.lua") + " must return function(doc, ctx), got table")
        let nothing = #expect(throws: ScriptError.self) { try project.step(engine, "y.lua", "local x = 1") }
        #expect(nothing?.description.hasSuffix("must return function(doc, ctx), got nil") == true)
    }

    @Test func aMissingScriptFileIsReported() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let path = project.path("recipes/blog/steps/nope.lua")
        let error = #expect(throws: ScriptError.self) { try engine.loadStep(script: path, from: "1", to: "2") }
        #expect(error?.kind == .fileNotReadable)
        #expect(error?.description.contains("cannot open \(path)") == true)
    }
}
