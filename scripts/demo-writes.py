#!/usr/bin/env python3
"""The application after the switch, for scripts/demo.sh --rollback: writes 3.0 documents
through blog_posts-write (200 updates, 50 new posts, 30 deletes) and prints what it wrote as
JSON. With --check FILE: after `ferry rollback`, every one of those writes must be in the index
blog_posts points to (updated and new posts present with the application's title, deleted ones
absent); prints the figures and exits 1 on any loss."""
import json
import sys
import urllib.request


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def post(doc_id, n):
    return {
        "title": f"Edited after the switch #{n}", "content": f"Written by the application on 3.0, number {n}",
        "author": "alice", "created_date": "2025-01-02T03:04:05Z", "published_date": "2025-01-02T03:04:05Z",
        "category": "news", "tags": ["after-switch"], "schema_version": "3.0",
        "metadata": {"word_count": 8, "reading_time": 1, "language": "en", "last_updated": "2026-01-01T00:00:00Z"},
        "engagement": {"views": n, "likes": 0, "shares": 0, "comments_count": 0},
    }


def write(url):
    writes = {"written": {}, "deleted": []}
    for n in range(1, 201):
        doc_id = f"post-{n * 7:06d}"
        call("PUT", f"{url}/blog_posts-write/_doc/{doc_id}", post(doc_id, n))
        writes["written"][doc_id] = post(doc_id, n)["title"]
    for n in range(1, 51):
        doc_id = f"after-switch-{n}"
        call("PUT", f"{url}/blog_posts-write/_doc/{doc_id}", post(doc_id, 1000 + n))
        writes["written"][doc_id] = post(doc_id, 1000 + n)["title"]
    _, aliases = call("GET", f"{url}/_alias/blog_posts-write")
    index = next(iter(aliases))
    for n in range(1, 31):
        doc_id = f"post-{n * 7 + 3:06d}"
        call("DELETE", f"{url}/{index}/_doc/{doc_id}")
        writes["deleted"].append(doc_id)
    print(json.dumps(writes))


def check(url, path):
    with open(path) as f:
        writes = json.load(f)
    _, aliases = call("GET", f"{url}/_alias/blog_posts")
    index = next(iter(aliases))
    lost = []
    for doc_id, title in writes["written"].items():
        status, doc = call("GET", f"{url}/{index}/_doc/{doc_id}")
        if status != 200 or doc["_source"].get("title") != title:
            lost.append(doc_id)
    resurrected = [d for d in writes["deleted"] if call("GET", f"{url}/{index}/_doc/{d}")[0] == 200]
    print(f"blog_posts -> {index}: {len(writes['written']) - len(lost)} of {len(writes['written'])} written documents back, "
          f"{len(writes['deleted']) - len(resurrected)} of {len(writes['deleted'])} deletes kept; lost {len(lost)}, resurrected {len(resurrected)}")
    sys.exit(1 if lost or resurrected else 0)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[2] == "--check":
        check(sys.argv[1].rstrip("/"), sys.argv[3])
    else:
        write(sys.argv[1].rstrip("/"))
