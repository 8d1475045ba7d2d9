-- events: a family of monthly event indices (events-2024-01, events-2024-02, ...), created
-- from the index template `events`, behind the read alias `events`, the write alias
-- `events-write` on the newest month (seed 000). See docs/families.md.
--   1.0  type, user_id, ts, message, amount (a number for purchases, else null)
--   2.0  ts renamed @timestamp; user_country (users table); labels (event_labels table,
--        keyed by the document's _id); schema_version "2.0"; the mapping is strict
-- The reverse step 2.0 -> 1.0 (for rollback) renames @timestamp back to ts and drops the
-- looked-up fields: a document that started in 1.0 comes back unchanged; labels or a
-- user_country the 2.0 application wrote by hand are lost (the way forward looks them up again).
return {
  name = "events",
  description = "Monthly events: v1 -> v2 renames ts to @timestamp and adds user_country "
    .. "(users table) and labels (event_labels table, by _id).",
  aliases = { read = "events", write = "events-write" },
  -- Members match the pattern; the template's index_patterns is the pattern and its body
  -- is mappings/<version>.json (docs/families.md).
  family = { pattern = "events-*", template = "events" },
  versions = { "1.0", "2.0" },
  steps = {
    { from = "1.0", to = "2.0", script = "steps/v1_to_v2.lua" },
    -- Reverse step, for rollback.
    { from = "2.0", to = "1.0", script = "steps/v2_to_v1.lua" },
  },
  lookups = {
    -- A few hundred users: an SQL script, loaded in memory.
    users = { sql = "data/users.sql", table = "users", key = "id" },
    -- Per-document data, as many rows as documents in production: an SQLite file, read
    -- in place (id is its PRIMARY KEY). scripts/generate-events.py writes it; the committed
    -- one has 1,000 rows.
    event_labels = { database = "data/event_labels.db", table = "event_labels", key = "id" },
  },
  batch = { size = 1000 },
  version_field = "schema_version",
  canaries = {
    { name = "all events", query = { match_all = {} } },
    { name = "purchases", query = { term = { type = "purchase" } } },
    { name = "events of u-0042", compare = "ids", size = 1000, query = { term = { user_id = "u-0042" } } },
    { name = "messages about coffee", query = { match = { message = "coffee" } } },
    -- 2.0 renames ts to @timestamp, so a range on ts stops matching: reported, not failed.
    { name = "first week of January (ts)", expect = "differ",
      query = { range = { ts = { gte = "2024-01-01T00:00:00Z", lt = "2024-01-08T00:00:00Z" } } } },
  },
}
