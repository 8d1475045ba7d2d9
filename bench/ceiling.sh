#!/usr/bin/env bash
# `ferry run` against the ingest ceiling: the whole `ferry run blog_posts` (1.0 → 3.0) on N
# generated documents, and the same transformed documents (`ferry transform`, offline, not
# timed) bulk-loaded with curl into an index made like ferry's target (3.0 mapping, no
# refresh, no replicas, source versions with external_gte, 500 per request as the recipe's
# batch), with 1 and with 2 concurrent curl streams. Each load gets a fresh osmem that holds
# the same 1.0 source index. Prints wall times, the client's CPU and osmem's CPU for each
# (osmem's during ferry's copy phase too, sampled every 0.2 s), and ferry's copy phase and
# whole run against the best of the two streams.
#   bench/ceiling.sh [N] [ROUNDS]          (N default 20000, ROUNDS default 1)
#   FERRY_ARGS="--writers 2" bench/ceiling.sh   flags for ferry's run (e.g. two bulk streams, as the
#                                           ceiling's best may be)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
n="${1:-20000}"
rounds="${2:-1}"
ferry="${FERRY_BIN:-.build/release/ferry}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 scripts/generate-blog-posts.py --count "$n" --index blog_posts-write > "$work/docs.ndjson"
# The documents ferry will write, offline: {"_id", "_source"} lines through the same recipe.
python3 -c '
import json, sys
lines = iter(sys.stdin)
for action in lines:
    print(json.dumps({"_id": json.loads(action)["index"]["_id"], "_source": json.loads(next(lines))}))
' < "$work/docs.ndjson" | "$ferry" transform blog_posts --workers 1 > "$work/v3.ndjson" 2> /dev/null
mkdir "$work/chunks"
python3 - "$work/v3.ndjson" "$work/chunks" <<'PY'
import json, sys
out, batch, k = None, 500, 0
for i, line in enumerate(open(sys.argv[1])):
    if i % batch == 0:
        out = open(f"{sys.argv[2]}/{k:05d}.ndjson", "w"); k += 1
    doc = json.loads(line)
    out.write(json.dumps({"index": {"_index": "ceiling", "_id": doc["_id"], "version": 1, "version_type": "external_gte"}}) + "\n")
    out.write(json.dumps(doc["_source"], ensure_ascii=False, separators=(",", ":")) + "\n")
PY
python3 - recipes/blog_posts/mappings/3.0.json > "$work/ceiling-index.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
body.setdefault("settings", {}).setdefault("index", {}).update({"refresh_interval": "-1", "number_of_replicas": 0})
print(json.dumps(body))
PY

fresh_cluster() {  # a fresh osmem holding the 1.0 source, as ferry's run starts with
    start_osmem
    "$ferry" init blog_posts --version 1.0 --url "$OSMEM_URL" --state "$work/init.db" > /dev/null
    rm -f "$work/init.db"
    python3 scripts/bulk-load.py "$OSMEM_URL" < "$work/docs.ndjson" 2> /dev/null
}

ceiling() {  # streams: one load, prints "wall client_cpu osmem_cpu"
    fresh_cluster
    curl -sf -XPUT "$OSMEM_URL/ceiling" -H 'content-type: application/json' --data-binary @"$work/ceiling-index.json" > /dev/null
    local before after
    before=$(cpu_seconds "$OSMEM_PID")
    /usr/bin/time -f "%e %U %S" -o "$work/time" bash -c '
        ls "$1"/*.ndjson | xargs -P "$2" -I{} curl -sf -XPOST "$3/_bulk" -H "content-type: application/x-ndjson" --data-binary @{} -o {}.response' \
        _ "$work/chunks" "$1" "$OSMEM_URL"
    after=$(cpu_seconds "$OSMEM_PID")
    if grep -L '"errors":false' "$work"/chunks/*.response | grep -q .; then echo "ceiling: a bulk request had errors" >&2; exit 1; fi
    curl -sf -XPOST "$OSMEM_URL/ceiling/_refresh" > /dev/null
    local count
    count=$(curl -sf "$OSMEM_URL/ceiling/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
    [ "$count" = "$(wc -l < "$work/v3.ndjson")" ] || { echo "ceiling: $count documents in the index" >&2; exit 1; }
    stop_osmem
    rm -f "$work"/chunks/*.response
    read -r wall user system < "$work/time"
    echo "$wall $(echo "$user + $system" | bc) $(echo "$after - $before" | bc)"
}

run_ferry() {  # prints "copy_wall run_wall ferry_copy_cpu ferry_cpu osmem_copy_cpu osmem_cpu"
    fresh_cluster
    # osmem's CPU sampled every 0.2 s, and each line of ferry's output stamped as it comes,
    # so osmem's CPU during the copy phase can be read off (from "copying" to copy's end).
    ( while kill -0 "$OSMEM_PID" 2> /dev/null; do echo "$(date +%s.%N) $(cpu_seconds "$OSMEM_PID")"; sleep 0.2; done ) > "$work/osmem.cpu" &
    local sampler=$!
    # shellcheck disable=SC2086 # FERRY_ARGS is split on purpose
    stdbuf -oL "$ferry" run blog_posts --yes ${FERRY_ARGS:-} --url "$OSMEM_URL" --state "$work/run.db" 2> /dev/null \
        | while IFS= read -r line; do echo "$(date +%s.%N) $line"; done > "$work/run.out" \
        || { echo "ferry run failed:"; tail -5 "$work/run.out"; exit 1; }
    sleep 0.3
    kill "$sampler"
    wait "$sampler" 2> /dev/null || true
    stop_osmem
    rm -f "$work/run.db"
    python3 - "$work/run.out" "$work/osmem.cpu" <<'PY'
import re, sys
lines = [l.rstrip("\n").split(" ", 1) for l in open(sys.argv[1])]
text = "\n".join(l[1] for l in lines if len(l) > 1)
run, copy = map(float, re.search(r"time\s+([\d.]+) s in all, copy ([\d.]+) s", text).groups())
copy_cpu, all_cpu = map(float, re.search(r"cpu\s+([\d.]+) s copying .*?, ([\d.]+) s in all", text).groups())
samples = [tuple(map(float, l.split())) for l in open(sys.argv[2]) if len(l.split()) == 2]
def at(t):  # osmem's CPU seconds at time t, between the samples around it
    before = [s for s in samples if s[0] <= t] or samples[:1]
    after = [s for s in samples if s[0] >= t] or samples[-1:]
    (t0, c0), (t1, c1) = before[-1], after[0]
    return c0 if t1 == t0 else c0 + (c1 - c0) * (t - t0) / (t1 - t0)
start = next(float(l[0]) for l in lines if len(l) > 1 and l[1].startswith("copying "))
print(copy, run, copy_cpu, all_cpu, round(at(start + copy) - at(start), 2), round(samples[-1][1] - samples[0][1], 2))
PY
}

echo "documents: $n ($(wc -l < "$work/v3.ndjson") after the steps), rounds: $rounds; load before: $(load_average)"
printf '%-22s %8s %10s %10s\n' "" wall "client cpu" "osmem cpu"
for round in $(seq 1 "$rounds"); do
    read -r w1 c1 o1 <<< "$(ceiling 1)"
    read -r w2 c2 o2 <<< "$(ceiling 2)"
    read -r fcopy frun fccpu fcpu focopy fo <<< "$(run_ferry)"
    printf '%-22s %7.2fs %9.2fs %9.2fs\n' "ceiling, 1 stream" "$w1" "$c1" "$o1" "ceiling, 2 streams" "$w2" "$c2" "$o2" \
        "ferry run, copy phase" "$fcopy" "$fccpu" "$focopy" "ferry run, whole" "$frun" "$fcpu" "$fo"
    python3 -c "
import sys
w1, w2, o1, o2, fcopy, frun, fccpu, focopy = map(float, sys.argv[1:])
best, ob = (w1, o1) if w1 <= w2 else (w2, o2)
print(f'round $round: ceiling (best of 1 and 2 streams) {best:.2f} s; ferry copy phase {fcopy / best:.2f}x, whole run {frun / best:.2f}x the ceiling')
print(f'  CPU in the copy phase: ferry {fccpu:.2f} s + osmem {focopy:.2f} s = {fccpu + focopy:.2f} s against the ceiling osmem {ob:.2f} s ({(fccpu + focopy) / ob:.2f}x)')
" "$w1" "$w2" "$o1" "$o2" "$fcopy" "$frun" "$fccpu" "$focopy"
done
echo "load after: $(load_average)"
