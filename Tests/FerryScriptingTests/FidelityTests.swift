import Testing
import FerryScripting

@Suite struct FidelityTests {
    static let exact: [(String, String)] = [
        ("[]", "[]"),
        ("{}", "{}"),
        ("null", "null"),
        ("true", "true"),
        ("false", "false"),
        ("[1,null,2]", "[1,null,2]"),
        ("1.0", "1.0"),
        ("1e2", "100.0"),
        ("-0.0", "-0.0"),
        ("0.1", "0.1"),
        ("3.141592653589793", "3.141592653589793"),
        ("1.5e300", "1.5e+300"),
        ("9007199254740993", "9007199254740993"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("18446744073709551615", "18446744073709551615"),
        ("-9223372036854775809", "-9223372036854775809"),
        ("1e400", "1e400"),
        ("-1.5e-400", "-1.5e-400"),
        ("0e10", "0.0"),
        ("5e-324", "4.94065645841247e-324"),
        (#""a\"b\\c\n\u0001""#, #""a\"b\\c\n\u0001""#),
        (#""\/\b\f\r\t\u0000""#, #""/\b\f\r\t\u0000""#),
        (#""\ud83d\ude00""#, "\"😀\""),
        ("\"héllo wörld ✓ 日本語 😀\"", "\"héllo wörld ✓ 日本語 😀\""),
        (#"{"a":{"b":[],"c":{}},"d":[[],{},[[]]]}"#, #"{"a":{"b":[],"c":{}},"d":[[],{},[[]]]}"#),
        (" { \"a\" : [ 1 , 2.5 ] ,\n\t\"b\" : \"x\" } ", #"{"a":[1,2.5],"b":"x"}"#),
    ]

    @Test("round trips keep the exact bytes", arguments: exact)
    func roundTripExact(input: String, expected: String) throws {
        let engine = try LuaEngine(requireRoots: [], runStartedAt: "t")
        let out = try engine.roundTrip(json: Array(input.utf8))
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test func objectKeysComeOutSortedSoEveryWorkerWritesTheSameBytes() throws {
        let engine = try LuaEngine(requireRoots: [], runStartedAt: "t")
        let out = try engine.roundTrip(json: Array(#"{"b":1,"a":{"z":true,"y":null},"aa":[]}"#.utf8))
        #expect(String(decoding: out, as: UTF8.self) == #"{"a":{"y":null,"z":true},"aa":[],"b":1}"#)
    }

    @Test func nestingUpToTheLimitWorks() throws {
        let engine = try LuaEngine(requireRoots: [], runStartedAt: "t")
        let json = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(String(decoding: try engine.roundTrip(json: Array(json.utf8)), as: UTF8.self) == json)
    }

    @Test func nestingPastTheLimitIsAClearError() throws {
        let engine = try LuaEngine(requireRoots: [], runStartedAt: "t")
        let json = String(repeating: "{\"a\":", count: 101) + "1" + String(repeating: "}", count: 101)
        let error = #expect(throws: TransformError.self) { try engine.roundTrip(json: Array(json.utf8)) }
        #expect(error?.kind == .decode)
        #expect(error?.description.contains("JSON nesting deeper than 100 levels") == true)
    }

    @Test("invalid JSON is an error with the byte offset", arguments: [
        (#"{"a":1,}"#, "invalid JSON at byte 7: expected a string key"),
        ("[1 2]", "invalid JSON at byte 3: expected ',' or ']'"),
        ("", "invalid JSON at byte 0: unexpected end of input"),
        ("[1] x", "invalid JSON at byte 4: unexpected data after the JSON value"),
        ("01", "invalid JSON at byte 0: invalid number (leading zero)"),
        (#"{"a":tru}"#, "invalid JSON at byte 5: invalid literal"),
        (#""abc"#, "invalid JSON at byte 0: unterminated string"),
        ("\"a\u{1}\"", "invalid JSON at byte 2: control character"),
        (#"["\ud83d"]"#, "invalid JSON at byte 2: lone UTF-16 surrogate"),
        (#"["\ude00x"]"#, "invalid JSON at byte 2: lone UTF-16 surrogate"),
        (#""\q""#, "invalid JSON at byte 1: invalid escape"),
    ])
    func invalidJSON(input: String, message: String) throws {
        let engine = try LuaEngine(requireRoots: [], runStartedAt: "t")
        let error = #expect(throws: TransformError.self) { try engine.roundTrip(json: Array(input.utf8)) }
        #expect(error?.kind == .decode)
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test func invalidUTF8InTheInputIsRejectedWithItsOffset() throws {
        let engine = try LuaEngine(requireRoots: [], runStartedAt: "t")
        for bytes: [UInt8] in [[0x22, 0x61, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            let error = #expect(throws: TransformError.self) { try engine.roundTrip(json: bytes) }
            #expect(error?.description.contains("invalid UTF-8") == true)
            #expect(error?.description.contains("at byte \(bytes[1] == 0x61 ? 2 : 1)") == true)
        }
    }

    @Test func decodedValuesHaveTheRightLuaTypes() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "types.lua", """
            return function(doc, ctx)
              return {
                int = math.type(doc.i), float = math.type(doc.f), exp = math.type(doc.e),
                null = ferry.is_null(doc.n), arr = ferry.is_array(doc.a), obj = ferry.is_array(doc.o),
                big = tostring(doc.b), big_is = ferry.is_bignum(doc.b), len = #doc.a,
                twice = doc.f * 2, sum = doc.i + 1,
              }
            end
            """)
        let out = try run(engine, #"{"i":3,"f":1.5,"e":1e2,"n":null,"a":[1,2],"o":{},"b":18446744073709551615}"#, steps: [step])
        #expect(out == .kept(#"{"arr":true,"big":"18446744073709551615","big_is":true,"exp":"float","float":"float","int":"integer","len":2,"null":true,"obj":false,"sum":4,"twice":3.0}"#))
    }

    @Test func arithmeticOnABigNumberIsAClearError() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "big.lua", "return function(doc, ctx)\n  doc.n = doc.n + 1\n  return doc\nend\n")
        let error = transformError(engine, #"{"n":18446744073709551615}"#, steps: [step])
        #expect(error?.kind == .luaError)
        #expect(error?.description.contains("big number 18446744073709551615") == true)
        #expect(error?.line == 2)
    }

    @Test func emptyContainersBuiltInLuaKeepTheirJSONType() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "empty.lua", """
            return function(doc, ctx)
              doc.plain = {}
              doc.arr = ferry.array()
              doc.marked = ferry.array({})
              doc.obj = ferry.object{}
              doc.list = {1, "two", ferry.null}
              doc.drained = doc.tags
              table.remove(doc.drained); table.remove(doc.drained)
              doc.tags = nil
              doc.big = ferry.bignum("-99999999999999999999")
              return doc
            end
            """)
        let out = try run(engine, #"{"tags":["a","b"]}"#, steps: [step])
        #expect(out == .kept(#"{"arr":[],"big":-99999999999999999999,"drained":[],"list":[1,"two",null],"marked":[],"obj":{},"plain":{}}"#))
    }

    @Test("values JSON cannot hold are errors naming the field path", arguments: [
        ("doc.metadata = {tags = {1, 2, function() end}}", "cannot encode metadata.tags[3]: a function is not a JSON value"),
        ("doc.stats = {ratio = 0/0}", "cannot encode stats.ratio: nan is not a JSON number"),
        ("doc.stats = {[\"max value\"] = math.huge}", #"cannot encode stats["max value"]: inf is not a JSON number"#),
        ("doc.mixed = {1, 2, x = 3}", "cannot encode mixed: table mixes string keys and integer keys"),
        ("doc.sparse = {}; doc.sparse[1] = 1; doc.sparse[3] = 3", "cannot encode sparse: array has a hole at index 2"),
        ("doc.tags[2] = nil", "cannot encode tags: array has a hole at index 2"),
        ("doc.tags.x = 1", "cannot encode tags: an array (ferry.array) has a string key \"x\""),
        ("doc.weird = {[true] = 1}", "cannot encode weird: table has a boolean key"),
        ("doc.bytes = \"\\255\"", "cannot encode bytes: string is not valid UTF-8"),
        ("doc.loop = doc", "nested deeper than 100 levels (does a table contain itself?)"),
        ("doc.co = coroutine.create(print)", "cannot encode co: a thread is not a JSON value"),
    ])
    func unencodableValues(assignment: String, message: String) throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "bad.lua", "return function(doc, ctx)\n  \(assignment)\n  return doc\nend\n")
        let error = transformError(engine, #"{"tags":["a","b","c"]}"#, steps: [step])
        #expect(error?.kind == .encode)
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("document 42: step 1.0→2.0 (\(step.scriptPath)): ") == true)
    }

    @Test func aStepMustReturnAnObjectNotAnArray() throws {
        let project = try TempProject()
        let engine = try project.engine()
        let step = try project.step(engine, "arr.lua", "return function(doc, ctx) return {1, 2} end")
        let error = transformError(engine, "{}", steps: [step])
        #expect(error?.kind == .encode)
        #expect(error?.description.contains("the document must be a JSON object") == true)
    }
}
