#!/usr/bin/env bash
# The cluster's copy against ferry's: `ferry run mapping_only` (a mapping-only path, so the
# cluster's own `_reindex` copies) and the same command with `--client-copy` (ferry scrolls and
# bulk-writes), on the same N generated documents, each in a fresh osmem, in the same
# invocation, alternating which goes first. Prints per run the copy phase and whole-run wall
# times from the run report, ferry's CPU and osmem's CPU, then the ratios.
#   bench/reindex.sh [N] [ROUNDS]          (N default 20000, ROUNDS default 2)
#   FERRY_ARGS="--writers 2" bench/reindex.sh 20000   (extra flags for both runs)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
n="${1:-20000}"
rounds="${2:-2}"
ferry="${FERRY_BIN:-.build/release/ferry}"
read -r -a extra <<< "${FERRY_ARGS:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/generate-blog-posts.py --count "$n" --index bench_posts-write > "$work/docs.ndjson"

one() {  # label [flags...]: one run in a fresh osmem; appends "label copy run ferry_cpu osmem_cpu"
    local label=$1; shift
    start_osmem
    local common=(--url "$OSMEM_URL" --recipes bench/recipes --state "$work/$label.db")
    rm -f "$work/$label.db"
    "$ferry" init mapping_only --version 1.0 "${common[@]}" > /dev/null
    python3 scripts/bulk-load.py "$OSMEM_URL" < "$work/docs.ndjson" 2> /dev/null
    local before after
    before=$(cpu_seconds "$OSMEM_PID")
    /usr/bin/time -f "%U %S" -o "$work/time" "$ferry" run mapping_only --yes "${common[@]}" "${extra[@]}" "$@" > "$work/$label.out" 2> /dev/null \
        || { echo "ferry run ($label) failed:"; tail -5 "$work/$label.out"; exit 1; }
    after=$(cpu_seconds "$OSMEM_PID")
    stop_osmem
    grep -q "^  copy        $( [ "$label" = cluster ] && echo 'the cluster copies' || echo 'ferry copies')" "$work/$label.out" \
        || { echo "the $label run did not copy the way it should:"; grep -E "^  copy " "$work/$label.out"; exit 1; }
    python3 - "$label" "$work/$label.out" "$work/time" "$before" "$after" >> "$work/results" <<'PY'
import re, sys
label, report, times, before, after = sys.argv[1:]
text = open(report).read()
run, copy = map(float, re.search(r"time\s+([\d.]+) s in all, copy ([\d.]+) s", text).groups())
user, system = map(float, open(times).read().split())
print(label, copy, run, user + system, float(after) - float(before))
PY
}

echo "documents: $n, rounds: $rounds, flags: ${FERRY_ARGS:-none}; load before: $(load_average)"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then one cluster; one client --client-copy; else one client --client-copy; one cluster; fi
done
echo "load after: $(load_average)"
python3 - "$n" "$work/results" <<'PY'
import sys
n = int(sys.argv[1])
rows = [line.split() for line in open(sys.argv[2])]
print(f"{'copy by':8} {'copy wall':>10} {'run wall':>9} {'ferry cpu':>10} {'osmem cpu':>10}")
for label, copy, run, fc, oc in rows:
    print(f"{label:8} {float(copy):9.2f}s {float(run):8.2f}s {float(fc):9.2f}s {float(oc):9.2f}s")
def best(label, col):
    return min(float(r[col]) for r in rows if r[0] == label)
def total(label):
    return min(float(r[3]) + float(r[4]) for r in rows if r[0] == label)
print(f"best copy phase: cluster {best('cluster', 1):.2f} s, client {best('client', 1):.2f} s → {best('cluster', 1) / best('client', 1):.2f}× the client-side copy's time")
print(f"best whole run:  cluster {best('cluster', 2):.2f} s, client {best('client', 2):.2f} s → {best('cluster', 2) / best('client', 2):.2f}×")
print(f"least CPU (ferry + osmem, whole run): cluster {total('cluster'):.2f} s, client {total('client'):.2f} s → {total('cluster') / total('client'):.2f}×")
PY
