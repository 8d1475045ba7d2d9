-- A recipe whose only step returns the document unchanged: what the runner itself costs.
return {
  name = "identity",
  description = "1.0 -> 2.0 with no change to the documents (benchmarks the runner, not the Lua)",
  aliases = { read = "bench_posts", write = "bench_posts-write" },
  versions = { "1.0", "2.0" },
  steps = { { from = "1.0", to = "2.0", script = "steps/identity.lua" } },
  batch = { size = 1000 },
}
