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


read -r fw fu fs < <(/usr/bin/time -f "%e %U %S" -o /dev/stdout "$ferry" run identity --yes "${common[@]}" 2>/dev/null | tail -1)
read -r pw pu ps < <(/usr/bin/time -f "%e %U %S" -o /dev/stdout python3 bench/python_copy.py "$url" "$source" python_copy 2>/dev/null | tail -1)
python3 - "$n" "$fw" "$fu" "$fs" "$pw" "$pu" "$ps" <<'PY'
import sys
n = int(sys.argv[1]); fw, fu, fs, pw, pu, ps = map(float, sys.argv[2:])
fc, pc = fu + fs, pu + ps
print(f"documents            {n}")
print(f"ferry  (identity)    wall {fw:6.2f} s   cpu {fc:6.2f} s   {fc / n * 1e6:7.1f} µs cpu/doc")
print(f"python scan+bulk     wall {pw:6.2f} s   cpu {pc:6.2f} s   {pc / n * 1e6:7.1f} µs cpu/doc")
print(f"python / ferry cpu   {pc / fc:.1f}x")
PY
