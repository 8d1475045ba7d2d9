-- text: helpers for free text in documents (titles, bodies).
--
--   local text = require "text"
--   text.normalise(s)            strip HTML, collapse whitespace, trim
--   text.strip_html(s)           remove tags/comments/scripts, decode common entities
--   text.collapse_spaces(s)      every whitespace run (ASCII or Unicode spaces) -> " ", trimmed
--   text.hashtags(s, limit)      distinct #tags in order of appearance -> ferry.array
--   text.word_count(s)           words in s (UTF-8 aware, see below)
--   text.reading_time(s, wpm)    minutes: 0 for no words, else max(1, words // wpm)
--   text.reading_minutes(n, wpm) the same for a word count n
--   text.categorize(s, cats)     best matching category name, or "general"
--   text.language(s)             "en" (default), "es", "fr", "de", "ja", "zh", "ko"
--   text.lower(s), text.upper(s) Unicode-aware case (Latin, Greek, Cyrillic; docs/lua-api.md)
--   text.slug(s, max_bytes)      "Crème brûlée!" -> "creme-brulee"
--   text.sha256(s), text.md5(s)  hex digest of the bytes of s
--
-- The work is done in C (`ferry.text`, Sources/CFerryLua/text*.c); this module is its Lua face
-- and holds what a recipe may want to read or change (the default keyword table).
--
-- Every function accepts any value: nil and ferry.null read as "", an array of strings
-- (a multi-valued text field) reads as its elements joined with a space, numbers and
-- booleans read as their tostring. Invalid UTF-8 bytes read as U+FFFD, never an error
-- (sha256 and md5 excepted: they hash the bytes of a string or number as given).
-- Word characters are ASCII letters, digits and "_" plus any non-ASCII code point that is
-- not a space, punctuation, symbol or emoji (so accented letters, Cyrillic, CJK count).
--
-- strip_html: comments, <script> and <style> elements (contents included) and tags go;
-- elements that separate words (p, div, br, li, h1-h6, td, ...) become a space, other
-- tags nothing, so "<p>a</p><p>b</p>" reads "a b" while "<b>bold</b>!" reads "bold!".
-- A tag starts with "<" then a letter, "/" or "!": "a < b" and "x<3" stay text. Entities:
-- &amp; &lt; &gt; &quot; &apos; &nbsp; &ndash; &mdash; &hellip; &copy; &lsquo; &rsquo;
-- &ldquo; &rdquo; and numeric ones (&#233; &#xE9;); anything else stays as written.
--
-- hashtags: "#" + word characters, not preceded by a word character ("C#", "page#anchor"
-- are not tags) and containing a non-digit ("#1" is not a tag); without "#", deduplicated
-- ignoring ASCII case (the first spelling wins), at most `limit`. HTML is stripped first.
--
-- word_count: a word is a run of non-space characters containing a word character;
-- punctuation and emoji neither start nor end words ("don't", "state-of-the-art", "a/b" are
-- one word, a lone "—" or emoji is none). Each ideograph or kana counts as one word.
--
-- language: a deliberately tiny heuristic. Mostly-CJK text is "ja" when it has kana, "ko"
-- for hangul, else "zh". Otherwise very common (ASCII) function words of es/fr/de/en are
-- counted; a language other than English needs at least 2 hits and strictly more than
-- every other language. Default "en".

local T = ferry.text
local M = {}

M.sanitize = T.sanitize
M.as_text = T.as_text
M.is_word_codepoint = T.is_word_codepoint
M.strip_html = T.strip_html
M.collapse_spaces = T.collapse_spaces
M.normalise = T.normalise
M.normalize = T.normalise
M.hashtags = T.hashtags
M.word_count = T.word_count
M.language = T.language
M.lower = T.lower
M.upper = T.upper
M.slug = T.slug
M.sha256 = T.sha256
M.md5 = T.md5

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
  return M.reading_minutes(T.word_count(v), wpm)
end

-- Default keyword table; order breaks ties. Keywords match whole ASCII words ("%w+"
-- runs, case-insensitive), an optional plural "s" included; a space in a keyword
-- matches any run of whitespace. A table is compiled on first use: change a copy, not a
-- table already used.
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

-- The category whose keywords occur most often in the text (ties: first in the table);
-- "general" when none occurs. `categories` defaults to text.CATEGORIES.
function M.categorize(v, categories)
  return T.categorize(v, categories or M.CATEGORIES)
end

return M
