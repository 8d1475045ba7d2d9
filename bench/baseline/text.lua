-- text: helpers for free text in documents (titles, bodies).
--
--   local text = require "text"
--   text.normalise(s)            strip HTML, collapse whitespace, trim
--   text.strip_html(s)           remove tags/comments/scripts, decode common entities
--   text.hashtags(s, limit)      distinct #tags in order of appearance -> ferry.array
--   text.word_count(s)           words in s (UTF-8 aware, see below)
--   text.reading_time(s, wpm)    minutes: 0 for no words, else max(1, words // wpm)
--   text.reading_minutes(n, wpm) the same for a word count n
--   text.categorize(s, cats)     best matching category name, or "general"
--   text.language(s)             "en" (default), "es", "fr", "de", "ja", "zh", "ko"
--
-- Every function accepts any value: nil and ferry.null read as "", an array of strings
-- (a multi-valued text field) reads as its elements joined with a space, numbers and
-- booleans read as their tostring. Invalid UTF-8 bytes read as U+FFFD, never an error.
-- Word characters are ASCII letters, digits and "_" plus any non-ASCII code point that is
-- not a space, punctuation, symbol or emoji (so accented letters, Cyrillic, CJK count).

local M = {}

-- Value -> string ---------------------------------------------------------------------

-- Replace each invalid UTF-8 byte with U+FFFD so utf8.codes never raises.
local function sanitize(s)
  if utf8.len(s) then return s end
  local out, i = {}, 1
  while true do
    local ok, bad = utf8.len(s, i)
    if ok then out[#out + 1] = s:sub(i); break end
    out[#out + 1] = s:sub(i, bad - 1)
    out[#out + 1] = "\u{FFFD}"
    i = bad + 1
  end
  return table.concat(out)
end
M.sanitize = sanitize

-- The text a field value stands for ("" for nil, null, objects).
local function as_text(v)
  local t = type(v)
  if t == "string" then return sanitize(v) end
  if t == "number" or t == "boolean" then return tostring(v) end
  if t == "table" and ferry.is_array(v) then
    local parts = {}
    for _, item in ipairs(v) do
      if type(item) == "string" then parts[#parts + 1] = sanitize(item) end
    end
    return table.concat(parts, " ")
  end
  return ""
end
M.as_text = as_text

-- Character classes ---------------------------------------------------------------------

-- ASCII word characters: [A-Za-z0-9_].
local ASCII_WORD = {}
for c = 0, 127 do
  local ch = string.char(c)
  ASCII_WORD[c] = ch:find("^[%w_]$") ~= nil
end

local function is_space(cp)
  return cp == 32 or (cp >= 9 and cp <= 13) or cp == 0x85 or cp == 0xA0 or cp == 0x1680
      or (cp >= 0x2000 and cp <= 0x200A) or cp == 0x2028 or cp == 0x2029
      or cp == 0x202F or cp == 0x205F or cp == 0x3000
end

-- Ideographs and kana are written without spaces: each one counts as a word.
local function is_cjk(cp)
  return (cp >= 0x3040 and cp <= 0x30FF) or (cp >= 0x31F0 and cp <= 0x31FF)
      or (cp >= 0x3400 and cp <= 0x4DBF) or (cp >= 0x4E00 and cp <= 0x9FFF)
      or (cp >= 0xF900 and cp <= 0xFAFF) or (cp >= 0x20000 and cp <= 0x3FFFF)
end

local function is_word(cp)
  if cp < 128 then return ASCII_WORD[cp] end
  -- Non-ASCII: everything except the punctuation / symbol / emoji blocks below.
  return not (cp <= 0xBF or cp == 0xD7 or cp == 0xF7
      or (cp >= 0x2000 and cp <= 0x2BFF)     -- punctuation, arrows, math, dingbats
      or (cp >= 0x2E00 and cp <= 0x2E7F)     -- supplemental punctuation
      or (cp >= 0x3000 and cp <= 0x303F)     -- CJK symbols and punctuation
      or (cp >= 0xFE00 and cp <= 0xFE6F)     -- variation selectors, CJK compat forms
      or cp == 0xFEFF or cp == 0xFFFD
      or (cp >= 0xFF00 and cp <= 0xFF0F) or (cp >= 0xFF1A and cp <= 0xFF20)
      or (cp >= 0xFF3B and cp <= 0xFF40) or (cp >= 0xFF5B and cp <= 0xFF65)
      or (cp >= 0x1F000 and cp <= 0x1FAFF)   -- emoji, pictographs, skin tones
      or (cp >= 0xE0000 and cp <= 0xE007F))  -- emoji tag characters
end
M.is_word_codepoint = is_word

-- HTML ---------------------------------------------------------------------------------

-- Elements that separate words: replaced by a space, other tags by nothing, so
-- "<p>a</p><p>b</p>" reads "a b" while "<b>bold</b>!" reads "bold!".
local BLOCK = {}
for name in ("address article aside blockquote br dd div dl dt figcaption figure footer "
    .. "h1 h2 h3 h4 h5 h6 header hr img li main nav ol p pre section table tbody td tfoot "
    .. "th thead tr ul"):gmatch("%S+") do
  BLOCK[name] = true
end

local ENTITIES = {
  amp = "&", lt = "<", gt = ">", quot = '"', apos = "'", nbsp = " ",
  ndash = "\u{2013}", mdash = "\u{2014}", hellip = "\u{2026}", copy = "\u{A9}",
  lsquo = "\u{2018}", rsquo = "\u{2019}", ldquo = "\u{201C}", rdquo = "\u{201D}",
}

-- A case-insensitive Lua pattern for an ASCII word ("script" -> "[sS][cC]...").
local function nocase(word)
  return (word:gsub("%a", function(c) return "[" .. c:lower() .. c:upper() .. "]" end))
end
local SCRIPT_OPEN, SCRIPT_CLOSE = "<" .. nocase("script"), "</" .. nocase("script") .. "%s*>"
local STYLE_OPEN, STYLE_CLOSE = "<" .. nocase("style"), "</" .. nocase("style") .. "%s*>"

local function decode_entity(body)
  local num = body:match("^#(%d+)$")
  local cp = num and tonumber(num)
  if not cp then
    local hex = body:match("^#[xX](%x+)$")
    cp = hex and tonumber(hex, 16)
  end
  if cp then
    if #body <= 8 and cp > 0 and cp <= 0x10FFFF and not (cp >= 0xD800 and cp <= 0xDFFF) then
      return utf8.char(cp)
    end
    return nil                                  -- leave "&#...;" as written
  end
  return ENTITIES[body]
end

-- Remove an element and everything inside it (script, style); an unclosed one runs to
-- the end of the text.
local function drop_element(s, open, close)
  local out, i = {}, 1
  while true do
    local a = s:find(open .. "[%s>/]", i) or s:find(open .. "$", i)
    if not a then break end
    out[#out + 1] = s:sub(i, a - 1)
    local _, b = s:find(close, a)
    if not b then i = #s + 1; break end
    out[#out + 1] = " "
    i = b + 1
  end
  out[#out + 1] = s:sub(i)
  return table.concat(out)
end

function M.strip_html(v)
  local s = as_text(v)
  if not (s:find("<", 1, true) or s:find("&", 1, true)) then return s end
  s = s:gsub("<!%-%-.-%-%->", "")              -- comments
  s = drop_element(s, SCRIPT_OPEN, SCRIPT_CLOSE)
  s = drop_element(s, STYLE_OPEN, STYLE_CLOSE)
  -- A tag starts with "<" then a letter, "/" or "!": "a < b" and "x<3" stay text.
  s = s:gsub("<(/?)(%a[%w:%-]*)[^>]*>", function(_, name)
    return BLOCK[name:lower()] and " " or ""
  end)
  s = s:gsub("<![^>]*>", "")                   -- doctype and friends
  s = s:gsub("&(#?[%w]+);", decode_entity)
  return s
end

-- Whitespace ---------------------------------------------------------------------------

-- Non-ASCII spaces (U+0085, U+00A0, U+1680, U+2000-200A, U+2028, U+2029, U+202F,
-- U+205F, U+3000) by their UTF-8 bytes, rewritten to " " before collapsing. UTF-8 is
-- self-synchronising, so these byte patterns cannot match inside another character.
local UNICODE_SPACE_PATTERNS = {
  "\194[\133\160]", "\225\154\128", "\226\128[\128-\138\168\169\175]",
  "\226\129\159", "\227\128\128",
}

-- Plain finds (memchr) are much cheaper than scanning with a character class, so check
-- whether any work is needed before running the patterns.
local function has_any(s, needles)
  for _, needle in ipairs(needles) do
    if s:find(needle, 1, true) then return true end
  end
  return false
end
local SPACE_LEADS = { "\194", "\225", "\226", "\227" }
local ODD_WHITESPACE = { "  ", "\n", "\t", "\r", "\v", "\f" }

local function collapse_spaces(s)
  if has_any(s, SPACE_LEADS) then
    for _, pat in ipairs(UNICODE_SPACE_PATTERNS) do s = s:gsub(pat, " ") end
  end
  if has_any(s, ODD_WHITESPACE) then s = s:gsub("%s+", " ") end
  if s:byte(1) == 32 then s = s:sub(2) end
  if s:byte(-1) == 32 then s = s:sub(1, -2) end
  return s
end
M.collapse_spaces = function(v) return collapse_spaces(as_text(v)) end

-- strip_html then collapse all whitespace runs to one space and trim.
function M.normalise(v)
  return collapse_spaces(M.strip_html(v))
end
M.normalize = M.normalise

-- Hashtags -----------------------------------------------------------------------------

-- The length in bytes of the UTF-8 character whose lead byte is b (valid UTF-8).
local function char_len(b)
  if b < 0x80 then return 1 elseif b < 0xE0 then return 2 elseif b < 0xF0 then return 3 end
  return 4
end

-- Is the character that ends just before byte offset i a word character?
local function word_before(s, i)
  if i <= 1 then return false end
  local b = s:byte(i - 1)
  if b < 0x80 then return ASCII_WORD[b] end
  local start = i - 1
  while start > 1 and s:byte(start) & 0xC0 == 0x80 do start = start - 1 end
  return is_word(utf8.codepoint(s, start))
end

-- "#" + word characters, not preceded by a word character ("C#", "page#anchor" are not
-- tags) and containing at least one non-digit ("#1" is not a tag). Tags are returned
-- without "#", in order of first appearance, deduplicated ignoring ASCII case (the first
-- spelling wins), at most `limit` of them. HTML is stripped first so colour codes and
-- URL fragments in attributes are not read as tags.
function M.hashtags(v, limit)
  local tags = ferry.array()
  limit = limit or math.maxinteger
  local s = M.strip_html(v)
  if limit <= 0 then return tags end
  local seen, count, pos, n = {}, 0, 1, #s
  while count < limit do
    local hash = s:find("#", pos, true)
    if not hash then break end
    pos = hash + 1
    if not word_before(s, hash) then
      -- The tag body: ASCII word runs (matched in C) and non-ASCII word characters.
      local stop = hash + 1
      while stop <= n do
        local _, e = s:find("^[%w_]+", stop)
        if e then stop = e + 1 end
        local b = s:byte(stop)
        if not b or b < 0x80 or not is_word(utf8.codepoint(s, stop)) then break end
        stop = stop + char_len(b)
      end
      local tag = s:sub(hash + 1, stop - 1)
      pos = stop
      if tag:find("%D") then                      -- "#1" and "#2024" are not tags
        local key = tag:lower()
        if not seen[key] then
          seen[key] = true
          count = count + 1
          tags[count] = tag
        end
      end
    end
  end
  return tags
end

-- Words --------------------------------------------------------------------------------

-- A word is a run of non-space characters containing a word character; punctuation and
-- emoji neither start nor end words ("don't", "state-of-the-art", "a/b" are one word,
-- a lone "—" or emoji is none). Each ideograph or kana counts as one word.
local function count_token(token)                -- a token with non-ASCII characters
  local n, in_word = 0, false
  for _, cp in utf8.codes(token) do
    if is_space(cp) then
      in_word = false
    elseif is_cjk(cp) then
      n, in_word = n + 1, false
    elseif is_word(cp) and not in_word then
      n, in_word = n + 1, true
    end
  end
  return n
end

function M.word_count(v)
  local s = as_text(v)
  local n = 0
  if utf8.len(s) == #s then                       -- all ASCII (s is valid UTF-8 here)
    for token in s:gmatch("%S+") do
      if token:find("[%w_]") then n = n + 1 end
    end
    return n
  end
  for token in s:gmatch("%S+") do
    if not token:find("[\128-\255]") then
      if token:find("[%w_]") then n = n + 1 end
    else
      n = n + count_token(token)
    end
  end
  return n
end

-- Minutes to read at `wpm` words per minute (default 200): 0 when there are no words,
-- otherwise at least 1. Always an integer.
-- reading_minutes(words, wpm) is the same rule for an already counted number of words.
function M.reading_minutes(words, wpm)
  wpm = math.tointeger(wpm or 200)
  if not wpm or wpm <= 0 then error("text.reading_time: wpm must be a positive integer", 2) end
  if words <= 0 then return 0 end
  return math.max(1, words // wpm)
end

function M.reading_time(v, wpm)
  return M.reading_minutes(M.word_count(v), wpm)
end

-- Categories ---------------------------------------------------------------------------

-- Default keyword table; order breaks ties. Keywords match whole ASCII words ("%w+"
-- runs, case-insensitive), an optional plural "s" included; a space in a keyword
-- matches any run of whitespace.
M.CATEGORIES = {
  { name = "technology", keywords = { "tech", "technology", "software", "programming",
    "code", "coding", "developer", "api", "database", "cloud", "linux", "kubernetes",
    "javascript", "python", "lua", "algorithm", "computer" } },
  { name = "tutorial", keywords = { "how to", "guide", "tutorial", "step by step",
    "walkthrough", "beginner", "getting started" } },
  { name = "news", keywords = { "news", "update", "announcement", "release", "released",
    "launch", "breaking" } },
  { name = "review", keywords = { "review", "opinion", "rating", "evaluation", "verdict",
    "pros and cons", "hands-on" } },
}

-- Keyword tables compiled once per categories table: single words are looked up in the
-- word counts of the text; phrases ("how to", "hands-on") use a pattern, tried only when
-- their first word occurs at all.
local compiled = setmetatable({}, { __mode = "k" })

local function compile(categories)
  local c = compiled[categories]
  if c then return c end
  c = {}
  for i, cat in ipairs(categories) do
    local words, phrases = {}, {}
    for _, kw in ipairs(cat.keywords) do
      kw = kw:lower()
      if kw:find("^%w+$") then
        words[#words + 1] = kw
      else
        local body = kw:gsub("%p", "%%%0"):gsub("%s+", "%%s+")
        phrases[#phrases + 1] = { first = kw:match("%w+"), pattern = "%f[%w]" .. body .. "s?%f[%W]" }
      end
    end
    c[i] = { name = cat.name, words = words, phrases = phrases }
  end
  compiled[categories] = c
  return c
end

-- Lowercased text and its ASCII words ("%w+" runs) with their counts. categorize and
-- language usually read the same text one after the other, so the last result is kept
-- (a pure cache: same text, same result).
local last_text, last_lower, last_counts
local function ascii_words(s)
  if s ~= last_text then
    local lower, counts = s:lower(), {}
    for w in lower:gmatch("%w+") do counts[w] = (counts[w] or 0) + 1 end
    last_text, last_lower, last_counts = s, lower, counts
  end
  return last_lower, last_counts
end

-- The category whose keywords occur most often in the text (ties: first in the table);
-- "general" when none occurs. `categories` defaults to text.CATEGORIES.
function M.categorize(v, categories)
  local s, counts = ascii_words(as_text(v))
  local best, best_score = "general", 0
  for _, cat in ipairs(compile(categories or M.CATEGORIES)) do
    local score = 0
    for _, kw in ipairs(cat.words) do
      score = score + (counts[kw] or 0) + (counts[kw .. "s"] or 0)
    end
    for _, ph in ipairs(cat.phrases) do
      if counts[ph.first] or counts[ph.first .. "s"] then
        for _ in s:gmatch(ph.pattern) do score = score + 1 end
      end
    end
    if score > best_score then best, best_score = cat.name, score end
  end
  return best
end

-- Language -----------------------------------------------------------------------------

-- A deliberately tiny heuristic. Mostly-CJK text is "ja" when it has kana, "ko" for
-- hangul, else "zh". Otherwise count very common (ASCII) function words of es/fr/de/en;
-- a language other than English needs at least 2 hits and strictly more than every
-- other language. Default "en".
local STOPWORDS = {
  en = "the and is are was of to that this with for you it not",
  es = "el los las del por para con una es y lo como pero muy",
  fr = "le les des est et une pour dans qui du avec pas sur au",
  de = "der die das und ist nicht mit ein eine zu den von auf sich",
}
local LANGS = { "en", "es", "fr", "de" }  -- fixed order keeps the result deterministic
local STOP = {}
for lang, words in pairs(STOPWORDS) do
  for w in words:gmatch("%S+") do STOP[w] = lang end
end

-- UTF-8 byte patterns (approximate block ranges are enough for a ratio).
local KANA = "\227[\129-\131][\128-\191]"               -- U+3040-30FF
local HAN = "[\228-\233][\128-\191][\128-\191]"           -- U+4000-9FFF
local HANGUL = "[\234-\237][\128-\191][\128-\191]"        -- U+A000-DFFF (syllables)

function M.language(v)
  local s = as_text(v)
  if s:find("[\227-\237]") then
    local _, kana = s:gsub(KANA, "")
    local _, han = s:gsub(HAN, "")
    local _, hangul = s:gsub(HANGUL, "")
    local cjk = kana + han + hangul
    if cjk > 0 and cjk * 2 > M.word_count(s) then
      if kana > 0 then return "ja" end
      if hangul > han then return "ko" end
      return "zh"
    end
  end
  local hits = { en = 0, es = 0, fr = 0, de = 0 }
  local _, counts = ascii_words(s)
  for word, lang in pairs(STOP) do
    local c = counts[word]
    if c then hits[lang] = hits[lang] + c end
  end
  local best, best_hits = "en", hits.en
  for _, lang in ipairs(LANGS) do
    if lang ~= "en" and hits[lang] >= 2 and hits[lang] > best_hits then
      best, best_hits = lang, hits[lang]
    end
  end
  -- Require a strict win: a tie between two non-English languages stays "en".
  for _, lang in ipairs(LANGS) do
    if lang ~= best and best ~= "en" and hits[lang] == best_hits then return "en" end
  end
  return best
end

return M
