-- The identity recipe with a changed_field: the application stamps `updated_at` (epoch ms) on
-- every write, so catch-up and the freeze read only what changed (bench/freeze.sh).
return {
  name = "stamped",
  description = "1.0 -> 2.0 with no change to the documents; catch-up by updated_at",
  aliases = { read = "stamped_posts", write = "stamped_posts-write" },
  versions = { "1.0", "2.0" },
  steps = { { from = "1.0", to = "2.0", script = "steps/identity.lua" } },
  batch = { size = 1000 },
  changed_field = "updated_at",
}
