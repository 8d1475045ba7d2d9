#!/usr/bin/env bash
# The write freeze of a blue-green switch with an application writing through the run, at two
# index sizes, for ferry and (optionally) a baseline build in the same invocation: the freeze
# ferry reports with its parts, the longest stretch of writes the application saw refused, and
# the growth from the small to the large index. The recipe (bench/recipes/stamped) has a
# changed_field, so the freeze can do only what changed since the last catch-up pass.
#   bench/freeze.sh [SMALL] [LARGE]       (default 20000 200000)
#   FERRY_BIN=.build/release/ferry BASELINE_BIN=/path/to/main/ferry bench/freeze.sh
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${1:-20000}" "${2:-200000}")
declare -A bins=([ferry]="${FERRY_BIN:-.build/release/ferry}")
[[ -n "${BASELINE_BIN:-}" ]] && bins[baseline]="$BASELINE_BIN"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for n in "${sizes[@]}"; do
    # One server per size, loaded once; each binary runs on a copy-on-write clone of it.
    url=$(scripts/osmem.sh $$)
    "${bins[ferry]}" init stamped --version 1.0 --url "$url" --recipes bench/recipes --state "$work/init-$n.db" >/dev/null
    python3 scripts/generate-blog-posts.py --count "$n" --index stamped_posts-write | python3 scripts/bulk-load.py "$url" 2>/dev/null
    for name in "${!bins[@]}"; do
        clone=$(curl -s -XPOST "$url/_osmem/clones" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
        python3 bench/app_writer.py "$clone" stamped_posts-write "$n" 50 > "$work/$name-$n.app" &
        writer=$!
        "${bins[$name]}" run stamped --yes --url "$clone" --recipes bench/recipes --state "$work/$name-$n.db" > "$work/$name-$n.out" 2>&1 \
            || { cat "$work/$name-$n.out" >&2; kill "$writer"; exit 1; }
        kill -TERM "$writer"
        wait "$writer"
        # As each run ends, so that a long large case still leaves the figures so far.
        grep -E "^ +(freeze|under it|counts|id check|verification)" "$work/$name-$n.out" | sed "s/^ */$name $n: /"
        echo "$name $n: application $(cat "$work/$name-$n.app")"
    done
done

python3 - "$work" "${sizes[@]}" "${!bins[@]}" <<'PY'
import json, re, sys
work, small, large, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def figures(name, n):
    report = open(f"{work}/{name}-{n}.out").read()
    freeze = int(re.search(r"freeze\s+(\d+) ms", report).group(1))
    parts = [l.strip() for l in report.splitlines() if re.match(r"\s+(under it:|counts|id check|verification|\d+ earlier)", l)]
    app = json.loads(open(f"{work}/{name}-{n}.app").read())
    return freeze, parts, app
for name in sorted(names):
    rows = {n: figures(name, n) for n in (small, large)}
    for n, (freeze, parts, app) in rows.items():
        print(f"{name:9} {int(n):>7} docs  freeze {freeze:>6} ms   application: {app['refused']} writes refused, "
              f"longest refusal {app['longest_refusal_s']:.2f} s, {app['acknowledged']} acknowledged")
        for line in parts:
            print(f"{'':27}{line}")
    print(f"{name:9} growth {int(small)//1000}k → {int(large)//1000}k: {rows[large][0] / max(1, rows[small][0]):.2f}x")
PY
