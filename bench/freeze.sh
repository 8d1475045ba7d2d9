#!/usr/bin/env bash
# The write freeze of a blue-green switch with an application writing through the run
# (bench/app_writer.py, 50 writes/s through the write alias), for this checkout and the
# baseline commit in the same invocation: both built in release mode (the baseline in a
# temporary git worktree outside the repository), two recipes (bench/recipes/stamped has a
# changed_field; bench/recipes/unstamped has none, so the delta is selected by _seq_no where
# the cluster passes the probe — osmem does not, so there it is the exact scan of every id), at
# two index sizes on osmem. Prints per case the freeze ferry reports with its parts, the
# application's refused writes and longest refusal, then the ratios large/small and new/baseline.
#
# Usage (the full figures; on a quiet machine, ~30-60 min, builds included):
#   bench/freeze.sh                         # 20000 and 200000 documents, baseline 700dfeb
#   bench/freeze.sh 20000                   # one size only (no large/small ratio)
#   BASELINE=<commit> bench/freeze.sh 20000 200000
# Skip a build with FERRY_BIN=/path/to/release/ferry and/or BASELINE_BIN=/path/to/ferry
# (BASELINE_BIN=none: no baseline). RECIPES="stamped" runs one recipe. FERRY_ARGS gives this
# checkout's runs their flags (default "--reader scroll": on osmem the first write after a point
# in time is opened copies the index, docs/compatibility.md; FERRY_ARGS= for none), BASELINE_ARGS
# the baseline's (it has no --reader). APP_ARGS="--creates-only": an application that only adds
# documents (osmem copies the whole index for a _bulk that overwrites, docs/compatibility.md).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(20000 200000)
baseline_commit="${BASELINE:-700dfeb}"
read -r -a recipes <<< "${RECIPES:-stamped unstamped}"
work=$(mktemp -d)
cleanup() {
    if [[ -n "${baseline_tree:-}" ]]; then git -C "$repo" worktree remove --force "$baseline_tree" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

declare -A bins
if [[ -n "${FERRY_BIN:-}" ]]; then
    bins[new]="$FERRY_BIN"
else
    echo "building ferry (release) from $(git rev-parse --short HEAD)…" >&2
    swift build -c release --product ferry >&2
    bins[new]="$repo/.build/release/ferry"
fi
if [[ "${BASELINE_BIN:-}" == none ]]; then
    :
elif [[ -n "${BASELINE_BIN:-}" ]]; then
    bins[baseline]="$BASELINE_BIN"
else
    baseline_tree=$(mktemp -d /tmp/ferry-baseline-XXXXXX)
    rmdir "$baseline_tree"
    echo "building the baseline $baseline_commit (release) in $baseline_tree…" >&2
    git -C "$repo" worktree add --detach "$baseline_tree" "$baseline_commit" >&2
    swift build -c release --product ferry --package-path "$baseline_tree" >&2
    cp "$baseline_tree/.build/release/ferry" "$work/ferry-baseline"
    bins[baseline]="$work/ferry-baseline"
fi
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

for recipe in "${recipes[@]}"; do
    write_alias="${recipe}_posts-write"
    for n in "${sizes[@]}"; do
        # One server per recipe and size, loaded once; each binary runs on a copy-on-write clone.
        url=$(scripts/osmem.sh $$)
        "${bins[new]}" init "$recipe" --version 1.0 --url "$url" --recipes bench/recipes --state "$work/init-$recipe-$n.db" >/dev/null
        python3 scripts/generate-blog-posts.py --count "$n" --index "$write_alias" | python3 scripts/bulk-load.py "$url" 2>/dev/null
        for name in "${!bins[@]}"; do
            case_id="$name-$recipe-$n"
            # A clone per binary when there are two (each starts from the same load); one binary
            # runs on the loaded server itself: a clone's first write copies the whole index.
            if [[ ${#bins[@]} -gt 1 ]]; then
                clone=$(curl -s -XPOST "$url/_osmem/clones" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
            else
                clone=$url
            fi
            # shellcheck disable=SC2086 # APP_ARGS is split on purpose
            python3 bench/app_writer.py "$clone" "$write_alias" "$n" 50 ${APP_ARGS:-} > "$work/$case_id.app" &
            writer=$!
            # A run that fails (e.g. three freezes past --max-freeze on a stalling server) is
            # reported as such; the other cases still run.
            extra=${FERRY_ARGS---reader scroll}
            [[ $name == baseline ]] && extra=${BASELINE_ARGS:-}
            # shellcheck disable=SC2086 # the extra flags are split on purpose
            if ! "${bins[$name]}" run "$recipe" --yes $extra --url "$clone" --recipes bench/recipes --state "$work/$case_id.db" > "$work/$case_id.out" 2>&1; then
                echo "$case_id: FAILED: $(grep -E '^error:' "$work/$case_id.out" | head -1)"
            fi
            kill -TERM "$writer"
            wait "$writer"
            # As each run ends, so that a long large case still leaves the figures so far.
            grep -E "^ *(freeze|under it|counts|id check|checks|before it|[0-9]+ earlier freeze)" "$work/$case_id.out" | sed "s/^ */$case_id: /" || true
            echo "$case_id: application $(cat "$work/$case_id.app")"
        done
    done
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" "${#sizes[@]}" "${sizes[@]}" "${recipes[@]}" -- "${!bins[@]}" <<'PY'
import json, re, sys
args = sys.argv[1:]
work, nsizes = args[0], int(args[1])
sizes = args[2:2 + nsizes]
rest = args[2 + nsizes:]
recipes, names = rest[:rest.index("--")], rest[rest.index("--") + 1:]
def figures(name, recipe, n):
    report = open(f"{work}/{name}-{recipe}-{n}.out").read()
    match = re.search(r"freeze\s+(\d+) ms", report)
    app = json.loads(open(f"{work}/{name}-{recipe}-{n}.app").read())
    return (int(match.group(1)) if match else None), app
rows = {}
print()
print(f"{'build':9} {'recipe':10} {'docs':>7}  {'freeze ms':>9}  {'refused':>7}  {'longest refusal s':>17}  acknowledged")
for recipe in recipes:
    for name in sorted(names):
        for n in sizes:
            freeze, app = figures(name, recipe, n)
            rows[(name, recipe, n)] = (freeze, app["longest_refusal_s"])
            print(f"{name:9} {recipe:10} {int(n):>7}  {freeze if freeze is not None else '?':>9}  {app['refused']:>7}  {app['longest_refusal_s']:>17.2f}  {app['acknowledged']}")
def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "n/a"
print()
for recipe in recipes:
    for name in sorted(names):
        if len(sizes) >= 2:
            (f_small, r_small), (f_large, r_large) = rows[(name, recipe, sizes[0])], rows[(name, recipe, sizes[-1])]
            print(f"{name:9} {recipe:10} growth {int(sizes[0])//1000}k → {int(sizes[-1])//1000}k: freeze {ratio(f_large, f_small)}, longest refusal {ratio(r_large, r_small)}")
    if "baseline" in names and "new" in names:
        for n in sizes:
            (f_new, r_new), (f_base, r_base) = rows[("new", recipe, n)], rows[("baseline", recipe, n)]
            print(f"new/baseline {recipe:10} {int(n)//1000}k: freeze {ratio(f_new, f_base)}, longest refusal {ratio(r_new, r_base)}")
PY
