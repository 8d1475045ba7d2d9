#!/usr/bin/env python3
"""An application writing through a migration: writes through the write alias at a steady
rate until SIGTERM; then prints one JSON line with what the cluster acknowledged and refused,
and the longest stretch of refused writes (the freeze as the application sees it).

    python3 bench/app_writer.py URL WRITE_ALIAS EXISTING_COUNT [RATE_PER_SECOND]
        [--shape blog_posts|events] [--id-prefix P] [--log FILE] [--deletes]

blog_posts (the default, bench/freeze.sh): updates pick existing ids post-000001 ..
post-<EXISTING_COUNT> (the whole document written again, stamping `updated_at`, epoch ms); one
write in five creates a new `app-N` document (--creates-only: every write does). No deletes.
The rate is kept steady: a late
answer does not make the next writes go out back to back.

events (scripts/demo-events.sh): whole-document writes of recipes/events documents, to ids
<P>000001 .. <P><EXISTING_COUNT> (P is --id-prefix, e.g. events-2024-06-) and new `app-N`
ones; with --deletes one write in ten deletes an existing document. It writes 1.0 documents
until the index behind the write alias says (its `_meta.ferry.version`) that it is at 2.0,
as an application deployed for the template change does: the write the new strict mapping
refused is counted as refused (the application retries it) and the writer goes on in 2.0.

Refused: HTTP 403 (the write block of the freeze). osmem's write block stops index and
update requests but not deletes (a real cluster's stops all three), so before a delete the
writer looks at the index's `index.blocks.write` and counts a blocked delete as refused, as
a real cluster would answer.

--log FILE: one JSON line per acknowledged write, in the order the cluster acknowledged
them: {"op": "index"|"delete"|"delete-unsure", "id", "index" (where it landed), "body"}.
"delete-unsure": the index was write-blocked right after osmem acknowledged the delete, so the
block may have come first (a real cluster would then have refused it): either outcome holds. The demo's checker
(scripts/check-events.py) replays it. Python 3.11 standard library only.
"""
import argparse
import json
import random
import signal
import sys
import time
import urllib.error
import urllib.request

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("url")
parser.add_argument("alias")
parser.add_argument("existing", type=int)
parser.add_argument("rate", type=float, nargs="?", default=50.0)
parser.add_argument("--shape", choices=["blog_posts", "events"], default="blog_posts")
parser.add_argument("--id-prefix", default="post-")
parser.add_argument("--log")
parser.add_argument("--deletes", action="store_true")
parser.add_argument("--creates-only", action="store_true",
                    help="blog_posts: every write creates a new app-N document (an append-only application)")
args = parser.parse_args()
url, alias = args.url.rstrip("/"), args.alias
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
rng = random.Random(7)
log = open(args.log, "w") if args.log else None
live = [f"{args.id_prefix}{n:06d}" for n in range(1, args.existing + 1)]
version = "1.0"


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{url}{path}", data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.load(resp)


def events_body(n):
    kind = rng.choice(["login", "logout", "purchase", "view", "search", "signup"])
    doc = {"type": kind, "user_id": f"u-{rng.randint(1, 220):04d}", "message": f"written by the application, write {n}",
           "amount": round(rng.uniform(1, 200), 2) if kind == "purchase" else None}
    stamp = f"2024-06-{rng.randint(1, 30):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    if version == "2.0":
        doc["@timestamp"] = stamp
        doc["schema_version"] = "2.0"
    else:
        doc["ts"] = stamp
    return doc


def write_alias_version():
    """The `_meta.ferry.version` of the index behind the write alias."""
    for mapping in call("GET", f"/{alias}/_mapping").values():
        return mapping.get("mappings", {}).get("_meta", {}).get("ferry", {}).get("version")


def write_blocked(index=None):
    """Whether `index` (default: the one behind the write alias) has `index.blocks.write`."""
    for settings in call("GET", f"/{index or alias}/_settings").values():
        blocked = settings.get("settings", {}).get("index", {}).get("blocks", {}).get("write")
        return blocked in (True, "true")
    return False


def acknowledge(op, doc_id, index, body=None):
    if log:
        log.write(json.dumps({"op": op, "id": doc_id, "index": index, "body": body}) + "\n")


def blog_write(n, created):
    now_ms = int(time.time() * 1000)
    if args.creates_only or rng.random() < 0.2:
        doc_id = f"app-{created + 1:06d}"
        body = {"title": f"app post {created + 1}", "content": "written during the migration", "author": "alice",
                "created_date": "2026-01-01T00:00:00Z", "updated_at": now_ms}
        return "PUT", f"/{alias}/_doc/{doc_id}", body, doc_id, True
    # A whole-document write, as an application saving its object does. Not `_update`: osmem
    # holds a partial update for seconds now and then (~3 s at 20,000 documents, growing with
    # the index; docs/compatibility.md), which would measure osmem, not the migration.
    doc_id = f"post-{rng.randint(1, args.existing):06d}"
    body = {"title": f"post {doc_id} edited", "content": "edited during the migration", "author": "bob",
            "created_date": "2026-01-01T00:00:00Z", "updated_at": now_ms}
    return "PUT", f"/{alias}/_doc/{doc_id}", body, doc_id, False


acknowledged = refused = created = slow = deleted = 0
refused_since = None
longest = 0.0
next_at = time.monotonic()
n = 0
while running:
    n += 1
    started = time.monotonic()
    try:
        if args.shape == "blog_posts":
            method, path, body, doc_id, new = blog_write(n, created)
            call(method, path, body)
            created += new
        else:
            roll = rng.random()
            if args.deletes and roll < 0.1 and live:
                doc_id = live[rng.randrange(len(live))]
                if write_blocked():
                    raise urllib.error.HTTPError(url, 403, "blocked", None, None)
                try:
                    answer = call("DELETE", f"/{alias}/_doc/{doc_id}")
                except urllib.error.HTTPError as error:
                    if error.code != 404:
                        raise
                    answer = None
                live.remove(doc_id)
                if answer is not None:
                    deleted += 1
                    # Blocked by now: the block may have come between the look and the delete,
                    # which osmem then applied and a real cluster would have refused.
                    unsure = write_blocked(answer["_index"])
                    acknowledge("delete-unsure" if unsure else "delete", doc_id, answer["_index"])
            else:
                if roll < 0.3 or not live:
                    doc_id, new = f"app-{created + 1:06d}", True
                else:
                    doc_id, new = live[rng.randrange(len(live))], False
                body = events_body(n)
                answer = call("PUT", f"/{alias}/_doc/{doc_id}", body)
                acknowledge("index", doc_id, answer["_index"], body)
                if new:
                    created += 1
                    live.append(doc_id)
        acknowledged += 1
        if refused_since is not None:
            longest = max(longest, started - refused_since)
            refused_since = None
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace") if error.fp else ""
        if error.code == 400 and args.shape == "events" and version == "1.0" and "strict" in detail \
                and write_alias_version() == "2.0":
            version = "2.0"      # the aliases moved to the 2.0 member: deploy writes 2.0 from now on
            refused += 1
        elif error.code == 403:
            refused += 1
            if refused_since is None:
                refused_since = started
        else:
            sys.exit(f"app_writer: {doc_id}: HTTP {error.code} {detail[:300]}")
    except (TimeoutError, urllib.error.URLError):
        slow += 1  # no answer in time (an overloaded machine): neither acknowledged nor refused
    # A steady rate, not a backlog: a write that came back late does not make the next ones
    # go out back to back (after a slow answer, or a run of fast refusals under the block).
    next_at = max(next_at + 1 / args.rate, time.monotonic())
    time.sleep(max(0.0, next_at - time.monotonic()))
if refused_since is not None:
    longest = max(longest, time.monotonic() - refused_since)
if log:
    log.close()
print(json.dumps({"acknowledged": acknowledged, "refused": refused, "unanswered": slow, "deleted": deleted,
                  "writing_version": version if args.shape == "events" else None,
                  "longest_refusal_s": round(longest, 3)}))
