/// The `transforms/` modules (text, dates, fields) checked through the real engine and sandbox:
/// the checks scripts/lua-harness.lua's --selftest ran on a second, plain-Lua engine.
import Foundation
import Testing
import FerryScripting

@Suite("transforms/ modules")
struct TransformModulesTests {
    static let transforms = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("transforms").path

    /// A step that runs every check and returns how many ran and which failed.
    static let checks = #"""
local text, dates, fields = require("text"), require("dates"), require("fields")
local A = ferry.array
local function equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
return function(doc, ctx)
  local failures, count = A(), 0
  local function eq(got, want, what)
    count = count + 1
    if not equal(got, want) then failures[#failures + 1] = what .. ": got " .. tostring(got) end
  end
  -- text
  eq(text.normalise("  a \t\n b  "), "a b", "normalise whitespace")
  eq(text.normalise("<p>Hello <b>world</b>!</p><p>Bye</p>"), "Hello world! Bye", "normalise html")
  eq(text.normalise("x<3 and a < b &amp; c &#233;&#x1F600;"), "x<3 and a < b & c é😀", "entities")
  eq(text.normalise("a<script>var x = '<p>';</script>b"), "a b", "script dropped")
  eq(text.normalise("a\u{A0}\u{3000}b"), "a b", "unicode spaces")
  eq(text.normalise(nil), "", "normalise nil")
  eq(text.normalise(ferry.null), "", "normalise null")
  eq(text.normalise("bad \xff byte"), "bad \u{FFFD} byte", "invalid utf-8")
  eq(text.hashtags("#a #b #A #c1 #1 C# x#y ##d #日本 #café #🚀", 10),
     A { "a", "b", "c1", "d", "日本", "café" }, "hashtags")
  eq(text.hashtags("#a #b #c", 2), A { "a", "b" }, "hashtags limit")
  eq(text.hashtags('<span style="color:#fff">#real</span>', 5), A { "real" }, "hashtags html")
  eq(text.hashtags(nil, 5), A {}, "hashtags nil")
  eq(text.hashtags("#a#b é#c —#d (#e) #f.", 9), A { "a", "d", "e", "f" }, "hashtags boundaries")
  eq(text.hashtags("#ok \xff#bad", 9), A { "ok", "bad" }, "hashtags invalid utf-8")
  eq(text.normalise(" a "), "a", "trim single spaces")
  eq(text.normalise("x\u{2003}\u{2003}y\u{202F}z"), "x y z", "em/narrow spaces")
  eq(text.categorize("The API\u{2019}s new docs"), "technology", "categorize curly apostrophe")
  eq(text.categorize("How-to: hands-on review of hands on"), "review", "categorize phrases")
  eq(text.categorize("el perro y el gato"), "general", "categorize none")
  eq(text.language("el perro y el gato"), "es", "language after categorize (cache)")
  eq(text.word_count("Hello, world! don't state-of-the-art — 😀"), 4, "word_count ascii-ish")
  eq(text.word_count("日本語のテキスト and more"), 10, "word_count cjk")
  eq(text.word_count("  "), 0, "word_count blank")
  eq(text.reading_time("", 200), 0, "reading_time empty")
  eq(text.reading_time("word", 200), 1, "reading_time min 1")
  eq(text.reading_time(("w "):rep(401), 200), 2, "reading_time 401")
  eq(text.categorize("A step by step guide to Python"), "tutorial", "categorize tutorial")
  eq(text.categorize("capital ideas"), "general", "categorize whole words")
  eq(text.categorize("New release of the API"), "technology", "categorize tie order")
  eq(text.language("the cat is on the mat"), "en", "language en")
  eq(text.language("el gato y los perros de la casa"), "es", "language es")
  eq(text.language("le chat et les chiens"), "fr", "language fr")
  eq(text.language("der Hund und die Katze"), "de", "language de")
  eq(text.language("日本語のテキストです"), "ja", "language ja")
  eq(text.language("中文博客文章"), "zh", "language zh")
  eq(text.language("한국어 블로그 글"), "ko", "language ko")
  -- dates
  eq(dates.canonical("2024-02-29"), "2024-02-29", "date only")
  eq(dates.canonical("2024-02-29 10:00"), "2024-02-29T10:00:00", "no zone")
  eq(dates.canonical("2024-02-29T10:00:00.5+0000"), "2024-02-29T10:00:00.5Z", "zone Z")
  eq(dates.canonical("2024-02-29T10:00:00-05"), "2024-02-29T10:00:00-05:00", "zone -05")
  eq(dates.is_valid("2023-02-29"), false, "not leap")
  eq(dates.is_valid("2024-13-01"), false, "month 13")
  eq(dates.is_valid("2024-01-01T24:00:00Z"), false, "hour 24")
  eq(dates.is_valid(nil), false, "nil date")
  eq(dates.to_epoch("1970-01-01T00:00:00Z"), 0, "epoch 0")
  eq(dates.to_epoch("2000-03-01T00:00:00+01:00"), 951865200, "epoch offset")
  eq(dates.format(dates.from_epoch(951865200)), "2000-02-29T23:00:00Z", "from_epoch")
  eq(dates.format(dates.to_utc("2024-01-01T01:30:00+02:00")), "2023-12-31T23:30:00Z", "to_utc")
  eq(dates.compare("2024-01-01T00:00:00+01:00", "2023-12-31T23:00:00Z"), 0, "compare equal")
  eq(dates.compare("2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.499Z"), 1, "compare frac")
  eq(dates.compare("2024-01-01", "2024-01-02T00:00:00Z"), -1, "compare date only")
  -- fields
  local d = { a = { b = 1 }, n = ferry.null, arr = A { { x = 1 }, { x = 2 } } }
  eq(fields.get(d, "a.b"), 1, "get")
  eq(fields.get(d, "n.x"), nil, "get through null")
  eq(fields.get(d, "missing.x"), nil, "get missing")
  eq(fields.get(d, "arr.2.x"), 2, "get array index")
  fields.set(d, "n.y", 3)
  eq(d.n, { y = 3 }, "set through null")
  fields.move(d, "a.b", "c.d.e")
  eq(d.a, {}, "move leaves parent")
  eq(d.c, { d = { e = 1 } }, "move creates path")
  fields.rename(d, "c.d.e", "f")
  eq(d.c.d, { f = 1 }, "rename")
  fields.copy(d, "arr", "arr2")
  eq(d.arr2, A { { x = 1 }, { x = 2 } }, "copy keeps array")
  eq(d.arr2 ~= d.arr, true, "copy is deep")
  fields.default(d, "n.y", 9)
  fields.default(d, "z", 0)
  eq(d.n.y, 3, "default keeps")
  eq(d.z, 0, "default sets")
  eq(fields.delete(d, "arr.1"), { x = 1 }, "delete array element")
  eq(#d.arr, 1, "delete shifts")
  eq(fields.delete(d, "nope.nope"), nil, "delete missing")
  eq(pcall(fields.set, { s = "str" }, "s.x", 1), false, "set through string fails")
  return { count = count, failures = failures }
end
"""#

    @Test("text, dates and fields behave as their callers expect, under the sandbox")
    func modules() throws {
        let project = try TempProject(["recipes/blog/steps/selftest.lua": Self.checks])
        let engine = try LuaEngine(requireRoots: [project.recipeRoot, Self.transforms], runStartedAt: "2024-05-01T00:00:00Z")
        let step = try engine.loadStep(script: project.path("recipes/blog/steps/selftest.lua"), from: "1.0", to: "2.0")
        guard case .kept(let out) = try run(engine, "{}", steps: [step]) else {
            Issue.record("the self-check step dropped its document")
            return
        }
        let result = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let written = Self.checks.components(separatedBy: "\n  eq(").count - 1
        #expect(result["count"] as? Int == written, "every one of the \(written) checks ran: \(result["count"] ?? "none")")
        #expect((result["failures"] as? [String] ?? ["unreadable"]).isEmpty, "\(result["failures"] ?? "")")
    }
}
