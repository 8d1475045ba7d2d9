#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed, build ferry, start the embedded
# cluster, seed a blog_posts index at 1.0 with ~20k documents, migrate it to 3.0 through the
# recipe's Lua steps, show the report, one migrated document, the status and a verification,
# then run again (a no-op). With --rollback, then: the application writes to the new index
# (updates, new posts, deletes), and `ferry rollback` brings every one of those writes back into
# the 1.0 index through the recipe's reverse steps before switching back (docs/operations.md).
#   scripts/demo.sh [--count N] [--rollback]
set -euo pipefail
cd "$(dirname "$0")/.."
count=20000
rollback=no
while [ $# -gt 0 ]; do
    case "$1" in
        --count) count="$2"; shift 2 ;;
        --rollback) rollback=yes; shift ;;
        *) echo "usage: scripts/demo.sh [--count N] [--rollback]" >&2; exit 64 ;;
    esac
done

scripts/setup.sh
ferry=.build/release/ferry
# The journal of this demo lives beside the demo's cluster, not in the working tree.
export FERRY_STATE; FERRY_STATE="$(mktemp -d)/state.db"
export FERRY_URL; FERRY_URL=$(scripts/osmem.sh $$)
export FERRY_RECIPES=recipes
echo "== embedded cluster at $FERRY_URL"

echo "== ferry recipes"
$ferry recipes

echo "== seeding: ferry init blog_posts --version 1.0, then $count generated documents"
$ferry init blog_posts --version 1.0
python3 scripts/generate-blog-posts.py --count "$count" --index blog_posts-write | python3 scripts/bulk-load.py "$FERRY_URL"

echo "== ferry run blog_posts --yes"
$ferry run blog_posts --yes

echo "== one migrated document (GET blog_posts/_doc/post-000001)"
python3 -c 'import json, sys, urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1])), indent=2, ensure_ascii=False))' \
    "$FERRY_URL/blog_posts/_doc/post-000001"

echo "== ferry status blog_posts"
$ferry status blog_posts

echo "== ferry verify blog_posts --sample 500"
$ferry verify blog_posts --sample 500

echo "== ferry run blog_posts --yes (again: nothing to do)"
$ferry run blog_posts --yes

[ "$rollback" = yes ] || exit 0

echo "== the application writes to the new index: 200 updates, 50 new posts, 30 deletes (through blog_posts-write)"
python3 scripts/demo-writes.py "$FERRY_URL" > "$FERRY_STATE.writes.json"

echo "== ferry rollback blog_posts --yes"
$ferry rollback blog_posts --yes

echo "== every write since the switch is in the 1.0 index (as the reverse steps make it), none lost"
python3 scripts/demo-writes.py "$FERRY_URL" --check "$FERRY_STATE.writes.json"

echo "== ferry status blog_posts"
$ferry status blog_posts
