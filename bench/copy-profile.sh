#!/usr/bin/env bash
# Instructions per document of the copy, by component, counted by valgrind's callgrind (exact
# and repeatable on a busy machine, unlike timings): `ferry run identity` (the runner's own
# cost: the step returns the document) on N generated documents in a fresh osmem. With
# BASELINE_BIN set, the same run is profiled with that binary too, in the same invocation, and
# the ratio printed per component.
#   bench/copy-profile.sh [N]                       (N default 5000)
#   BASELINE_BIN=/path/to/old/ferry bench/copy-profile.sh 5000
#   KEEP_PROFILES=dir bench/copy-profile.sh      (keeps the callgrind files for callgrind_annotate)
# Needs valgrind. valgrind 3.19 cannot read the DWARF 5 of a Swift release binary, so each
# binary is profiled through a copy with its debug sections stripped (symbols stay).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5000}"
ferry="${FERRY_BIN:-.build/release/ferry}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/generate-blog-posts.py --count "$n" --index bench_posts-write > "$work/docs.ndjson"

profile() {  # label binary
    local label=$1 url state
    objcopy --strip-debug "$2" "$work/$label.bin"
    url=$(scripts/osmem.sh $$)
    state="$work/$label.db"
    local common=(--url "$url" --recipes bench/recipes --state "$state")
    "$ferry" init identity --version 1.0 "${common[@]}" > /dev/null
    python3 scripts/bulk-load.py "$url" < "$work/docs.ndjson" 2> /dev/null
    valgrind --tool=callgrind --callgrind-out-file="$work/$label.cg" "$work/$label.bin" run identity --yes "${common[@]}" \
        > "$work/$label.out" 2> "$work/$label.err" || { tail -20 "$work/$label.err"; exit 1; }
    grep -E "^  pass " "$work/$label.out" | sed "s/^/$label: /"
    callgrind_annotate --inclusive=yes "$work/$label.cg" > "$work/$label.txt" 2> /dev/null
    if [ -n "${KEEP_PROFILES:-}" ]; then mkdir -p "$KEEP_PROFILES"; cp "$work/$label.cg" "$work/$label.txt" "$KEEP_PROFILES/"; fi
}

echo "documents: $n; load: $(cut -d' ' -f1-3 /proc/loadavg)"
profile after "$ferry"
files=("$work/after.txt")
if [ -n "${BASELINE_BIN:-}" ]; then
    profile before "$BASELINE_BIN"
    files=("$work/before.txt" "$work/after.txt")
fi
python3 - "$n" "${files[@]}" <<'PY'
import re, sys
n = int(sys.argv[1])
# (component, patterns of mangled or C names; the largest inclusive count among the lines
# matching any pattern is taken, so wrappers and merged copies are not counted twice)
COMPONENTS = [
    ("copy phase: reader thread", [r"CopyPipelineC10readSlices4into", r"04CopyB0C10readSlices4into"]),
    ("copy phase: transform thread", [r"CopyPipelineC14transformPages4from4into", r"04CopyB0C14transformPages4from4into"]),
    ("copy phase: writer thread", [r"CopyPipelineC12writeBatches", r"04CopyB0C12writeBatches", r"CopyPipelineC5write", r"04CopyB0C5write"]),
    ("  Lua step + JSON bridge (identity)", [r"\bferry_lua_run_chain\b"]),
    ("  search page scan, every page", [r"17SearchPageScannerO4scan"]),
    ("  HTTP perform, every request (libcurl)", [r"14HTTPConnectionC7perform"]),
    ("    response copy libcurl -> buffer", [r"\bferry_write_cb\b", r"12ResponseSinkC6append"]),
    ("  bulk body build", [r"18BulkRequestBuilderV5index4into", r"18BulkRequestBuilderV6create4into",
                           r"WriteV6append_3for3job2to"]),
    ("  bulk request (HTTP + response scan)", [r"0B6ClientC11bulkRequest4body"]),
    ("catch-up and verification id scans", [r"12DeltaScannerV8scanOnce"]),
    ("  ids and versions into SQLite", [r"12DeltaScannerV4load"]),
    ("whole process", [r"PROGRAM TOTALS"]),
]
def load(path):
    rows = []
    for line in open(path):
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)", line)
        if m:
            rows.append((int(m.group(1).replace(",", "")), m.group(2)))
    out = {}
    for name, patterns in COMPONENTS:
        hits = [c for c, f in rows if any(re.search(p, f) for p in patterns)]
        out[name] = max(hits) if hits else 0
    copy = sum(out[k] for k in list(out)[:3])
    out["copy phase outside the Lua step"] = copy - out["  Lua step + JSON bridge (identity)"]
    return out
results = [load(p) for p in sys.argv[2:]]
names = [c[0] for c in COMPONENTS] + ["copy phase outside the Lua step"]
if len(results) == 1:
    print(f"{'component':<40} {'instructions/doc':>16}")
    for k in names:
        print(f"{k:<40} {results[0][k] / n:16,.0f}")
else:
    b, a = results
    print(f"{'component':<40} {'before/doc':>12} {'after/doc':>12} {'after/before':>13}")
    for k in names:
        ratio = f"{a[k] / b[k]:.2f}x" if b[k] else "-"
        print(f"{k:<40} {b[k] / n:12,.0f} {a[k] / n:12,.0f} {ratio:>13}")
PY
