// The sandbox's own pattern matcher (pattern.c) against the stock string library of liblua,
// both in one plain lua_State, over generated patterns, subjects and replacements: results,
// captures and error messages must be identical.
import Testing
import CFerryLua

@Suite struct PatternTests {
    /// Generates cases with a fixed LCG (no math.random: the same cases on every run) and
    /// returns "ok <n>" or the first mismatches.
    static let script = #"""
    local seed = 12345
    local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
    local atoms = {"a", "b", ".", "%a", "%d", "%s", "%w", "%p", "%A", "%D", "%x", "%u", "%l", "%c", "%g",
      "[ab]", "[^ab]", "[a-c]", "[%d_]", "[]]", "[^]]", "[a-]", "%.", "%%", "%b()", "%bab", "%f[%w]", "%f[%W]",
      "x", " ", "(", ")", "()", "%1", "%2", "^", "$", "-", "[", "%", "%f", "%b", "%z", "(a)", "(%a+)", "[%a-z]"}
    local reps = {"", "", "", "*", "+", "-", "?"}
    local chars = {"a", "b", "c", "(", ")", " ", "1", "2", "_", "x", "A", "B", ".", "%", "]", "\0", "\n", "é"}
    local function gen_pattern()
      local parts = {}
      for i = 1, rnd(5) do parts[#parts + 1] = atoms[rnd(#atoms)] .. reps[rnd(#reps)] end
      return table.concat(parts)
    end
    local function gen_subject()
      local parts = {}
      for i = 1, rnd(14) - 1 do parts[#parts + 1] = chars[rnd(#chars)] end
      return table.concat(parts)
    end
    local function pack(ok, ...) return {n = select("#", ...), ok = ok, ...} end
    local function show(r)
      local out = {tostring(r.ok)}
      for i = 1, r.n do out[#out + 1] = type(r[i]) .. ":" .. tostring(r[i]) end
      return table.concat(out, "|")
    end
    local repls = {"<%0>", "%1", "%2-%1", "%%", "x%", "%a", "", "[%0%0]"}
    local tab = {a = "A", b = false, ["1"] = "one"}
    local fails, n = {}, 0
    local function same(what, a, b)
      n = n + 1
      local sa, sb = show(a), show(b)
      if sa ~= sb and #fails < 10 then fails[#fails + 1] = what .. "\n  stock:   " .. sa .. "\n  sandbox: " .. sb end
    end
    for i = 1, 20000 do
      local p, s = gen_pattern(), gen_subject()
      local init = ({nil, 1, 2, -1, -3, 0, 20})[rnd(7)]
      local label = string.format("%q on %q init %s", p, s, tostring(init))
      same("find " .. label, pack(pcall(string.find, s, p, init)), pack(pcall(string.sandbox_find, s, p, init)))
      same("find plain " .. label, pack(pcall(string.find, s, p, init, true)), pack(pcall(string.sandbox_find, s, p, init, true)))
      same("match " .. label, pack(pcall(string.match, s, p, init)), pack(pcall(string.sandbox_match, s, p, init)))
      local function all(gm)
        return pack(pcall(function()
          local out = {}
          for a, b in gm(s, p, init) do out[#out + 1] = tostring(a) .. "," .. tostring(b) if #out > 50 then break end end
          return table.concat(out, ";")
        end))
      end
      same("gmatch " .. label, all(string.gmatch), all(string.sandbox_gmatch))
      local r = rnd(#repls + 2)
      local repl = r <= #repls and repls[r] or (r == #repls + 1 and tab or function(a, b) return b and (a .. "/" .. tostring(b)) or nil end)
      local max = ({nil, 0, 1, 2})[rnd(4)]
      same("gsub " .. label .. " repl " .. tostring(repls[r]), pack(pcall(string.gsub, s, p, repl, max)),
           pack(pcall(string.sandbox_gsub, s, p, repl, max)))
    end
    -- Fixed cases the generator may miss: anchors, balance, frontier, position captures.
    local fixed = {
      {"hello world from lua", "^(%w+)"}, {"  trim  ", "^%s*(.-)%s*$"}, {"f(a(b)c)d", "%b()"},
      {"THE (quick) fox", "%f[%a]%a+"}, {"key = value", "(%w+)%s*=%s*(%w+)"}, {"abc", "()b()"},
      {"aaa", "a-b"}, {"aaa", "^a-$"}, {"x$y", "x$y"}, {"a.b", "%."}, {"hello", ""}, {"", ""},
      {"abcabc", "(abc)%1"}, {"#tag #other", "#(%w+)"}, {"2024-05-01", "(%d+)-(%d+)-(%d+)"},
    }
    for _, c in ipairs(fixed) do
      same("fixed find " .. c[2], pack(pcall(string.find, c[1], c[2])), pack(pcall(string.sandbox_find, c[1], c[2])))
      same("fixed gsub " .. c[2], pack(pcall(string.gsub, c[1], c[2], "<%0>")), pack(pcall(string.sandbox_gsub, c[1], c[2], "<%0>")))
    end
    if #fails > 0 then return "MISMATCH after " .. n .. " comparisons:\n" .. table.concat(fails, "\n") end
    return "ok " .. n
    """#

    @Test func theSandboxMatcherAgreesWithTheStockLibrary() {
        var out = [CChar](repeating: 0, count: 16384)
        var script = Self.script
        let status = script.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { ferry_pattern_test_run($0.baseAddress, $0.count, &out, out.count) }
        }
        let text = String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(status == 0, "\(text)")
        #expect(text.hasPrefix("ok "), "\(text)")
        #expect((Int(text.dropFirst(3)) ?? 0) > 100_000, "\(text)")
    }
}
