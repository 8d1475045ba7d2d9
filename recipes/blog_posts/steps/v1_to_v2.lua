-- blog_posts 1.0 -> 2.0
--   published_date  = created_date (copied as is, null included; absent stays absent)
--   category        = "general" (kept if the document already has one)
--   tags            = up to 5 distinct #hashtags of content, in order of appearance;
--                     always an array, [] when there are none
-- title, content, author and created_date are left untouched (2.0 keeps created_date).
local text = require "text"
local fields = require "fields"

local MAX_TAGS = 5

-- A text field may be absent, null, a string or an array of strings (ES multi-value);
-- an object cannot be indexed as text, so fail the document with a clear message.
local function check_text(doc, name)
  local v = doc[name]
  if type(v) == "table" and not ferry.is_array(v) then
    error(name .. ": expected text, got an object")
  end
end

return function(doc, ctx)
  check_text(doc, "title")
  check_text(doc, "content")

  if doc.created_date ~= nil then
    fields.default(doc, "published_date", doc.created_date)
  end
  if doc.category == nil or ferry.is_null(doc.category) or doc.category == "" then
    doc.category = "general"
  end
  doc.tags = text.hashtags(doc.content, MAX_TAGS)
  return doc
end
