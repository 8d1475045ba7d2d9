#!/usr/bin/env python3
"""The demo's check of a migrated (or rolled back) events family: nothing lost, nothing
resurrected, nothing stale, member by member.

    python3 scripts/check-events.py URL --bulk events.bulk --log writes.jsonl \
        --ferry .build/release/ferry --recipes recipes [--version 2.0]

The expected family: the documents loaded (--bulk, the generator's bulk NDJSON), then every
write the application's writer logged as acknowledged (--log, bench/app_writer.py --log),
in order: an index replaces the document, a delete removes it. A "delete-unsure" (osmem
does not block deletes; the index was write-blocked right after this one, so a real cluster
may have refused it) accepts the document absent or as it was before. Each expected document that
is not at --version is put through the recipe's steps by `ferry transform` (the same Lua,
lookups and sandbox as `ferry run`), so the expectation comes from the recipe, not from
this script. The actual family: every index behind the read alias, each one member's index
(its name is the member's, or the member's followed by "-"), read to the end.

Per member it prints the documents expected and found, and the lost (expected, missing),
resurrected (found, deleted or never written) and stale (found, different) counts with a
few ids; it also checks that each member has exactly one index behind the read alias, that
index's `_meta.ferry.version`, when it has one, is --version (the application's own indices
have none: the documents say their version), and the write alias is on the newest member's
index alone. Exits 1 if anything is off. Python 3.11 standard library only.
"""
import argparse
import json
import subprocess
import sys
import urllib.request


def call(url, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{url}{path}", data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.load(resp)


def read_all(url, index):
    """Every document of `index`: id -> _source."""
    docs = {}
    page = call(url, "POST", f"/{index}/_search?scroll=2m", {"size": 1000, "sort": ["_doc"]})
    while page["hits"]["hits"]:
        for hit in page["hits"]["hits"]:
            if hit["_id"] in docs:
                sys.exit(f"check-events: {index} returned {hit['_id']} twice")
            docs[hit["_id"]] = hit["_source"]
        page = call(url, "POST", "/_search/scroll", {"scroll": "2m", "scroll_id": page["_scroll_id"]})
    return docs


def version_of(body):
    return body.get("schema_version", "1.0")


def member_of(index, members):
    for member in members:
        if index == member or index.startswith(member + "-"):
            return member
    return None


def transform(ferry, recipes, recipe, docs, source, target):
    """docs: [(id, member, body)] at `source` -> {id: body at `target`} through `ferry transform`."""
    if not docs:
        return {}
    lines = "".join(json.dumps({"_id": i, "_index": m, "_source": b}) + "\n" for i, m, b in docs)
    result = subprocess.run(
        [ferry, "transform", recipe, "--from", source, "--to", target, "--workers", "1", "--recipes", recipes],
        input=lines.encode(), capture_output=True)
    if result.returncode != 0:
        sys.exit(f"check-events: ferry transform {source} -> {target} failed:\n{result.stderr.decode()}")
    out = {}
    for line in result.stdout.decode().splitlines():
        doc = json.loads(line)
        out[doc["_id"]] = doc["_source"]
    return out


def at_version(args, docs):
    """{id: (member, body)} -> the same at --version, through `ferry transform` where needed."""
    out = {}
    by_version = {}
    for doc_id, (member, body) in docs.items():
        v = version_of(body)
        if v == args.version:
            out[doc_id] = (member, body)
        else:
            by_version.setdefault(v, []).append((doc_id, member, body))
    for v, group in by_version.items():
        transformed = transform(args.ferry, args.recipes, args.recipe, group, v, args.version)
        for doc_id, member, _ in group:
            if doc_id not in transformed:
                sys.exit(f"check-events: ferry transform dropped {doc_id}; the check expects every document kept")
            out[doc_id] = (member, transformed[doc_id])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--bulk", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--ferry", required=True)
    parser.add_argument("--recipes", default="recipes")
    parser.add_argument("--recipe", default="events")
    parser.add_argument("--read-alias", default="events")
    parser.add_argument("--write-alias", default="events-write")
    parser.add_argument("--version", default="2.0", help="the version every document should be at (default 2.0)")
    args = parser.parse_args()
    url = args.url.rstrip("/")

    # id -> (member, body)
    model = {}
    with open(args.bulk) as f:
        for action in f:
            source = next(f)
            meta = json.loads(action)["index"]
            model[meta["_id"]] = (meta["_index"], json.loads(source))
    members = sorted({m for m, _ in model.values()}, key=len, reverse=True)   # longest first for prefixes
    acknowledged = 0
    # A delete osmem acknowledged on an index that was write-blocked right after: a real
    # cluster may have refused it, so the document may be there (as before) or not.
    unsure = {}
    with open(args.log) as f:
        for line in f:
            write = json.loads(line)
            acknowledged += 1
            member = member_of(write["index"], members)
            if member is None:
                sys.exit(f"check-events: a write landed in {write['index']}, which is no member's index")
            unsure.pop(write["id"], None)
            if write["op"] == "delete-unsure" and write["id"] in model:
                unsure[write["id"]] = model[write["id"]]
            if write["op"] in ("delete", "delete-unsure"):
                model.pop(write["id"], None)
            else:
                model[write["id"]] = (member, write["body"])

    expected = at_version(args, model)
    either = at_version(args, unsure)

    problems = []
    behind = call(url, "GET", f"/{args.read_alias}/_alias/{args.read_alias}")
    index_of = {}
    for index in sorted(behind):
        member = member_of(index, members)
        if member is None:
            problems.append(f"{index} is behind {args.read_alias} but is no member's index")
            continue
        if member in index_of:
            problems.append(f"{member} has two indices behind {args.read_alias}: {index_of[member]} and {index}")
        index_of[member] = index
    writes = sorted(call(url, "GET", f"/{args.write_alias}/_alias/{args.write_alias}"))
    newest = max(members)
    if writes != [index_of.get(newest)]:
        problems.append(f"{args.write_alias} is on {writes}, not on {newest}'s index {index_of.get(newest)} alone")

    print(f"{'member':<16} {'index':<34} {'version':<8} {'expected':>8} {'found':>8} {'lost':>5} {'resurrected':>11} {'stale':>6}")
    for member in sorted(members):
        index = index_of.get(member)
        if index is None:
            problems.append(f"{member} has no index behind {args.read_alias}")
            continue
        meta = next(iter(call(url, "GET", f"/{index}/_mapping").values()))["mappings"].get("_meta", {}).get("ferry", {})
        actual = read_all(url, index)
        want = {i: b for i, (m, b) in expected.items() if m == member}
        lost = sorted(set(want) - set(actual))
        resurrected = sorted(i for i in set(actual) - set(want)
                             if not (i in either and either[i] == (member, actual[i])))
        stale = sorted(i for i in want if i in actual and actual[i] != want[i])
        version = meta.get("version", "-")   # "-": not made by ferry (the application's own index)
        print(f"{member:<16} {index:<34} {version:<8} {len(want):>8} {len(actual):>8} {len(lost):>5} {len(resurrected):>11} {len(stale):>6}")
        if version not in (args.version, "-"):
            problems.append(f"{index}: _meta.ferry.version is {version}, not {args.version}")
        for name, ids in (("lost", lost), ("resurrected", resurrected), ("stale", stale)):
            if ids:
                problems.append(f"{member}: {len(ids)} {name}: {', '.join(ids[:5])}")
    print(f"application writes acknowledged and checked: {acknowledged}"
          + (f" ({len(unsure)} delete(s) osmem applied to an index write-blocked right after: present or absent both accepted)" if unsure else ""))
    if problems:
        print("\n".join("NOT OK: " + p for p in problems))
        sys.exit(1)
    print(f"OK: every member exact at {args.version} (0 lost, 0 resurrected, 0 stale)")


if __name__ == "__main__":
    main()
