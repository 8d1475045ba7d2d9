#!/usr/bin/env bash
# One blue-green run of bench/recipes/stamped on N documents (default 20,000) with
# bench/app_writer.py writing RATE times a second (default 50) through the write alias, every
# request ferry makes logged with its time in osmem (bench/logproxy.py): where a freeze's time
# goes. Extra arguments go to `ferry run` (e.g. --reader scroll). Prints the freeze lines, peak
# RSS, the application's figures and the work directory (requests.log, out, app).
#   bench/freeze-trace.sh 20000 --reader scroll
#   awk '$2+0 > 300' <work>/requests.log      # the requests osmem held over 300 ms
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}; shift || true
work=$(mktemp -d /tmp/fp-XXXX)
url=$(scripts/osmem.sh $$)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
python3 bench/logproxy.py 127.0.0.1 "${url##*:}" "$port" "$work/requests.log" &
proxy=$!
purl="http://127.0.0.1:$port"
for _ in $(seq 1 50); do curl -s "$purl/" > /dev/null && break; sleep 0.1; done
${FERRY_BIN:-.build/release/ferry} init stamped --version 1.0 --url "$url" --recipes bench/recipes --state "$work/init.db" >/dev/null
python3 scripts/generate-blog-posts.py --count "$n" --index stamped_posts-write | python3 scripts/bulk-load.py "$url" 2>/dev/null
python3 bench/app_writer.py "$url" stamped_posts-write "$n" ${RATE:-50} > "$work/app" &
writer=$!
/usr/bin/time -v ${FERRY_BIN:-.build/release/ferry} run stamped --yes --url "$purl" --recipes bench/recipes --state "$work/run.db" "$@" > "$work/out" 2> "$work/err" || echo "ferry failed"
kill -TERM $writer; wait $writer || true
kill $proxy
grep -E "^ *(freeze|under it|counts|id check|checks|before it|pass|copy)" "$work/out"
grep -E "Maximum resident|Elapsed" "$work/err"
cat "$work/app"; echo
echo "work: $work"
