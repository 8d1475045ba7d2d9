#!/usr/bin/env python3
"""An application writing through a migration: updates and creates through the write alias at a
steady rate, stamping `updated_at` (epoch ms), until SIGTERM; then prints one JSON line with what
the cluster acknowledged and refused, and the longest stretch of refused writes (the freeze as
the application sees it).

    python3 bench/app_writer.py URL WRITE_ALIAS EXISTING_COUNT [RATE_PER_SECOND]

Updates pick existing ids post-000001..post-<EXISTING_COUNT>; one write in five creates a new
`app-N` document. No deletes: osmem's write block does not stop deletes (a real cluster's does),
so deletes under the freeze would measure osmem, not ferry. Python 3.11 standard library only.
"""
import json
import random
import signal
import sys
import time
import urllib.error
import urllib.request

url, alias, existing = sys.argv[1], sys.argv[2], int(sys.argv[3])
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 50.0
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
rng = random.Random(7)
acknowledged = refused = created = slow = 0
refused_since = None
longest = 0.0
next_at = time.monotonic()
while running:
    now_ms = int(time.time() * 1000)
    if rng.random() < 0.2:
        created += 1
        doc_id = f"app-{created:06d}"
        body = {"title": f"app post {created}", "content": "written during the migration", "author": "alice",
                "created_date": "2026-01-01T00:00:00Z", "updated_at": now_ms}
        req = urllib.request.Request(f"{url}/{alias}/_doc/{doc_id}", data=json.dumps(body).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    else:
        doc_id = f"post-{rng.randint(1, existing):06d}"
        body = {"doc": {"updated_at": now_ms}}
        req = urllib.request.Request(f"{url}/{alias}/_update/{doc_id}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
        acknowledged += 1
        if refused_since is not None:
            longest = max(longest, started - refused_since)
            refused_since = None
    except urllib.error.HTTPError as error:
        error.read()
        if error.code != 403:
            sys.exit(f"app_writer: {doc_id}: HTTP {error.code}")
        refused += 1
        if refused_since is None:
            refused_since = started
    except (TimeoutError, urllib.error.URLError):
        slow += 1  # no answer in time (an overloaded machine): neither acknowledged nor refused
    next_at += 1 / rate
    time.sleep(max(0.0, next_at - time.monotonic()))
if refused_since is not None:
    longest = max(longest, time.monotonic() - refused_since)
print(json.dumps({"acknowledged": acknowledged, "refused": refused, "unanswered": slow, "longest_refusal_s": round(longest, 3)}))
