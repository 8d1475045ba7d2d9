#!/usr/bin/env python3
"""The blog_posts 1.0 -> 3.0 chain as a plain Python script: the baseline `ferry transform`
is measured against (bench/transform.sh). NDJSON v1 `_source` lines on stdin, v3 lines on
stdout, written exactly as ferry writes them (keys sorted, compact, UTF-8), so the two
outputs can be compared byte for byte. The text rules follow transforms/text.lua; a data
engineer would write it this way: `re`, `json`, `sqlite3`, one process.

    python3 bench/python_chain.py --run-started-at 2026-01-01T00:00:00Z < v1.ndjson > v3.ndjson
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUTHORS_SQL = ROOT / "recipes/blog_posts/data/authors.sql"

# --- text (transforms/text.lua) -------------------------------------------------------------

ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
BLOCK = set("address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 "
            "h5 h6 header hr img li main nav ol p pre section table tbody td tfoot th thead tr ul".split())
ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": " ",
            "ndash": "\u2013", "mdash": "\u2014", "hellip": "\u2026", "copy": "\u00a9",
            "lsquo": "\u2018", "rsquo": "\u2019", "ldquo": "\u201c", "rdquo": "\u201d"}
COMMENT = re.compile(r"<!--.*?-->", re.S)
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:\-]*)[^>]*>")
BANG = re.compile(r"<![^>]*>")
ENTITY = re.compile(r"&(#?[A-Za-z0-9]+);")
SPACES = re.compile(r"[ \t\n\v\f\r\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
ASCII_WORDS = re.compile(r"[A-Za-z0-9]+")


def drop_element(s: str, name: str) -> str:
    opening = re.compile(r"<" + name + r"(?:[ \t\n\v\f\r>/]|$)", re.I)
    closing = re.compile(r"</" + name + r"[ \t\n\v\f\r]*>", re.I)
    out, i = [], 0
    while (m := opening.search(s, i)):
        out.append(s[i:m.start()])
        c = closing.search(s, m.start())
        if not c:
            i = len(s)
            break
        out.append(" ")
        i = c.end()
    out.append(s[i:])
    return "".join(out)


def decode_entity(m: re.Match) -> str:
    body = m.group(1)
    cp = None
    if re.fullmatch(r"#[0-9]+", body):
        cp = int(body[1:])
    elif re.fullmatch(r"#[xX][0-9A-Fa-f]+", body):
        cp = int(body[2:], 16)
    if cp is not None:
        if len(body) <= 8 and 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF:
            return chr(cp)
        return m.group(0)
    return ENTITIES.get(body, m.group(0))


def strip_html(s: str) -> str:
    if "<" not in s and "&" not in s:
        return s
    s = COMMENT.sub("", s)
    s = drop_element(s, "script")
    s = drop_element(s, "style")
    s = TAG.sub(lambda m: " " if m.group(2).translate(ASCII_LOWER) in BLOCK else "", s)
    s = BANG.sub("", s)
    return ENTITY.sub(decode_entity, s)


def normalise(s: str) -> str:
    return SPACES.sub(" ", strip_html(s)).strip(" ")


def as_text(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return " ".join(x for x in v if isinstance(x, str))
    return ""


def is_word(cp: int) -> bool:
    if cp < 128:
        return chr(cp).isascii() and (chr(cp).isalnum() or cp == 95)
    return not (cp <= 0xBF or cp == 0xD7 or cp == 0xF7 or 0x2000 <= cp <= 0x2BFF
                or 0x2E00 <= cp <= 0x2E7F or 0x3000 <= cp <= 0x303F or 0xFE00 <= cp <= 0xFE6F
                or cp == 0xFEFF or cp == 0xFFFD or 0xFF00 <= cp <= 0xFF0F or 0xFF1A <= cp <= 0xFF20
                or 0xFF3B <= cp <= 0xFF40 or 0xFF5B <= cp <= 0xFF65 or 0x1F000 <= cp <= 0x1FAFF
                or 0xE0000 <= cp <= 0xE007F)


def is_space(cp: int) -> bool:
    return (cp == 32 or 9 <= cp <= 13 or cp in (0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)
            or 0x2000 <= cp <= 0x200A)


def is_cjk(cp: int) -> bool:
    return (0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0x3400 <= cp <= 0x4DBF
            or 0x4E00 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF)


def hashtags(v, limit: int) -> list[str]:
    s = strip_html(as_text(v))
    tags, seen, pos, n = [], set(), 0, len(s)
    while len(tags) < limit:
        h = s.find("#", pos)
        if h < 0:
            break
        pos = h + 1
        if h > 0 and is_word(ord(s[h - 1])):
            continue
        stop = h + 1
        while stop < n and is_word(ord(s[stop])):
            stop += 1
        tag, pos = s[h + 1:stop], stop
        if tag and not (tag.isascii() and tag.isdigit()):
            key = tag.translate(ASCII_LOWER)
            if key not in seen:
                seen.add(key)
                tags.append(tag)
    return tags


def word_count(s: str) -> int:
    n, in_word = 0, False
    for ch in s:
        cp = ord(ch)
        if is_space(cp):
            in_word = False
        elif is_cjk(cp):
            n, in_word = n + 1, False
        elif not in_word and is_word(cp):
            n, in_word = n + 1, True
    return n


CATEGORIES = [
    ("technology", ["tech", "technology", "software", "programming", "code", "coding", "developer",
                    "api", "database", "cloud", "linux", "kubernetes", "javascript", "python", "lua",
                    "algorithm", "computer"]),
    ("tutorial", ["how to", "guide", "tutorial", "step by step", "walkthrough", "beginner", "getting started"]),
    ("news", ["news", "update", "announcement", "release", "released", "launch", "breaking"]),
    ("review", ["review", "opinion", "rating", "evaluation", "verdict", "pros and cons", "hands-on"]),
]
COMPILED = [(name, [k for k in kws if re.fullmatch(r"[a-z0-9]+", k)],
             [re.compile(r"(?<![A-Za-z0-9])" + r"\s+".join(re.escape(w) for w in k.split()) + r"s?(?![A-Za-z0-9])", re.A)
              for k in kws if not re.fullmatch(r"[a-z0-9]+", k)])
            for name, kws in CATEGORIES]


def word_counts(lower: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for w in ASCII_WORDS.findall(lower):
        counts[w] = counts.get(w, 0) + 1
    return counts


def categorize(s: str, lower: str, counts: dict[str, int]) -> str:
    best, best_score = "general", 0
    for name, words, phrases in COMPILED:
        score = sum(counts.get(k, 0) + counts.get(k + "s", 0) for k in words)
        score += sum(len(p.findall(lower)) for p in phrases)
        if score > best_score:
            best, best_score = name, score
    return best


STOP = {w: lang for lang, words in {
    "en": "the and is are was of to that this with for you it not",
    "es": "el los las del por para con una es y lo como pero muy",
    "fr": "le les des est et une pour dans qui du avec pas sur au",
    "de": "der die das und ist nicht mit ein eine zu den von auf sich",
}.items() for w in words.split()}


def language(s: str, counts: dict[str, int]) -> str:
    kana = sum(1 for ch in s if 0x3040 <= ord(ch) <= 0x30FF)
    han = sum(1 for ch in s if 0x4000 <= ord(ch) <= 0x9FFF)
    hangul = sum(1 for ch in s if 0xA000 <= ord(ch) <= 0xDFFF)
    cjk = kana + han + hangul
    if cjk > 0 and cjk * 2 > word_count(s):
        return "ja" if kana else "ko" if hangul > han else "zh"
    hits = {"en": 0, "es": 0, "fr": 0, "de": 0}
    for w, c in counts.items():
        if w in STOP:
            hits[STOP[w]] += c
    best, best_hits = "en", hits["en"]
    for lang in ("es", "fr", "de"):
        if hits[lang] >= 2 and hits[lang] > best_hits:
            best, best_hits = lang, hits[lang]
    if best != "en" and any(lang != best and hits[lang] == best_hits for lang in hits):
        return "en"
    return best

# --- the steps (recipes/blog_posts/steps) ---------------------------------------------------


def check_text(doc: dict, name: str) -> None:
    if isinstance(doc.get(name), dict):
        raise ValueError(f"{name}: expected text, got an object")


def v1_to_v2(doc: dict) -> dict:
    check_text(doc, "title")
    check_text(doc, "content")
    if "created_date" in doc and doc.get("published_date") is None:
        doc["published_date"] = doc["created_date"]
    if doc.get("category") in (None, ""):
        doc["category"] = "general"
    doc["tags"] = hashtags(doc.get("content"), 5)
    return doc


def counter(v) -> int:
    if isinstance(v, str):
        try:
            v = float(v) if any(c in v for c in ".eE") else int(v)
        except ValueError:
            return 0
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
        return int(v // 1)
    return 0


def v2_to_v3(doc: dict, authors: dict[str, str], run_started_at: str) -> dict:
    check_text(doc, "title")
    check_text(doc, "content")
    for name in ("title", "content"):
        v = doc.get(name)
        if isinstance(v, str):
            doc[name] = normalise(v)
        elif isinstance(v, list):
            doc[name] = [normalise(x) if isinstance(x, str) else x for x in v]
    title, content = as_text(doc.get("title")), as_text(doc.get("content"))
    both = title + " " + content
    lower = both.translate(ASCII_LOWER)
    counts = word_counts(lower)
    if doc.get("category") in (None, "", "general"):
        doc["category"] = categorize(both, lower, counts)
    if doc.get("tags") is None:
        doc["tags"] = hashtags(content, 5)
    if "created_date" in doc and doc.get("published_date") is None:
        doc["published_date"] = doc["created_date"]
    words = word_count(content)
    doc["metadata"] = {
        "word_count": words,
        "reading_time": 0 if words <= 0 else max(1, words // 200),
        "language": language(both, counts),
        "last_updated": run_started_at,
    }
    engagement = doc.get("engagement") if isinstance(doc.get("engagement"), dict) else {}
    doc["engagement"] = {k: counter(engagement.get(k)) for k in ("views", "likes", "shares", "comments_count")}
    author = doc.get("author")
    if isinstance(author, str) and author and authors.get(author):
        doc["author_name"] = authors[author]
    doc["schema_version"] = "3.0"
    return doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-started-at", required=True)
    args = parser.parse_args()
    db = sqlite3.connect(":memory:")
    db.executescript(AUTHORS_SQL.read_text(encoding="utf-8"))
    authors = {k: v for k, v in db.execute("SELECT id, display_name FROM authors") if isinstance(v, str)}
    out = sys.stdout
    failed = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            doc = v2_to_v3(v1_to_v2(json.loads(line)), authors, args.run_started_at)
        except ValueError as error:
            print(f"line {number}: {error}", file=sys.stderr)
            failed += 1
            continue
        out.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
        out.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
