#!/usr/bin/env bash
# The index-family job (seed 000, docs/families.md) on a fresh machine: install what is needed,
# build ferry, start the embedded cluster; as the application had it, the index template
# `events` at 1.0 and six monthly indices events-2024-01 … events-2024-06 created from it and
# loaded, the read alias `events` on all, `events-write` on 2024-06. Then, while the
# application keeps writing to the current month through `events-write` (bench/app_writer.py:
# updates, new events, deletes; it logs every acknowledged write):
#   ferry plan events
#   ferry run events --max-members 3 --max-docs-per-second R   (template first, the three oldest months, throttled)
#   ferry status events                                         (between the two runs: done / pending)
#   ferry run events                                            (the rest, unthrottled; status shown while it runs)
#   ferry status events
# and checks every member: 0 lost, 0 resurrected, 0 stale (scripts/check-events.py), then
# prints the figures. With --rollback, then: `ferry rollback events` and the same check at 1.0.
#   scripts/demo-events.sh [--count N] [--throttle R] [--writes-per-second W] [--rollback]
#     --count N               documents per month (default 2000)
#     --throttle R            --max-docs-per-second of the first run (default 500)
#     --writes-per-second W   the application's pace (default 40)
# FERRY=path/to/ferry uses that binary instead of building the release one (deps are still checked).
set -euo pipefail
cd "$(dirname "$0")/.."
count=2000
throttle=500
writes=40
rollback=no
usage="usage: scripts/demo-events.sh [--count N] [--throttle R] [--writes-per-second W] [--rollback]"
while [ $# -gt 0 ]; do
    case "$1" in
        --count) count="$2"; shift 2 ;;
        --throttle) throttle="$2"; shift 2 ;;
        --writes-per-second) writes="$2"; shift 2 ;;
        --rollback) rollback=yes; shift ;;
        *) echo "$usage" >&2; exit 64 ;;
    esac
done

if [ -n "${FERRY:-}" ]; then
    scripts/setup.sh --deps
    ferry=$FERRY
else
    scripts/setup.sh
    ferry=.build/release/ferry
fi
work=$(mktemp -d)
# The journal of this demo lives beside the demo's cluster, not in the working tree.
export FERRY_STATE="$work/state.db"
export FERRY_URL; FERRY_URL=$(scripts/osmem.sh $$)
export FERRY_RECIPES=recipes
writer_pid=""
trap '[ -n "$writer_pid" ] && kill "$writer_pid" 2>/dev/null || true' EXIT
echo "== embedded cluster at $FERRY_URL; demo files in $work"
started=$(date +%s.%N)

echo "== the application's setup: template events at 1.0 (events-*, read alias events), six months of $count events each"
python3 - "$FERRY_URL" recipes/events/mappings/1.0.json <<'EOF'
import json, sys, urllib.request
url, mapping = sys.argv[1], json.load(open(sys.argv[2]))
body = {"index_patterns": ["events-*"],
        "template": {"settings": mapping["settings"], "mappings": mapping["mappings"], "aliases": {"events": {}}}}
req = urllib.request.Request(f"{url}/_index_template/events", data=json.dumps(body).encode(), method="PUT",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
for month in range(1, 7):
    urllib.request.urlopen(urllib.request.Request(f"{url}/events-2024-{month:02d}", method="PUT")).read()
EOF
python3 scripts/generate-events.py --docs-per-month "$count" --seed 42 > "$work/events.bulk"
python3 scripts/bulk-load.py "$FERRY_URL" < "$work/events.bulk"
python3 - "$FERRY_URL" <<'EOF'
import json, sys, urllib.request
url = sys.argv[1]
actions = {"actions": [{"add": {"index": "events-2024-06", "alias": "events-write", "is_write_index": True}}]}
req = urllib.request.Request(f"{url}/_aliases", data=json.dumps(actions).encode(), method="POST",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
urllib.request.urlopen(urllib.request.Request(f"{url}/events-*/_refresh", method="POST")).read()
for line in urllib.request.urlopen(f"{url}/_cat/aliases?h=alias,index&s=index").read().decode().splitlines():
    print("   ", line)
EOF

echo "== the application writes to the current month through events-write ($writes writes/s: updates, new events, deletes)"
python3 bench/app_writer.py "$FERRY_URL" events-write "$count" "$writes" --shape events \
    --id-prefix events-2024-06- --deletes --log "$work/writes.jsonl" > "$work/writer.out" &
writer_pid=$!

echo "== ferry plan events"
$ferry plan events

echo "== ferry run events --yes   (refused: 1.0 documents do not fit the 2.0 template, see docs/families.md)"
if $ferry run events --yes; then echo "ferry run events should have refused the template change" >&2; exit 1; fi
# This demo's application writes 1.0 to the current month until events-write moves to its 2.0
# index, then 2.0; no new month is created during the demo, so no index made from the 2.0
# template ever sees a 1.0 document. That is what --app-writes-target-version vouches for.

echo "== ferry run events --app-writes-target-version --max-members 3 --max-docs-per-second $throttle --yes   (template first, then the three oldest months)"
t0=$(date +%s.%N)
$ferry run events --app-writes-target-version --max-members 3 --max-docs-per-second "$throttle" --yes | tee "$work/run1.out"
t1=$(date +%s.%N)

echo "== ferry status events   (a multi-day run between two days: three months done, three pending)"
$ferry status events

echo "== ferry run events --yes   (the other three months, the current one under the application's writes)"
$ferry run events --yes > "$work/run2.out" 2>&1 &
run_pid=$!
while kill -0 "$run_pid" 2>/dev/null; do
    sleep 2
    kill -0 "$run_pid" 2>/dev/null || break
    echo "-- ferry status events (during the run)"
    $ferry status events || true
done
run_rc=0; wait "$run_pid" || run_rc=$?
t2=$(date +%s.%N)
cat "$work/run2.out"
[ "$run_rc" -eq 0 ] || { echo "ferry run events exited $run_rc" >&2; exit "$run_rc"; }

sleep 1   # a few writes to the migrated current month
kill -TERM "$writer_pid" 2>/dev/null || true
writer_rc=0; wait "$writer_pid" || writer_rc=$?
writer_pid=""
[ "$writer_rc" -eq 0 ] || { echo "the application writer failed (exit $writer_rc; its error is above)" >&2; exit 1; }
echo "== the application: $(cat "$work/writer.out")"

echo "== ferry status events"
$ferry status events

echo "== every member: the loaded documents and the application's acknowledged writes, at 2.0"
python3 scripts/check-events.py "$FERRY_URL" --bulk "$work/events.bulk" --log "$work/writes.jsonl" \
    --ferry "$ferry" --recipes recipes --version 2.0

echo "== one migrated document (events-2024-01-000001 through the read alias)"
python3 - "$FERRY_URL" <<'EOF'
import json, sys, urllib.request
query = {"query": {"ids": {"values": ["events-2024-01-000001"]}}}
req = urllib.request.Request(f"{sys.argv[1]}/events/_search", data=json.dumps(query).encode(), method="POST",
                             headers={"Content-Type": "application/json"})
hit = json.load(urllib.request.urlopen(req))["hits"]["hits"][0]
print("  ", hit["_index"], json.dumps(hit["_source"], ensure_ascii=False))
EOF

echo "== figures"
python3 - "$work/run1.out" "$work/run2.out" "$t0" "$t1" "$t2" "$throttle" <<'EOF'
import re, sys
run1, run2 = open(sys.argv[1]).read(), open(sys.argv[2]).read()
t0, t1, t2, throttle = map(float, sys.argv[3:7])
# The family report's member lines: "events-2024-01 → events-2024-01-2.0-…: 2000 documents in
# 2.3 s (copy 2.0 s), freeze 12 ms, throttled to 500 docs/s"
line = re.compile(r"^\s*(\S+) → (\S+): (\d+) documents in ([\d.]+) s \(copy ([\d.]+) s\)(?:, freeze (\d+) ms)?(?:, throttled to (\d+) docs/s)?", re.M)
print(f"   {'member':<16} {'documents':>9} {'time s':>7} {'copy s':>7} {'copy docs/s':>11} {'freeze ms':>9}  throttle")
for text in (run1, run2):
    for m in line.finditer(text):
        member, _, docs, seconds, copy, freeze, limit = m.groups()
        rate = int(docs) / float(copy) if float(copy) > 0 else 0
        print(f"   {member:<16} {docs:>9} {float(seconds):>7.1f} {float(copy):>7.1f} {rate:>11.0f} {freeze or '-':>9}  {limit + ' docs/s' if limit else 'none'}")
print(f"   run 1 in all (template + 3 members): {t1 - t0:.1f} s; run 2 in all (3 members, live writes): {t2 - t1:.1f} s")
EOF

[ "$rollback" = yes ] || exit 0

echo "== ferry rollback events --yes   (every switched member back, newest first, then the 1.0 template)"
$ferry rollback events --yes

echo "== ferry status events"
$ferry status events

echo "== every member back at 1.0: the application's 2.0 writes through the reverse step, none lost"
python3 scripts/check-events.py "$FERRY_URL" --bulk "$work/events.bulk" --log "$work/writes.jsonl" \
    --ferry "$ferry" --recipes recipes --version 1.0
python3 -c 'import json, sys, urllib.request; print("   template events now:", json.dumps(json.load(urllib.request.urlopen(sys.argv[1]))["index_templates"][0]["index_template"]["template"]["mappings"].get("_meta", "no _meta (the application'"'"'s 1.0 template)")))' \
    "$FERRY_URL/_index_template/events"
