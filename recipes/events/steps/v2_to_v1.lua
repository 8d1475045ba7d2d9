-- events 2.0 -> 1.0 (a reverse step: rollback brings documents the 2.0 application wrote
-- back into the 1.0 indices)
--   ts              = @timestamp (renamed back; absent stays absent, null stays null)
--   type, user_id, message, amount   as the 2.0 document has them
-- Dropped, because 1.0 has no field for them:
--   user_country, labels   looked up by 1.0→2.0 (users by user_id, event_labels by _id)
--                          and looked up again on the way forward: nothing is lost unless
--                          the 2.0 application wrote its own values (those are LOSSY)
--   schema_version         the 2.0 marker
-- A document that started in 1.0 comes back from 2.0 unchanged (tests/*round_trip*.json).
local FIELDS_1 = { "type", "user_id", "message", "amount" }

return function(doc, ctx)
  local out = {}
  for _, name in ipairs(FIELDS_1) do
    out[name] = doc[name]
  end
  out.ts = doc["@timestamp"]
  return out
end
