#!/usr/bin/env python3
"""Generate v1 blog_posts documents as bulk NDJSON (for `POST /_bulk`) on stdout.

    python3 scripts/generate-blog-posts.py --count 20000 --index blog_posts-1.0 [--seed 42]

Each document is an action line and a source line:
    {"index":{"_index":"blog_posts-1.0","_id":"post-000001"}}
    {"title":"...","content":"...","author":"alice","created_date":"2023-05-01T10:00:00Z"}

The output is a pure function of (count, seed): same arguments, same bytes. Documents
exercise the recipe's steps: short posts and long reads, 0-8 hashtags (with repeats), some HTML, some accents, CJK
and emoji, some French/Spanish/German/Japanese posts, keywords of every category,
created_date between 2020 and early 2026 in several ISO-8601 shapes, authors from
recipes/blog_posts/data/authors.sql plus "zed" (deliberately absent from that table), and
a small fraction of posts with missing or null content, a null title or no author.
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

AUTHORS_SQL = Path(__file__).resolve().parent.parent / "recipes/blog_posts/data/authors.sql"
MISSING_AUTHOR = "zed"  # not in authors.sql: exercises the "no lookup row" path

TOPICS = {
    "technology": {
        "titles": ["Scaling our {thing} with Swift", "Why we moved the API to {thing}",
                   "Database indexing lessons from {thing}", "A tour of the {thing} codebase",
                   "Debugging {thing} in production"],
        "things": ["Kubernetes", "SQLite", "Lua", "OpenSearch", "Linux", "the search cluster"],
        "sentences": ["The API now answers in under ten milliseconds.",
                      "We rewrote the hot path of the software in a weekend.",
                      "Our database grew to forty million rows last year.",
                      "Programming against a strict mapping catches mistakes early.",
                      "The code review took longer than the code.",
                      "Every developer on the team now runs the cluster locally."],
        "tags": ["swift", "lua", "api", "database", "devops", "k8s", "Programming", "cloud"],
    },
    "tutorial": {
        "titles": ["How to {thing} in ten minutes", "A beginner's guide to {thing}",
                   "{thing}, step by step", "Getting started with {thing}"],
        "things": ["sourdough", "watercolours", "bouldering", "home espresso", "touch typing"],
        "sentences": ["First, gather everything you need on one table.",
                      "This guide assumes no prior experience.",
                      "Step by step, the process becomes second nature.",
                      "Take notes as you go: you will want them next time.",
                      "Most beginners skip the warm-up; do not."],
        "tags": ["howto", "guide", "diy", "learning", "tips"],
    },
    "news": {
        "titles": ["Announcement: {thing}", "{thing} is released today", "Update on {thing}",
                   "Breaking: {thing}"],
        "things": ["our new office", "version 3.0", "the summer meetup", "the community fund"],
        "sentences": ["We are happy to share some news with everyone.",
                      "The release is available to all readers from today.",
                      "More updates will follow next week.",
                      "Thank you for the feedback on the last announcement."],
        "tags": ["news", "release", "community", "update"],
    },
    "review": {
        "titles": ["Review: {thing}", "{thing}, six months later", "My honest opinion of {thing}"],
        "things": ["the new e-reader", "a mechanical keyboard", "the city's best ramen",
                   "a budget camera"],
        "sentences": ["My rating is four stars out of five.",
                      "The verdict: worth it, with caveats.",
                      "In my opinion the battery is the weak point.",
                      "After a long evaluation, I would buy it again."],
        "tags": ["review", "gear", "food", "rating"],
    },
    "general": {
        "titles": ["A quiet weekend in {thing}", "Notes from {thing}", "Thinking about {thing}",
                   "Letters from {thing}"],
        "things": ["the mountains", "the garden", "Lisbon", "the seaside", "my kitchen"],
        "sentences": ["The morning light was soft over the hills.",
                      "We walked for hours and talked about nothing in particular.",
                      "Lunch was bread, cheese and far too many olives.",
                      "Sometimes the best plan is no plan at all.",
                      "I wrote this on the train home."],
        "tags": ["life", "travel", "weekend", "photos", "family"],
    },
}

# Posts in other languages (and scripts), with hashtags that are not ASCII.
FOREIGN = [
    ("Les crêpes de Zoë",
     ["Le secret est dans la pâte et dans le beurre.", "Une pincée de sel, pas plus.",
      "C'est délicieux avec du sucre et du citron."], ["crêpes", "cuisine", "été"]),
    ("Una receta para el verano",
     ["El gazpacho es una sopa fría para los días de calor.", "Los tomates son la base del plato.",
      "Con pepino y ajo queda muy bien."], ["receta", "verano", "cocina"]),
    ("Der Winter ist da",
     ["Die Berge sind weiß und das Wetter ist kalt.", "Ein Spaziergang mit dem Hund ist trotzdem schön.",
      "Am Abend gibt es Tee und Kuchen."], ["winter", "schnee", "München"]),
    ("東京の桜",
     ["今年の桜はとても綺麗でした。", "公園で花見をしました。", "来年もまた行きたいです。"],
     ["桜", "東京", "花見"]),
    ("서울의 가을",
     ["서울의 가을은 정말 아름답습니다.", "단풍을 보러 산에 갔습니다."], ["서울", "가을"]),
]

EMOJI = ["🚀", "☕", "🌸", "🎉", "😋", "📚", "🔥", "👍🏽", "🇫🇷", "👩‍💻"]
EXTRAS = ["Naïve café owners in Zürich agree.", "Déjà vu, señor.", "Ça marche très bien.",
          "Written in Kraków with a 抹茶 latte.", "Straße, façade, smørrebrød — all fine."]

START = datetime(2020, 1, 1, tzinfo=timezone.utc)
SPAN_SECONDS = int((datetime(2026, 3, 31, tzinfo=timezone.utc) - START).total_seconds())


def load_author_ids() -> list[str]:
    """Author ids from the recipe's SQL (single source of truth), sorted for determinism."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(AUTHORS_SQL.read_text(encoding="utf-8"))
        return [row[0] for row in db.execute("SELECT id FROM authors ORDER BY id")]
    finally:
        db.close()


def created_date(rng: random.Random) -> str:
    """An ISO-8601 date between 2020-01-01 and 2026-03-31 in one of several shapes."""
    moment = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    shape = rng.random()
    if shape < 0.70:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if shape < 0.85:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randrange(1000):03d}Z"
    if shape < 0.95:
        hours = rng.choice([-8, -5, 1, 2, 5, 9])
        local = moment.astimezone(timezone(timedelta(hours=hours)))
        return local.isoformat(timespec="seconds")
    return moment.strftime("%Y-%m-%d")


def hashtags(rng: random.Random, pool: list[str]) -> list[str]:
    """0-8 hashtags drawn with replacement (repeats and case variants happen)."""
    count = rng.choice([0, 0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8])
    tags = []
    for _ in range(count):
        tag = rng.choice(pool)
        if rng.random() < 0.1:
            tag = tag.upper()
        tags.append("#" + tag)
    return tags


def htmlify(rng: random.Random, paragraphs: list[str]) -> str:
    """Wrap paragraphs in simple HTML, with the odd attribute, entity and comment."""
    out = []
    for p in paragraphs:
        words = p.split(" ")
        if len(words) > 3 and rng.random() < 0.5:
            i = rng.randrange(len(words))
            words[i] = rng.choice(["<b>{}</b>", "<em>{}</em>", '<a href="/posts#top">{}</a>',
                                   '<span style="color:#c0ffee">{}</span>']).format(words[i])
        out.append("<p>" + " ".join(words) + "</p>")
    if rng.random() < 0.3:
        out.append("<!-- draft note -->")
    if rng.random() < 0.3:
        out.append("<ul><li>one &amp; two</li><li>x &lt; y</li></ul>")
    return "\n".join(out)


def make_doc(rng: random.Random, authors: list[str]) -> dict:
    if rng.random() < 0.08:
        title, sentences, tag_pool = rng.choice(FOREIGN)
        body = [" ".join(rng.sample(sentences, k=len(sentences)))]
    else:
        topic = TOPICS[rng.choice(list(TOPICS))]
        title = rng.choice(topic["titles"]).format(thing=rng.choice(topic["things"]))
        tag_pool = topic["tags"]
        # Mostly short posts; about one in ten is a long read (several minutes).
        paragraphs = rng.randint(1, 6) if rng.random() >= 0.1 else rng.randint(15, 40)
        body = [" ".join(rng.choice(topic["sentences"]) for _ in range(rng.randint(2, 6)))
                for _ in range(paragraphs)]
        if rng.random() < 0.15:
            body.append(rng.choice(EXTRAS))
    if rng.random() < 0.1:
        title += " " + rng.choice(EMOJI)
    if rng.random() < 0.1:
        body[-1] += " " + rng.choice(EMOJI)

    tags = hashtags(rng, tag_pool)
    if tags:
        body.append(" ".join(tags))

    if rng.random() < 0.15:
        content = htmlify(rng, body)
    else:
        content = ("\n\n" if rng.random() < 0.5 else "  ").join(body)

    doc: dict = {"title": title, "content": content}
    roll = rng.random()
    if roll < 0.01:
        del doc["content"]            # missing content
    elif roll < 0.015:
        doc["content"] = None
    elif roll < 0.02:
        doc["content"] = ""
    if rng.random() < 0.01:
        doc["title"] = None

    roll = rng.random()
    if roll < 0.05:
        doc["author"] = MISSING_AUTHOR
    elif roll >= 0.995:
        pass                          # no author at all
    else:
        doc["author"] = rng.choice(authors)
    doc["created_date"] = created_date(rng)
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="number of documents (default 1000)")
    parser.add_argument("--index", default="blog_posts-1.0", help="target index (default blog_posts-1.0)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")

    rng = random.Random(args.seed)
    authors = load_author_ids()
    width = max(6, len(str(args.count)))
    out = sys.stdout.buffer
    chunk: list[str] = []
    for n in range(1, args.count + 1):
        action = {"index": {"_index": args.index, "_id": f"post-{n:0{width}d}"}}
        chunk.append(json.dumps(action, separators=(",", ":")))
        chunk.append(json.dumps(make_doc(rng, authors), ensure_ascii=False, separators=(",", ":")))
        if len(chunk) >= 2000:
            out.write(("\n".join(chunk) + "\n").encode("utf-8"))
            chunk.clear()
    if chunk:
        out.write(("\n".join(chunk) + "\n").encode("utf-8"))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
