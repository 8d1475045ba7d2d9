#!/usr/bin/env bash
# Offline transform throughput (no cluster): N generated v1 documents through `ferry transform`,
# once with the identity recipe (the bridge and runner alone) and once through the blog_posts
# steps 1.0 → 3.0 (the recipe's Lua work). Reports docs/s, MB/s and peak memory.
#   bench/transform.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
ferry="${FERRY_BIN:-.build/release/ferry}"
data=$(mktemp)
python3 scripts/generate-blog-posts.py --count "$n" --index x | awk 'NR % 2 == 0' > "$data"
bytes=$(stat -c %s "$data")
run() {  # label recipes-folder recipe from to
    /usr/bin/time -f "%e %M" -o "$data.t" "$ferry" transform "$3" --from "$4" --to "$5" --recipes "$2" --input "$data" -q > /dev/null
    read -r secs kb < "$data.t"
    python3 -c "import sys; n,b,s,kb=$n,$bytes,$secs,$kb; print(f'{sys.argv[1]:<28} {n/s:10.0f} docs/s {b/s/1e6:8.1f} MB/s  peak {kb/1024:6.1f} MiB')" "$1"
}
echo "documents: $n ($((bytes / 1024 / 1024)) MiB of v1 NDJSON)"
run "identity (runner + bridge)" bench/recipes identity 1.0 2.0
run "blog_posts 1.0 → 3.0" recipes blog_posts 1.0 3.0
rm -f "$data" "$data.t"
