-- events 1.0 -> 2.0
--   @timestamp      = ts (renamed; absent stays absent, null stays null)
--   user_country    country of user_id in the `users` table; absent when user_id is not a
--                   non-empty string, has no row, or the row's country is NULL
--   labels          the `event_labels` row of the document's _id (ctx.id), its
--                   comma-separated `labels` column as an array of strings; absent when
--                   there is no row (or the document has no _id, as in `ferry transform`
--                   on bare sources)
--   schema_version  "2.0"
-- type, user_id, message and amount are left untouched. The 2.0 mapping is strict, so a
-- field 1.0 did not define fails the document (named) instead of being dropped silently.
local KNOWN = { type = true, user_id = true, ts = true, message = true, amount = true }

local function split(list)
  local out = ferry.array()
  for label in string.gmatch(list, "[^,]+") do
    label = label:match("^%s*(.-)%s*$")
    if label ~= "" then out[#out + 1] = label end
  end
  return out
end

return function(doc, ctx)
  local unknown = {}
  for name in pairs(doc) do
    if not KNOWN[name] then unknown[#unknown + 1] = name end
  end
  if #unknown > 0 then
    table.sort(unknown)
    error("unexpected field " .. table.concat(unknown, ", ") .. ": the 2.0 mapping is strict; map it in steps/v1_to_v2.lua")
  end

  doc["@timestamp"] = doc.ts
  doc.ts = nil

  if type(doc.user_id) == "string" and doc.user_id ~= "" then
    local user = ctx.lookup("users", doc.user_id)
    if user and type(user.country) == "string" and user.country ~= "" then
      doc.user_country = user.country
    end
  end

  if ctx.id ~= "" then
    local row = ctx.lookup("event_labels", ctx.id)
    if row and type(row.labels) == "string" then
      local labels = split(row.labels)
      if #labels > 0 then doc.labels = labels end
    end
  end

  doc.schema_version = "2.0"
  return doc
end
