-- blog_posts 3.0 -> 2.0 (a reverse step: rollback brings documents the 3.0 application
-- wrote back into the 2.0 index). The output has exactly the fields of the strict 2.0
-- mapping, each as the 3.0 document has it (absent stays absent, null stays null):
--   title, content, author, created_date, published_date, category, tags
--                    what the 3.0 application wrote goes back as it is
-- Dropped, because 2.0 has no field for them:
--   metadata, author_name
--                    computed by 2.0→3.0 from the fields above and the authors table,
--                    computed again on the way forward: nothing is lost
--   schema_version   the 3.0 marker
--   engagement       LOSSY: views/likes/shares/comments_count the 3.0 application counted
--                    have no 2.0 field; migrating forward again starts them at 0
-- What 2.0→3.0 changed is not undone (it cannot be): title and content stay normalised
-- (HTML and extra whitespace are gone), a category derived from "general" stays derived,
-- a published_date filled from created_date stays filled. The round-trip fixtures
-- (tests/*_round_trip_*.json) spell each of these out.
local FIELDS_2 = { "title", "content", "author", "created_date", "published_date", "category", "tags" }

return function(doc, ctx)
  local out = {}
  for _, name in ipairs(FIELDS_2) do
    out[name] = doc[name]
  end
  return out
end
