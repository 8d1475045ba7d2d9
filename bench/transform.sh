#!/usr/bin/env bash
# Offline transform throughput (no cluster), every baseline in the same invocation:
#   identity recipe              the bridge and runner alone (1 worker)
#   blog_posts, Lua text module  today's recipe with the pure-Lua text module it replaced
#                                (bench/baseline/text.lua), 1 worker
#   blog_posts, native text      transforms/text.lua over ferry.text (C), 1 worker, then all cores
#   python chain                 bench/python_chain.py, the same 1.0 → 3.0 chain in plain Python
# on N generated v1 documents. Checks that the four blog_posts outputs are byte-identical, then
# prints docs/s, CPU, peak memory and the ratios the targets are stated in.
#   bench/transform.sh [N]        (N default 100000; FERRY_BIN overrides .build/release/ferry;
#                                 ROUNDS (default 5) rounds of native 1w, Nw, two 1w at once,
#                                 Nw, 1w back to back; the Nw/1w figure is the median of the
#                                 rounds' ratios)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
ferry="${FERRY_BIN:-.build/release/ferry}"
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started_at=2026-01-01T00:00:00Z

python3 scripts/generate-blog-posts.py --count "$n" --index x | awk 'NR % 2 == 0' > "$work/in.ndjson"
bytes=$(stat -c %s "$work/in.ndjson")

# The baseline tree: the same recipe, the shared modules with the old Lua text module.
mkdir -p "$work/lua/recipes" "$work/lua/transforms"
cp -r recipes/blog_posts "$work/lua/recipes/"
cp transforms/*.lua "$work/lua/transforms/"
cp bench/baseline/text.lua "$work/lua/transforms/text.lua"

declare -A secs cpu
run() {  # label output command...
    local label=$1 out=$2
    shift 2
    /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" < "$work/in.ndjson" > "$out"
    read -r s u sy kb < "$work/t"
    secs[$label]=$s
    cpu[$label]=$(python3 -c "print($u + $sy)")
    python3 -c "import sys; n,b,s,c,kb=$n,$bytes,$s,${cpu[$label]},$kb; print(f'{sys.argv[1]:<34} {n/s:9.0f} docs/s {b/s/1e6:7.1f} MB/s  wall {s:6.2f} s  cpu {c:6.2f} s  peak {kb/1024:6.1f} MiB')" "$label"
}
rounds="${ROUNDS:-5}"
t=("$ferry" transform --from 1.0 --run-started-at "$started_at" -q)

echo "documents: $n ($((bytes / 1024 / 1024)) MiB of v1 NDJSON), $cores cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run "identity (runner + bridge), 1w" /dev/null "${t[@]}" identity --to 2.0 --recipes bench/recipes --workers 1
run "blog_posts, Lua text module, 1w" "$work/lua.out" "${t[@]}" blog_posts --to 3.0 --recipes "$work/lua/recipes" --workers 1
# One worker against every core. A single run moves by +-20% on this 2-core VM (its speed
# drifts over seconds), so each of ROUNDS rounds runs 1w, Nw, two 1w at once, Nw, 1w back to
# back and compares runs made next to each other; the figures are medians over the rounds.
# "Two 1w at once" is what two busy threads get here: half its time over one 1w alone is the
# floor of the Nw/1w ratio on this machine in that round.
at_once() {  # two independent one-worker runs started together: their mean wall time
    ( /usr/bin/time -f "%e" -o "$work/pair1" "${t[@]}" blog_posts --to 3.0 --recipes recipes --workers 1 < "$work/in.ndjson" > /dev/null ) &
    local pair=$!
    /usr/bin/time -f "%e" -o "$work/pair2" "${t[@]}" blog_posts --to 3.0 --recipes recipes --workers 1 < "$work/in.ndjson" > /dev/null
    wait "$pair"
    python3 -c "print((float(open('$work/pair1').read()) + float(open('$work/pair2').read())) / 2)"
}
ones=() manys=() ratios=() floors=()
for round in $(seq 1 "$rounds"); do
    run "blog_posts, native text, 1w (round $round a)" "$work/native1.out" "${t[@]}" blog_posts --to 3.0 --recipes recipes --workers 1
    run "blog_posts, native text, ${cores}w (round $round a)" "$work/nativeN.out" "${t[@]}" blog_posts --to 3.0 --recipes recipes --workers "$cores"
    together=$(at_once)
    echo "two 1w at once (round $round)              wall $together s each (mean)"
    run "blog_posts, native text, ${cores}w (round $round b)" "$work/nativeN.out" "${t[@]}" blog_posts --to 3.0 --recipes recipes --workers "$cores"
    run "blog_posts, native text, 1w (round $round b)" "$work/native1.out" "${t[@]}" blog_posts --to 3.0 --recipes recipes --workers 1
    a1=${secs[blog_posts, native text, 1w (round $round a)]} b1=${secs[blog_posts, native text, 1w (round $round b)]}
    aN=${secs[blog_posts, native text, ${cores}w (round $round a)]} bN=${secs[blog_posts, native text, ${cores}w (round $round b)]}
    ones+=("$a1" "$b1")
    manys+=("$aN" "$bN")
    ratios+=("$(python3 -c "print(($aN + $bN) / ($a1 + $b1))")")
    floors+=("$(python3 -c "print($together / ($a1 + $b1))")")   # (together / mean 1w) / 2
    echo "round $round: ${cores}w/1w = ${ratios[-1]:0:5}, floor here ${floors[-1]:0:5}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
secs[blog_posts, native text, 1w]=$(median "${ones[@]}")
secs[blog_posts, native text, ${cores}w]=$(median "${manys[@]}")
best_one=$(printf '%s\n' "${ones[@]}" | sort -g | head -1)
best_many=$(printf '%s\n' "${manys[@]}" | sort -g | head -1)
run "python chain (bench/python_chain.py)" "$work/python.out" python3 bench/python_chain.py --run-started-at "$started_at"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

same=yes
for other in native1 nativeN python; do
    if ! cmp -s "$work/lua.out" "$work/$other.out"; then
        same=no
        echo "DIFFERENT: $other output differs from the Lua module's; first difference:"
        cmp "$work/lua.out" "$work/$other.out" | head -1 || true
    fi
done
[ "$same" = yes ] && echo "outputs: Lua module, native 1w, native ${cores}w and python are byte-identical ($(wc -l < "$work/lua.out") lines)"

python3 - "${secs[blog_posts, Lua text module, 1w]}" "${secs[blog_posts, native text, 1w]}" \
    "${secs[blog_posts, native text, ${cores}w]}" "${secs[python chain (bench/python_chain.py)]}" "$n" "$cores" \
    "$(median "${ratios[@]}")" "$(median "${floors[@]}")" "$best_one" "$best_many" "${ratios[*]}" <<'PY'
import sys
lua, one, many, py, n, cores, ratio, floor, best_one, best_many = map(float, sys.argv[1:11])
rounds = " ".join(f"{float(r):.2f}" for r in sys.argv[11].split())
print(f"medians over the rounds: native 1w {one:.2f} s, native {cores:.0f}w {many:.2f} s; best runs {best_one:.2f} s and {best_many:.2f} s")
print(f"native 1w vs Lua module 1w:      {lua / one:5.2f}x throughput ({n / one:,.0f} docs/s; target >= 4x and >= 27,000)")
print(f"native {cores:.0f}w vs native 1w (time):  {ratio:5.2f}x  median of the rounds' ratios ({rounds}); target <= 0.55")
print(f"                                 {many / one:5.2f}x  ratio of the medians, {best_many / best_one:.2f}x of the best runs")
print(f"                                 {floor:5.2f}x  the floor here: half of two 1w at once over one alone (median of the rounds)")
print(f"native {cores:.0f}w vs python (time):     {many / py:5.2f}x  (target <= 0.55)")
PY
[ "$same" = yes ]
