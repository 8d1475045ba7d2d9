-- The stamped recipe without a changed_field: catch-up and the freeze select what changed by
-- _seq_no where the cluster passes the probe, else compare every id and version (osmem fails
-- the probe: docs/compatibility.md). bench/freeze.sh runs both.
return {
  name = "unstamped",
  description = "1.0 -> 2.0 with no change to the documents; no changed_field",
  aliases = { read = "unstamped_posts", write = "unstamped_posts-write" },
  versions = { "1.0", "2.0" },
  steps = { { from = "1.0", to = "2.0", script = "steps/identity.lua" } },
  batch = { size = 1000 },
}
