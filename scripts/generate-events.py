#!/usr/bin/env python3
"""Generate the `events` family (seed 000): monthly v1 event documents and the lookup tables.

    # six months events-2024-01 .. events-2024-06, bulk NDJSON (for `POST /_bulk`) on stdout
    python3 scripts/generate-events.py --docs-per-month 1000 [--months 6] [--seed 42] > events.bulk
    # or the bare `{"_id", "_source"}` lines `ferry transform` reads
    python3 scripts/generate-events.py --docs-per-month 33334 --format transform > events.ndjson
    # the lookup tables: users (id -> country) and event_labels (_id -> labels), as SQLite
    python3 scripts/generate-events.py --labels-db DIR/event_labels.db --labels-rows 1000000
    python3 scripts/generate-events.py --users-sql recipes/events/data/users.sql

Documents (recipes/events 1.0):
    {"index":{"_index":"events-2024-01","_id":"events-2024-01-000001"}}
    {"type":"purchase","user_id":"u-0042","ts":"2024-01-05T10:00:00Z","message":"...","amount":12.5}

`type` is login, logout, purchase, view, search or signup; `amount` is a number for a
purchase and null otherwise; `message` is free text with some accents, CJK and emoji.
`user_id` is drawn from u-0001 .. u-0220 while the users table has u-0001 .. u-0200, so
about one event in eleven has no user row (the "absent" case of user_country).

event_labels row i (0-based) labels the document `events-2024-MM-NNNNNN` with
MM = i % 6 + 1 and NNNNNN = i // 6 + 1, so the rows spread over the six months: with
--labels-rows equal to six times --docs-per-month every document has labels; with fewer
rows only the first documents of each month do, and with more the rest name documents
that do not exist (a table as big as the data, as seed 000 has). `labels` is a
comma-separated text column, `id` its PRIMARY KEY (the index lookups by `_id` need).

Every output is a pure function of its arguments: same arguments, same bytes (the .db file
aside, whose bytes depend on the SQLite version; its rows do not).
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

TYPES = ["login", "logout", "purchase", "view", "search", "signup"]
USERS_IN_TABLE = 200          # u-0001 .. u-0200 have a row
USER_IDS = 220                # documents use u-0001 .. u-0220
COUNTRIES = ["US", "DE", "FR", "JP", "BR", "IN", "GB", "ES", "KR", "CA", "NG", "SE"]
LABELS = ["vip", "fraud-check", "promo", "mobile", "first-purchase", "refund", "beta", "bot-suspect"]
MESSAGES = {
    "login": ["User signed in", "Connexion réussie depuis Zürich", "ログインしました", "Login via SSO 🔐"],
    "logout": ["User signed out", "Session expired after 30 minutes", "Déconnexion", "Bye 👋"],
    "purchase": ["Bought a coffee ☕", "Order #{n} paid by card", "Achat: crème brûlée",
                 "購入完了", "Paid for the summer plan 🌞"],
    "view": ["Viewed product page {n}", "Opened the pricing page", "Página de inicio vista"],
    "search": ["Searched for \"running shoes\"", "Suche nach Straßenkarte", "검색: 서울 카페"],
    "signup": ["New account created", "Inscription terminée 🎉", "Signed up from the mobile app"],
}


def month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=timezone.utc)


def index_name(month: int) -> str:
    return f"events-2024-{month:02d}"


def doc_id(month: int, seq: int) -> str:
    return f"{index_name(month)}-{seq:06d}"


def make_doc(rng: random.Random, month: int, seq: int) -> dict:
    start = month_start(2024, month)
    seconds = int((month_start(2024, month + 1) - start).total_seconds())
    kind = rng.choice(TYPES)
    ts = start + timedelta(seconds=rng.randrange(seconds))
    message = rng.choice(MESSAGES[kind]).format(n=seq)
    amount = round(rng.uniform(1, 500) * 2) / 2 if kind == "purchase" else None
    return {
        "type": kind,
        "user_id": f"u-{rng.randint(1, USER_IDS):04d}",
        "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "message": message,
        "amount": amount,
    }


def write_documents(args: argparse.Namespace, out) -> None:
    for month in range(1, args.months + 1):
        rng = random.Random(f"{args.seed}-{month}")
        index = index_name(month)
        for seq in range(1, args.docs_per_month + 1):
            source = json.dumps(make_doc(rng, month, seq), ensure_ascii=False, separators=(",", ":"))
            if args.format == "bulk":
                out.write(json.dumps({"index": {"_index": index, "_id": doc_id(month, seq)}}) + "\n")
                out.write(source + "\n")
            else:
                out.write(f'{{"_id":"{doc_id(month, seq)}","_source":{source}}}\n')


def user_rows(seed: int):
    rng = random.Random(f"{seed}-users")
    for n in range(1, USERS_IN_TABLE + 1):
        # Every 50th user has no country on file: the row exists, country is NULL.
        yield f"u-{n:04d}", None if n % 50 == 0 else rng.choice(COUNTRIES)


def label_rows(seed: int, rows: int):
    rng = random.Random(f"{seed}-labels")
    for i in range(rows):
        picked = rng.sample(LABELS, k=rng.choice([1, 1, 1, 2, 2, 3]))
        yield doc_id(i % 6 + 1, i // 6 + 1), ",".join(picked)


def write_users_sql(args: argparse.Namespace) -> None:
    lines = [
        "-- Users of the events recipe, looked up by id (the `user_id` of an event) in",
        "-- steps/v1_to_v2.lua to fill user_country. Written by scripts/generate-events.py",
        f"-- --users-sql (seed {args.seed}); events use u-0001 .. u-{USER_IDS:04d}, so u-{USERS_IN_TABLE + 1:04d} and",
        "-- later have no row, and every 50th user has a NULL country: both leave user_country absent.",
        "CREATE TABLE users (",
        "  id TEXT PRIMARY KEY,",
        "  country TEXT",
        ");",
        "",
    ]
    for uid, country in user_rows(args.seed):
        value = "NULL" if country is None else f"'{country}'"
        lines.append(f"INSERT INTO users (id, country) VALUES ('{uid}', {value});")
    Path(args.users_sql).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_labels_db(args: argparse.Namespace) -> None:
    path = Path(args.labels_db)
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE event_labels (id TEXT PRIMARY KEY, labels TEXT NOT NULL) WITHOUT ROWID")
        db.executemany("INSERT INTO event_labels (id, labels) VALUES (?, ?)", label_rows(args.seed, args.labels_rows))
        db.commit()
        db.execute("VACUUM")
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs-per-month", type=int, default=0, help="documents per monthly index (default 0: none)")
    parser.add_argument("--months", type=int, default=6, help="months from 2024-01 (default 6)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=["bulk", "transform"], default="bulk",
                        help="bulk: action + source lines for _bulk; transform: {\"_id\",\"_source\"} lines for ferry transform")
    parser.add_argument("--labels-db", help="write the event_labels table to this SQLite file (replaced)")
    parser.add_argument("--labels-rows", type=int, default=1000, help="rows of event_labels (default 1000)")
    parser.add_argument("--users-sql", help="write the users table as an SQL script to this file")
    args = parser.parse_args()
    if not 1 <= args.months <= 12:
        parser.error("--months must be 1 to 12")
    if args.labels_db:
        write_labels_db(args)
    if args.users_sql:
        write_users_sql(args)
    if args.docs_per_month > 0:
        out = sys.stdout
        write_documents(args, out)
        out.flush()


if __name__ == "__main__":
    main()
