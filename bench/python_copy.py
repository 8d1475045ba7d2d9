#!/usr/bin/env python3
"""Baseline: the scan-and-bulk script a team would write by hand (stdlib only, like the
helpers in the seeds): scroll the source, json.loads each document, apply a function,
json.dumps it, bulk-index into the target. Used by bench/copy-cpu.sh to compare CPU per
document with ferry doing the same copy.

    python3 bench/python_copy.py URL SOURCE TARGET
"""
import json
import sys
import urllib.request


def call(url, method, path, body=None, content_type="application/json"):
    req = urllib.request.Request(url + path, data=body, method=method, headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=300) as resp:
        return json.load(resp)


def transform(doc):
    return doc


def main():
    url, source, target = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    page = call(url, "POST", f"/{source}/_search?scroll=5m&size=1000", json.dumps({"sort": ["_doc"]}).encode())
    copied = 0
    while page["hits"]["hits"]:
        lines = []
        for hit in page["hits"]["hits"]:
            doc = transform(hit["_source"])
            lines.append(json.dumps({"index": {"_index": target, "_id": hit["_id"]}}))
            lines.append(json.dumps(doc))
        result = call(url, "POST", "/_bulk", ("\n".join(lines) + "\n").encode(), "application/x-ndjson")
        if result.get("errors"):
            sys.exit("bulk errors")
        copied += len(page["hits"]["hits"])
        page = call(url, "POST", "/_search/scroll", json.dumps({"scroll": "5m", "scroll_id": page["_scroll_id"]}).encode())
    print(copied)


if __name__ == "__main__":
    main()
