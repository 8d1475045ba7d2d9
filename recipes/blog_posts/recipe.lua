-- blog_posts: the blog example of seed 004, as a ferry recipe.
--   1.0  title, content, author, created_date
--   2.0  + published_date (from created_date), category ("general"), tags (#hashtags)
--   3.0  cleaned text, real categories, metadata, engagement, author_name (authors lookup)
-- Reverse steps (3.0 -> 2.0 -> 1.0) take documents back for a rollback. They keep every field
-- the older version has, as the application wrote it, and drop the rest. Lossy, by design:
-- engagement counters (no 2.0 field), and on the way to 1.0 a hand-set category,
-- published_date or tags; title and content stay cleaned. Each step's header says exactly what.
return {
  name = "blog_posts",
  description = "Blog posts: v1 -> v2 adds category, tags and published_date; "
    .. "v2 -> v3 cleans the text and adds metadata, engagement counters and author names.",
  aliases = { read = "blog_posts", write = "blog_posts-write" },
  versions = { "1.0", "2.0", "3.0" },
  steps = {
    { from = "1.0", to = "2.0", script = "steps/v1_to_v2.lua" },
    { from = "2.0", to = "3.0", script = "steps/v2_to_v3.lua" },
    -- Reverse steps, for rollback: the shortest path back from 3.0 to 1.0 is both of them.
    { from = "3.0", to = "2.0", script = "steps/v3_to_v2.lua" },
    { from = "2.0", to = "1.0", script = "steps/v2_to_v1.lua" },
  },
  lookups = {
    authors = { sql = "data/authors.sql", table = "authors", key = "id" },
  },
  batch = { size = 500 },
  -- Every step sets it, so an in-place run (`--mode in-place`) can tell migrated documents.
  version_field = "schema_version",
  -- `ferry verify` runs each query on the old and the new index: what the application
  -- asks must get the same answer after the migration (see docs/verify.md).
  -- compare = "count" (default) or "ids" (every match must fit in size); expect = "differ"
  -- reports a canary whose meaning the new version changes on purpose, without failing.
  canaries = {
    { name = "all posts", query = { match_all = {} } },
    { name = "posts by alice", query = { term = { author = "alice" } } },
    { name = "titles with 'guide'", query = { match = { title = "guide" } } },
    { name = "posts of 1 March 2024", compare = "ids", size = 1000,
      query = { range = { created_date = { gte = "2024-03-01T00:00:00Z", lt = "2024-03-02T00:00:00Z" } } } },
    -- 3.0 strips HTML from content, so markup words stop matching: reported, not failed.
    { name = "content with <span> markup", query = { match = { content = "span" } }, expect = "differ" },
  },
}
