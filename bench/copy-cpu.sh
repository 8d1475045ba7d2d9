#!/usr/bin/env bash
# CPU per document of a whole copy: ferry (identity recipe: the runner's own cost) against the
# hand-written Python scan-and-bulk baseline, on the same documents in the same osmem, in the
# same session. osmem's ingest bounds both wall times; the CPU of each client is what differs.
#   bench/copy-cpu.sh [N]          (needs scripts/setup.sh to have built .build/release/ferry)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20000}"
ferry="${FERRY_BIN:-.build/release/ferry}"
url=$(scripts/osmem.sh $$)
state=$(mktemp -d)
common=(--url "$url" --recipes bench/recipes --state "$state/state.db")

"$ferry" init identity --version 1.0 "${common[@]}" >/dev/null
python3 scripts/generate-blog-posts.py --count "$n" --index bench_posts-write | python3 scripts/bulk-load.py "$url" 2>/dev/null
source=$(curl -s "$url/_alias/bench_posts" | python3 -c 'import json,sys; print(next(iter(json.load(sys.stdin))))')
curl -s -XPUT "$url/python_copy" -H 'content-type: application/json' --data-binary @bench/recipes/identity/mappings/2.0.json >/dev/null


"$ferry" run identity --yes "${common[@]}" > "$state/ferry.out" 2>/dev/null
/usr/bin/time -f "%e %U %S" -o "$state/python.t" python3 bench/python_copy.py "$url" "$source" python_copy >/dev/null 2>&1
python3 - "$n" "$state/ferry.out" "$state/python.t" <<'PY'
import re, sys
n = int(sys.argv[1])
report = open(sys.argv[2]).read()
copy_cpu, all_cpu = map(float, re.search(r"cpu\s+([\d.]+) s copying .*?, ([\d.]+) s in all", report).groups())
wall = float(re.search(r"copy ([\d.]+) s at", report).group(1))
pw, pu, ps = map(float, open(sys.argv[3]).read().split())
pc = pu + ps
print(f"documents                   {n}")
print(f"ferry copy phase            wall {wall:6.2f} s   cpu {copy_cpu:5.2f} s   {copy_cpu / n * 1e6:6.1f} µs cpu/doc")
print(f"ferry whole run             cpu {all_cpu:5.2f} s (adds catch-up id scans, frozen check, verification)")
print(f"python scroll+bulk copy     wall {pw:6.2f} s   cpu {pc:5.2f} s   {pc / n * 1e6:6.1f} µs cpu/doc")
print(f"python / ferry cpu (copy)   {pc / copy_cpu:.1f}x")
PY
