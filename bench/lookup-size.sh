#!/usr/bin/env bash
# Lookup cost against table size (issue 9): the events recipe 1.0 → 2.0 through `ferry
# transform` on N generated events, once with the committed 1,000-row event_labels table
# (the baseline) and once with a BIG-row one (default 1,000,000), same documents, same run.
# The step looks up every document's _id in event_labels, so the big table is the seed-000
# case (as many rows as documents). One worker (--workers 1), so the figures are per Lua
# state. Reports docs/s, CPU µs per document (user + system), peak memory, the documents
# that got labels, and the big/small ratios.
#   bench/lookup-size.sh [N=200000] [BIG=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"
big="${2:-1000000}"
ferry="${FERRY_BIN:-.build/release/ferry}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 scripts/generate-events.py --docs-per-month $(((n + 5) / 6)) --format transform > "$work/events.ndjson"
docs=$(wc -l < "$work/events.ndjson")
for size in small big; do
    mkdir -p "$work/$size"
    cp -r recipes transforms "$work/$size/"
done
python3 scripts/generate-events.py --labels-db "$work/big/recipes/events/data/event_labels.db" --labels-rows "$big"
rows_small=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from event_labels').fetchone()[0])" "$work/small/recipes/events/data/event_labels.db")

run() {  # size → "secs cpu_secs peak_kb labelled"
    /usr/bin/time -f "%e %U %S %M" -o "$work/$1.t" \
        "$ferry" transform events --from 1.0 --to 2.0 --workers 1 --recipes "$work/$1/recipes" --input "$work/events.ndjson" -q > "$work/$1.out"
    read -r secs user sys kb < "$work/$1.t"
    echo "$secs $(python3 -c "print($user + $sys)") $kb $(grep -c '"labels":' "$work/$1.out")"
}
read -r s_secs s_cpu s_kb s_hits <<< "$(run small)"
read -r b_secs b_cpu b_kb b_hits <<< "$(run big)"
python3 - "$docs" "$rows_small" "$big" "$s_secs" "$s_cpu" "$s_kb" "$s_hits" "$b_secs" "$b_cpu" "$b_kb" "$b_hits" <<'EOF'
import sys
docs, rs, rb = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = [float(x) for x in sys.argv[4:8]]
b = [float(x) for x in sys.argv[8:12]]
print(f"documents: {docs} (events 1.0 → 2.0, ferry transform --workers 1)")
for label, rows, (secs, cpu, kb, hits) in [("event_labels", rs, s), ("event_labels", rb, b)]:
    print(f"{label} {rows:>9,} rows: {docs / secs:9.0f} docs/s  {cpu / docs * 1e6:6.1f} µs CPU/doc  "
          f"peak {kb / 1024:6.1f} MiB  labelled {int(hits):,}")
print(f"big/small: {s[0] / b[0]:.2f}× docs/s, {b[1] / s[1]:.2f}× CPU, {b[2] / s[2]:.2f}× peak memory")
EOF
