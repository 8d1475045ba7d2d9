-- Differential check: the native `text` module (transforms/text.lua over ferry.text) against
-- the pure-Lua module it replaced (bench/baseline/text.lua, required here as "text_lua"), on
-- generated inputs built from the fragments the rules care about (tags, entities, spaces,
-- hashtags, keywords, stop words, CJK, emoji, invalid UTF-8). Returns
-- { cases = n, mismatches = { "function(input) native ~= lua", ... } } (the first 20).
-- Run by Tests/FerryScriptingTests/TextNativeTests.swift; needs both modules on the require path.
local native = require "text"
local lua = require "text_lua"

local FRAGMENTS = {
  "<", ">", "</", "<p>", "</p>", "<div class='x'>", "<br/>", "<b>", "</b>", "<h1>", "<img src=a>",
  "<script>", "</script>", "<SCRIPT type=x>", "</ScRiPt >", "<scripts>", "<style>", "</style>",
  "<!--", "-->", "<!doctype html>", "<!x", "<a:b-c>", "< p>", "<1>", "</ >", "a < b", "x<3",
  "&", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&nbsp;", "&hellip;", "&copy;", "&rdquo;",
  "&#233;", "&#xE9;", "&#X1F600;", "&#0;", "&#xD800;", "&#1114112;", "&#00000065;", "&#x;",
  "&bogus;", "&#12ab;", "&amp", ";", "#", "##", "#tag", "#Tag", "#TAG", "#1", "#2024", "#a1",
  "#café", "#東京", "#_x", "C#", "page#anchor", "é#x", "#😀", " ", "  ", "\t", "\n", "\r\n", "\v",
  "\f", "\u{A0}", "\u{85}", "\u{1680}", "\u{2003}", "\u{200A}", "\u{2028}", "\u{202F}",
  "\u{205F}", "\u{3000}", "\u{200B}", "é", "É", "ß", "Ω", "ж", "日本", "語", "カナ", "ひら", "한국",
  "😀", "👍🏽", "👩‍💻", "🇫🇷", "—", "…", "·", "×", "a", "Z", "9", "_", "-", ":", "/", "!", "?",
  "'", '"', "=", ".", ",", "s", "how", "to", "how to", "How  To", "hands-on", "Hands-On",
  "pros and cons", "step by step", "getting started", "guide", "guides", "news", "newss",
  "tech", "techs", "API", "apis", "code", "review", "reviews", "launch", "python", "Lua",
  "el", "la", "los", "es", "y", "der", "die", "und", "les", "et", "est", "the", "and", "is",
  "\xff", "\xc3", "\x80", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\0",
}

local seed = 12345
local function rand(n)             -- a small LCG: the same cases on every run
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n + 1
end

local function random_text()
  local parts = {}
  for i = 1, rand(40) - 1 do parts[i] = FRAGMENTS[rand(#FRAGMENTS)] end
  return table.concat(parts)
end

local function show(v)
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = show(x) end
    return (ferry.is_array(v) and "array{" or "{") .. table.concat(parts, ",") .. "}"
  end
  if type(v) == "string" then   -- every byte >= 128 escaped, so the report is valid UTF-8
    return (string.format("%q", v):gsub("[\128-\255]", function(c) return "\\" .. c:byte() end))
  end
  return tostring(v)
end

local mismatches, cases = ferry.array(), 0
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b and math.type(a) == math.type(b) end
  if ferry.is_array(a) ~= ferry.is_array(b) or #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return next(a, #a > 0 and #a or nil) == nil and next(b, #b > 0 and #b or nil) == nil
end
local function check(name, input, ...)
  cases = cases + 1
  local ok1, a = pcall(native[name], input, ...)
  local ok2, b = pcall(lua[name], input, ...)
  if ok1 ~= ok2 or (ok1 and not same(a, b)) then
    if #mismatches < 20 then
      mismatches[#mismatches + 1] = name .. "(" .. show(input) .. ") native " .. show(a) .. " lua " .. show(b)
    end
  end
end

local CUSTOM = {
  { name = "food", keywords = { "Crêpe", "bread and butter", "tea", "tea" } },
  { name = "sport", keywords = { "run", "climb-ing", "a  b", "x.y" } },
  { name = "tech", keywords = { "how to", "code" } },
}

local function check_all(v)
  for _, name in ipairs { "as_text", "strip_html", "collapse_spaces", "normalise", "word_count",
      "language", "categorize" } do
    check(name, v)
  end
  check("categorize", v, CUSTOM)
  for _, limit in ipairs { 0, 1, 2.5, 5, 1000 } do check("hashtags", v, limit) end
  check("hashtags", v)
  check("reading_time", v, 3)
end

for _ = 1, 6000 do
  local s = random_text()
  check("sanitize", s)
  check_all(s)
end
for _, v in ipairs { false, true, 42, 3.5, -0.0, 1e300, ferry.null, {}, ferry.object(),
    ferry.array(), ferry.array { "a #x", 3, "<p>b</p>", "\xff" }, ferry.array { 1, 2 } } do
  check_all(v)
end
check_all(nil)
for cp = 0, 0x20100, 7 do check("is_word_codepoint", cp) end
for cp = 0xE0000, 0xE0100 do check("is_word_codepoint", cp) end

return { cases = cases, mismatches = mismatches }
