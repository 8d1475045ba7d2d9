-- blog_posts 2.0 -> 1.0 (a reverse step, for rollback to 1.0). The output has exactly the
-- fields of the strict 1.0 mapping, each as the 2.0 (or 3.0) application left it:
--   title, content, author, created_date
-- Dropped, because 1.0 has no field for them:
--   tags             computed from content's #hashtags by 1.0→2.0, computed again on the
--                    way forward; LOSSY only for tags the application edited by hand
--   category         LOSSY when the application chose one: the way forward makes it
--                    "general" again (and 2.0→3.0 derives it from the text)
--   published_date   LOSSY when the application moved it away from created_date: the way
--                    forward copies created_date into it again (created_date itself is kept
--                    in every version, so the post's own date is never lost)
-- For a document that started in 1.0, 1.0 → 2.0 → 1.0 gives it back unchanged.
local FIELDS_1 = { "title", "content", "author", "created_date" }

return function(doc, ctx)
  local out = {}
  for _, name in ipairs(FIELDS_1) do
    out[name] = doc[name]
  end
  return out
end
