#!/usr/bin/env bash
# What osmem-server's own primitives cost, in its CPU (from /proc/<pid>/stat), at each index
# size: the requests the write freeze makes (range on the changed_field, _count, _refresh,
# _settings, an ids lookup, a small _bulk) and what a reader does to the application's writes
# (overwriting existing documents one by one and in a _bulk of 100, as the frozen pass does in
# the new index; a single PUT with nothing open, after a scroll is opened, after a point in time is opened,
# and the first PUT to a copy-on-write clone). It explains freeze figures on osmem: the cluster's
# cost, not ferry's. Usage: bench/osmem-costs.sh [N ...]   (default 20000 200000)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(20000 200000)
ferry="${FERRY_BIN:-$repo/.build/release/ferry}"
hz=$(getconf CLK_TCK)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${sizes[@]}"; do
    work=$(mktemp -d)
    url=$(scripts/osmem.sh $$)
    pid=$(ss -ltnp | grep ":${url##*:} " | sed -E 's/.*pid=([0-9]+).*/\1/')
    ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
    "$ferry" init stamped --version 1.0 --url "$url" --recipes bench/recipes --state "$work/init.db" > /dev/null
    start=$(date +%s)
    python3 scripts/generate-blog-posts.py --count "$n" --index stamped_posts-write | python3 scripts/bulk-load.py "$url" 2> /dev/null
    index=$(curl -sf "$url/_alias/stamped_posts-write" | python3 -c 'import json,sys; print(next(iter(json.load(sys.stdin))))')
    echo "$n documents loaded into $index in $(( $(date +%s) - start )) s"
    seq_put=0
    put() { seq_put=$((seq_put + 1)); curl -sf -XPUT "$url/$index/_doc/cost-$seq_put" -H 'content-type: application/json' -d "{\"title\":\"t\",\"updated_at\":$(date +%s000)}"; }
    # CPU milliseconds of osmem for ten calls of a request, divided by ten.
    each() {
        local label=$1; shift
        local before; before=$(ticks)
        for _ in 1 2 3 4 5 6 7 8 9 10; do "$@" > /dev/null; done
        printf '%8d  %-44s %8.1f ms of osmem CPU per call\n' "$n" "$label" "$(echo "($(ticks) - $before) * 1000 / $hz / 10" | bc -l)"
    }
    # The same, with a single PUT to the index before each call (not counted): what a request
    # costs right after the application wrote, as under a freeze that follows live writes.
    each_after_write() {
        local label=$1; shift
        local total=0 before
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            put > /dev/null
            before=$(ticks)
            "$@" > /dev/null
            total=$(( total + $(ticks) - before ))
        done
        printf '%8d  %-44s %8.1f ms of osmem CPU per call\n' "$n" "$label" "$(echo "$total * 1000 / $hz / 10" | bc -l)"
    }
    # osmem's CPU for one call.
    once() {
        local label=$1; shift
        local before; before=$(ticks)
        "$@" > /dev/null
        printf '%8d  %-44s %8.1f ms of osmem CPU\n' "$n" "$label" "$(echo "($(ticks) - $before) * 1000 / $hz" | bc -l)"
    }
    for _ in 1 2 3 4 5; do put > /dev/null; done
    since=$(( $(date +%s000) - 60000 ))
    json=(-H 'content-type: application/json')
    each "range on updated_at (5 hits)" curl -sf -XPOST "$url/$index/_search?size=1000" "${json[@]}" -d "{\"query\":{\"range\":{\"updated_at\":{\"gte\":$since,\"format\":\"epoch_millis\"}}},\"sort\":[\"_doc\"],\"version\":true}"
    each_after_write "range on updated_at, after a write" curl -sf -XPOST "$url/$index/_search?size=1000" "${json[@]}" -d "{\"query\":{\"range\":{\"updated_at\":{\"gte\":$since,\"format\":\"epoch_millis\"}}},\"sort\":[\"_doc\"],\"version\":true}"
    each "_count (match_all)" curl -sf -XPOST "$url/$index/_count" "${json[@]}" -d '{}'
    each_after_write "_count (match_all), after a write" curl -sf -XPOST "$url/$index/_count" "${json[@]}" -d '{}'
    each "_refresh" curl -sf -XPOST "$url/$index/_refresh"
    each "_settings (write block off)" curl -sf -XPUT "$url/$index/_settings" "${json[@]}" -d '{"index":{"blocks":{"write":null}}}'
    each "ids query, 1 document" curl -sf -XPOST "$url/$index/_search" "${json[@]}" -d '{"size":1,"query":{"ids":{"values":["post-000011"]}},"_source":false,"version":true}'
    each "id scan page (5,000 ids and versions)" curl -sf -XPOST "$url/$index/_search?size=5000" "${json[@]}" -d '{"_source":false,"sort":["_doc"],"version":true}'
    # Overwriting documents that were bulk-loaded: what the application's updates and the
    # frozen pass's re-copies into the new index cost (new ids: the `put` above).
    overwrite=0
    overwrite_one() { overwrite=$((overwrite + 1)); curl -sf -XPUT "$url/$index/_doc/post-$(printf %06d $(( (overwrite * 7919) % n + 1 )))" "${json[@]}" -d '{"title":"edited","updated_at":1}'; }
    each "PUT over an existing document (spread ids)" overwrite_one
    bulk_overwrite() {
        local lines="" k id
        for k in $(seq 1 100); do
            overwrite=$((overwrite + 1)); id=$(printf %06d $(( (overwrite * 7919) % n + 1 )))
            lines+="{\"index\":{\"_index\":\"$index\",\"_id\":\"post-$id\",\"version\":9,\"version_type\":\"external_gte\"}}"$'\n'"{\"title\":\"edited\"}"$'\n'
        done
        printf '%s' "$lines" | curl -sf -XPOST "$url/_bulk" -H 'content-type: application/x-ndjson' --data-binary @-
    }
    once "_bulk over 100 existing documents (external_gte)" bulk_overwrite
    once "PUT, nothing open" put
    curl -sf -XPOST "$url/$index/_search?scroll=5m&size=10" "${json[@]}" -d '{"sort":["_doc"]}' > /dev/null
    once "first PUT after a scroll is opened" put
    curl -sf -XPOST "$url/$index/_search/point_in_time?keep_alive=5m" > /dev/null
    once "first PUT after a point in time is opened" put
    once "second PUT after it" put
    clone=$(curl -sf -XPOST "$url/_osmem/clones" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
    once "first PUT to a copy-on-write clone" curl -sf -XPUT "$clone/$index/_doc/clone-1" "${json[@]}" -d '{"title":"t"}'
    kill "$pid"
    rm -rf "$work"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
