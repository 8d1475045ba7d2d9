-- blog_posts 2.0 -> 3.0
--   title, content   normalised: HTML stripped, whitespace collapsed, trimmed
--                    (strings, and each string of an array; absent/null left as they are)
--   category         re-derived from title + content keywords when it is "general"
--                    (or missing/null/empty); any other category is kept
--   tags             kept; only a missing/null value is filled from content #hashtags
--   published_date   kept; filled from created_date when missing/null
--   created_date     KEPT in 3.0: published_date can differ from it once the v2 app
--                    edits it, so dropping it would lose data no later step can rebuild
--                    (and a rollback to 2.0 still has it)
--   metadata         recomputed: word_count and reading_time of content (0 minutes when
--                    there are no words, else max(1, words // 200)), language of
--                    title + content, last_updated = ctx.run_started_at (deterministic)
--   engagement       views/likes/shares/comments_count: existing values kept (as
--                    integers), anything else (missing, null, not a number) becomes 0;
--                    other keys under engagement are dropped (the mapping is strict)
--   author_name      display_name of the author in the `authors` lookup; when the author
--                    is missing or has no row, author_name is left as it is (absent for
--                    v2 documents): no made-up fallback, `author` still holds the id
--   schema_version   "3.0"
local text = require "text"
local fields = require "fields"

local WORDS_PER_MINUTE = 200
local COUNTERS = { "views", "likes", "shares", "comments_count" }
local COUNTER_PATHS = {}
for _, name in ipairs(COUNTERS) do COUNTER_PATHS[name] = "engagement." .. name end

local function check_text(doc, name)
  local v = doc[name]
  if type(v) == "table" and not ferry.is_array(v) then
    error(name .. ": expected text, got an object")
  end
end

-- Normalise a text field in place, keeping its shape (string or array of strings).
local function normalise_field(doc, name)
  local v = doc[name]
  if type(v) == "string" then
    doc[name] = text.normalise(v)
  elseif ferry.is_array(v) then
    for i, item in ipairs(v) do
      if type(item) == "string" then v[i] = text.normalise(item) end
    end
  end
end

-- An engagement counter as an integer. Numbers (and numeric strings) are kept, floats
-- truncated like an Elasticsearch integer field would; anything else, or a negative
-- value, is 0.
local function counter(v)
  if type(v) == "string" then v = tonumber(v) end
  if type(v) == "number" and v >= 0 then
    local n = math.tointeger(v // 1)
    if n then return n end
  end
  return 0
end

return function(doc, ctx)
  check_text(doc, "title")
  check_text(doc, "content")
  normalise_field(doc, "title")
  normalise_field(doc, "content")

  local title, content = text.as_text(doc.title), text.as_text(doc.content)
  local both = title .. " " .. content

  local category = doc.category
  if fields.is_missing(category) or category == "" or category == "general" then
    doc.category = text.categorize(both)
  end

  fields.default(doc, "tags", function() return text.hashtags(content, 5) end)
  fields.default(doc, "published_date", doc.created_date)

  local words = text.word_count(content)
  local metadata = {
    word_count = words,
    reading_time = text.reading_minutes(words, WORDS_PER_MINUTE),
    language = text.language(both),
    last_updated = ctx.run_started_at,
  }
  doc.metadata = metadata

  local engagement = {}
  for _, name in ipairs(COUNTERS) do
    engagement[name] = counter(fields.get(doc, COUNTER_PATHS[name]))
  end
  doc.engagement = engagement

  if type(doc.author) == "string" and doc.author ~= "" then
    local row = ctx.lookup("authors", doc.author)
    if row and type(row.display_name) == "string" and row.display_name ~= "" then
      doc.author_name = row.display_name
    end
  end

  doc.schema_version = "3.0"
  return doc
end
