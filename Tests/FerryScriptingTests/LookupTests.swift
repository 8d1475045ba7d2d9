import Testing
import FerryScripting

private struct UnknownTable: Error, CustomStringConvertible {
    let name: String
    var description: String { "unknown lookup table '\(name)'" }
}

private final class StubLookups: LookupProvider {
    var asked: [LookupKey] = []

    func lookupRow(table: String, key: LookupKey) throws -> [UInt8]? {
        guard table == "authors" else { throw UnknownTable(name: table) }
        asked.append(key)
        switch key {
        case .integer(7), .text("ada"):
            return Array(#"{"display_name":"Ada Lovelace","born":1815,"rating":4.5,"retired":null,"tags":[]}"#.utf8)
        default:
            return nil
        }
    }
}

@Suite struct LookupTests {
    @Test func ctxLookupSeesRowFieldsNilAndErrors() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let stub = StubLookups()
        engine.lookupProvider = stub
        let step = try project.step(engine, "authors.lua", """
            return function(doc, ctx)
              local a = ctx.lookup("authors", doc.author_id)
              local b = ctx.lookup("authors", "ada")
              doc.name = a.display_name
              doc.born = a.born
              doc.born_type = math.type(a.born)
              doc.rating = a.rating
              doc.retired_is_null = ferry.is_null(a.retired)
              doc.tags_is_array = ferry.is_array(a.tags)
              doc.same = b.display_name == a.display_name
              doc.missing_is_nil = ctx.lookup("authors", 8) == nil
              doc.float_key_is_nil = ctx.lookup("authors", 9.0) == nil
              return doc
            end
            """)
        let out = try run(engine, #"{"author_id":7}"#, steps: [step])
        #expect(out == .kept(#"{"author_id":7,"born":1815,"born_type":"integer","float_key_is_nil":true,"missing_is_nil":true,"name":"Ada Lovelace","rating":4.5,"retired_is_null":true,"same":true,"tags_is_array":true}"#))
        #expect(stub.asked == [.integer(7), .text("ada"), .integer(8), .integer(9)])

        let unknown = try project.step(engine, "unknown.lua", "return function(doc, ctx)\n  return ctx.lookup('nope', 1)\nend\n")
        let error = transformError(engine, "{}", steps: [unknown])
        #expect(error?.kind == .luaError)
        #expect(error?.description == "document 42: step 1.0→2.0 (\(unknown.scriptPath):2): unknown lookup table 'nope'")
    }

    @Test func aLookupKeyMustBeAStringOrInteger() throws {
        let project = try TempProject()
        let engine = try project.engine()
        engine.lookupProvider = StubLookups()
        for key in ["{}", "1.5", "true", "ferry.null"] {
            let step = try project.step(engine, "key.lua", "return function(doc, ctx) return ctx.lookup('authors', \(key)) end")
            let error = transformError(engine, "{}", steps: [step])
            #expect(error?.description.contains("lookup key must be a string or integer") == true, "\(String(describing: error))")
        }
    }

    @Test func withoutAProviderALookupIsAClearError() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "l.lua", "return function(doc, ctx) return ctx.lookup('authors', 1) end")
        #expect(transformError(engine, "{}", steps: [step])?.description.contains("no lookup tables are configured") == true)
    }
}
