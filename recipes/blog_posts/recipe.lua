-- blog_posts: the blog example of seed 004, as a ferry recipe.
--   1.0  title, content, author, created_date
--   2.0  + published_date (from created_date), category ("general"), tags (#hashtags)
--   3.0  cleaned text, real categories, metadata, engagement, author_name (authors lookup)
return {
  name = "blog_posts",
  description = "Blog posts: v1 -> v2 adds category, tags and published_date; "
    .. "v2 -> v3 cleans the text and adds metadata, engagement counters and author names.",
  aliases = { read = "blog_posts", write = "blog_posts-write" },
  versions = { "1.0", "2.0", "3.0" },
  steps = {
    { from = "1.0", to = "2.0", script = "steps/v1_to_v2.lua" },
    { from = "2.0", to = "3.0", script = "steps/v2_to_v3.lua" },
  },
  lookups = {
    authors = { sql = "data/authors.sql", table = "authors", key = "id" },
  },
  batch = { size = 500 },
}
