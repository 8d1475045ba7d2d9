#!/usr/bin/env python3
"""Loads bulk NDJSON (action + source line pairs) from stdin into a cluster in chunks.

    python3 scripts/generate-blog-posts.py --count 20000 --index blog_posts-write \
        | python3 scripts/bulk-load.py http://127.0.0.1:9200

Exits non-zero, naming the first rejected document, if the cluster rejects any item.
"""
import json
import sys
import urllib.request

CHUNK = 1000  # documents per request


def send(url, lines):
    body = ("\n".join(lines) + "\n").encode()
    req = urllib.request.Request(
        f"{url}/_bulk", data=body, method="POST", headers={"Content-Type": "application/x-ndjson"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        result = json.load(resp)
    if result.get("errors"):
        for item in result["items"]:
            op = next(iter(item.values()))
            if op.get("status", 200) >= 300:
                sys.exit(f"bulk-load: document {op.get('_id')} rejected: {op.get('status')} {op.get('error')}")
    return len(result["items"])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bulk-load.py URL < bulk.ndjson")
    url = sys.argv[1].rstrip("/")
    lines, total = [], 0
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line:
            lines.append(line)
        if len(lines) >= 2 * CHUNK:
            total += send(url, lines)
            lines = []
    if lines:
        total += send(url, lines)
    urllib.request.urlopen(urllib.request.Request(f"{url}/_refresh", method="POST"), timeout=60).read()
    print(f"bulk-load: {total} documents loaded", file=sys.stderr)


if __name__ == "__main__":
    main()
