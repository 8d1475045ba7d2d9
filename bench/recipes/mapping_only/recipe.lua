-- The identity recipe's mappings with no step script: a mapping-only path, which the cluster
-- copies by itself (`_reindex`) unless `ferry run --client-copy` (bench/reindex.sh).
return {
  name = "mapping_only",
  description = "1.0 -> 2.0, a new mapping (title.raw) and no step script",
  aliases = { read = "bench_posts", write = "bench_posts-write" },
  versions = { "1.0", "2.0" },
  steps = { { from = "1.0", to = "2.0" } },
  batch = { size = 1000 },
}
