#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed, build ferry, start the embedded
# cluster, seed a blog_posts index at 1.0 with ~20k documents, migrate it to 3.0 through the
# recipe's Lua steps, show the report, one migrated document, the status and a verification,
# then run again (a no-op).
#   scripts/demo.sh [--count N]
set -euo pipefail
cd "$(dirname "$0")/.."
count=20000
[ "${1:-}" = "--count" ] && count="$2"

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
