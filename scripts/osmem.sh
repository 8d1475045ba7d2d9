#!/usr/bin/env bash
# Starts osmem-server (in-memory OpenSearch-compatible cluster) on a free loopback port and
# prints its URL. The server exits when the process given as $1 (default: the caller) exits.
#   URL=$(scripts/osmem.sh $$)
set -euo pipefail
parent="${1:-$PPID}"
bin="${OSMEM_SERVER_BIN:-$(python3 -c 'import osmem_server; print(osmem_server.resolve_binary())')}"
out=$(mktemp)
"$bin" --addr 127.0.0.1:0 --parent-pid "$parent" --no-stdin-watch >"$out" 2>/dev/null &
for _ in $(seq 1 100); do
    if url=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$out" 2>/dev/null); then
        rm -f "$out"
        echo "$url"
        exit 0
    fi
    sleep 0.1
done
echo "osmem.sh: osmem-server did not start" >&2
exit 1
