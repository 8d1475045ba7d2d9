#!/usr/bin/env bash
# Peak memory of a whole `ferry run blog_posts` (copy, catch-up, freeze, verification, switch)
# at each document count, and how it grows: the issue's target is ≤ 64 MiB and ≤ 1.2× from
# 20k to 200k documents. Each count has its own osmem holding the v1 documents; every run works
# on a copy-on-write clone of it (`POST /_osmem/clones`), so a run never changes the loaded base.
#   bench/memory.sh [N ...]                       (default: 20000 200000)
#   BASELINE_BIN=/path/to/old/ferry bench/memory.sh   (the same runs with that binary, same clusters)
#   MEMORY_DIR=/tmp/ferry-memory bench/memory.sh  (keeps the loaded clusters up for the next
#       invocation: loading 200k documents takes minutes; stop them with
#       `kill $(cat /tmp/ferry-memory/keeper.pid)`)
# Peak RSS is the kernel's maximum resident set size of the ferry process (`/usr/bin/time -v`);
# CPU is user + sys of the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(20000 200000)
ferry="${FERRY_BIN:-.build/release/ferry}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The process the clusters live as long as: this script, or a keeper that outlives it.
owner=$$
if [ -n "${MEMORY_DIR:-}" ]; then
    mkdir -p "$MEMORY_DIR"
    if ! { [ -f "$MEMORY_DIR/keeper.pid" ] && kill -0 "$(cat "$MEMORY_DIR/keeper.pid")" 2> /dev/null; }; then
        setsid sleep infinity < /dev/null > /dev/null 2>&1 &
        echo $! > "$MEMORY_DIR/keeper.pid"
        rm -f "$MEMORY_DIR"/*.url
    fi
    owner=$(cat "$MEMORY_DIR/keeper.pid")
fi

doc_count() {  # url → documents behind the blog_posts alias (0 when unreachable)
    curl -sf "$1/blog_posts/_count" 2> /dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' 2> /dev/null || echo 0
}

base_cluster() {  # n → url of an osmem holding n v1 blog_posts documents
    local n=$1 url file="${MEMORY_DIR:-$work}/$1.url"
    if [ -f "$file" ] && [ "$(doc_count "$(cat "$file")")" = "$n" ]; then cat "$file"; return; fi
    url=$(scripts/osmem.sh "$owner")
    "$ferry" init blog_posts --version 1.0 --url "$url" --recipes recipes --state "$work/init-$n.db" > /dev/null
    python3 scripts/generate-blog-posts.py --count "$n" --index blog_posts-write \
        | python3 scripts/bulk-load.py "$url" 2> /dev/null
    echo "$url" > "$file"
    echo "$url"
}

measure() {  # label binary n url → "peak_kib cpu_s"
    local label=$1 bin=$2 n=$3 base=$4 clone id url
    clone=$(curl -sf -XPOST "$base/_osmem/clones")
    id=$(echo "$clone" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    url=$(echo "$clone" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
    local out="$work/$label-$n"
    # --max-freeze: on a shared machine osmem can stall a request for 30 s; this measures memory.
    /usr/bin/time -v -o "$out.time" "$bin" run blog_posts --yes --max-freeze 600 --url "$url" --recipes recipes \
        --state "$work/$label-$n.db" > "$out.out" 2> "$out.err" \
        || { curl -sf -XDELETE "$base/_osmem/clones/$id" > /dev/null || true
             echo "memory.sh: $label run on $n documents failed:" >&2; tail -20 "$out.err" >&2; exit 1; }
    curl -sf -XDELETE "$base/_osmem/clones/$id" > /dev/null
    grep -q "written $n," "$out.out" \
        || { echo "memory.sh: $label run on $n documents did not write $n:" >&2; grep documents "$out.out" >&2; exit 1; }
    python3 - "$out.time" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1)) + float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
print(peak, cpu)
PY
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
labels=(after)
bins=("$ferry")
if [ -n "${BASELINE_BIN:-}" ]; then labels=(before after); bins=("$BASELINE_BIN" "$ferry"); fi
results="$work/results"
: > "$results"
for n in "${counts[@]}"; do
    base=$(base_cluster "$n") || exit 1
    for i in "${!labels[@]}"; do
        figures=$(measure "${labels[$i]}" "${bins[$i]}" "$n" "$base") || exit 1
        echo "${labels[$i]} $n $figures" >> "$results"
    done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
by = {}
for label, n, peak, cpu in rows:
    by.setdefault(label, []).append((int(n), int(peak) / 1024, float(cpu)))
print(f"{'binary':<8} {'documents':>10} {'peak RSS':>10} {'CPU':>8} {'µs CPU/doc':>11}")
for label, runs in by.items():
    for n, mib, cpu in runs:
        print(f"{label:<8} {n:>10,} {mib:>6.1f} MiB {cpu:>6.2f} s {cpu / n * 1e6:>11.1f}")
for label, runs in by.items():
    if len(runs) > 1:
        (n0, m0, _), (n1, m1, _) = runs[0], runs[-1]
        print(f"{label}: peak RSS at {n1:,} / at {n0:,} documents = {m1 / m0:.2f}x (target <= 1.2x; <= 64 MiB)")
if len(by) == 2:
    for (n, mb, _), (_, ma, _) in zip(by["before"], by["after"]):
        print(f"after / before at {n:,} documents: {ma / mb:.2f}x")
PY
