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
from collections import Counter
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


# Character classes as regex classes (transforms/text.lua): word characters are ASCII
# letters, digits and "_" plus non-ASCII code points outside the punctuation, symbol and
# emoji blocks; spaces are ASCII whitespace plus the Unicode spaces; ideographs and kana
# are words of their own.
WORD = ("A-Za-z0-9_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff\u2c00-\u2dff\u2e80-\u2fff"
        "\u3040-\ufdff\ufe70-\ufefe\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff66-\ufffc"
        "\ufffe-\U0001efff\U0001fb00-\U000dffff\U000e0080-\U0010ffff")
SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
WORD_NOT_CJK = ("A-Za-z0-9_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff\u2c00-\u2dff\u2e80-\u2fff"
                "\u3100-\u31ef\u3200-\u33ff\u4dc0-\u4dff\ua000-\uf8ff\ufb00-\ufdff\ufe70-\ufefe"
                "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff66-\ufffc\ufffe-\U0001efff"
                "\U0001fb00-\U0001ffff\U00040000-\U000dffff\U000e0080-\U0010ffff")
CJK_CHAR = re.compile(f"[{CJK}]")
# A run of characters that are neither spaces nor ideographs, with a word character in it:
# leading punctuation, the first word character, the rest of the run.
WORD_RUN = re.compile(f"[^{SPACE}{CJK}{WORD}]*[{WORD_NOT_CJK}][^{SPACE}{CJK}]*")
HASHTAG = re.compile(f"(?<![{WORD}])#([{WORD}]*)")


def hashtags(v, limit: int) -> list[str]:
    tags, seen = [], set()
    for m in HASHTAG.finditer(strip_html(as_text(v))):
        tag = m.group(1)
        if not tag or (tag.isascii() and tag.isdigit()):
            continue
        key = tag.translate(ASCII_LOWER)
        if key not in seen:
            seen.add(key)
            tags.append(tag)
            if len(tags) == limit:
                break
    return tags


def word_count(s: str) -> int:
    return len(WORD_RUN.findall(s)) + len(CJK_CHAR.findall(s))


CATEGORIES = [
    ("technology", ["tech", "technology", "software", "programming", "code", "coding", "developer",
                    "api", "database", "cloud", "linux", "kubernetes", "javascript", "python", "lua",
                    "algorithm", "computer"]),
    ("tutorial", ["how to", "guide", "tutorial", "step by step", "walkthrough", "beginner", "getting started"]),
    ("news", ["news", "update", "announcement", "release", "released", "launch", "breaking"]),
    ("review", ["review", "opinion", "rating", "evaluation", "verdict", "pros and cons", "hands-on"]),
]
# Per category: single-word keywords, and phrases as (first word, pattern); a phrase is only
# searched for when its first word occurs (as the Lua module does).
COMPILED = [(name, [k for k in kws if re.fullmatch(r"[a-z0-9]+", k)],
             [(k.split()[0].split("-")[0],
               re.compile(r"(?<![A-Za-z0-9])" + r"\s+".join(re.escape(w) for w in k.split()) + r"s?(?![A-Za-z0-9])", re.A))
              for k in kws if not re.fullmatch(r"[a-z0-9]+", k)])
            for name, kws in CATEGORIES]


def word_counts(lower: str) -> Counter:
    return Counter(ASCII_WORDS.findall(lower))


def categorize(s: str, lower: str, counts: Counter) -> str:
    best, best_score = "general", 0
    for name, words, phrases in COMPILED:
        score = sum(counts[k] + counts[k + "s"] for k in words)
        for first, pattern in phrases:
            if counts[first] or counts[first + "s"]:
                score += len(pattern.findall(lower))
        if score > best_score:
            best, best_score = name, score
    return best


STOP = {w: lang for lang, words in {
    "en": "the and is are was of to that this with for you it not",
    "es": "el los las del por para con una es y lo como pero muy",
    "fr": "le les des est et une pour dans qui du avec pas sur au",
    "de": "der die das und ist nicht mit ein eine zu den von auf sich",
}.items() for w in words.split()}


def language(s: str, counts: Counter) -> str:
    if re.search("[\u3000-\udfff]", s):
        kana = len(re.findall("[\u3040-\u30ff]", s))
        han = len(re.findall("[\u4000-\u9fff]", s))
        hangul = len(re.findall("[\ua000-\udfff]", s))
        cjk = kana + han + hangul
        if cjk > 0 and cjk * 2 > word_count(s):
            return "ja" if kana else "ko" if hangul > han else "zh"
    hits = {"en": 0, "es": 0, "fr": 0, "de": 0}
    for w, lang in STOP.items():
        hits[lang] += counts[w]
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
    out = sys.stdout.buffer
    lines: list[str] = []
    failed = 0
    for number, line in enumerate(sys.stdin.buffer, 1):
        if not line.strip():
            continue
        try:
            doc = v2_to_v3(v1_to_v2(json.loads(line)), authors, args.run_started_at)
        except ValueError as error:
            print(f"line {number}: {error}", file=sys.stderr)
            failed += 1
            continue
        lines.append(json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
        if len(lines) >= 1000:
            out.write(("\n".join(lines) + "\n").encode())
            lines.clear()
    if lines:
        out.write(("\n".join(lines) + "\n").encode())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
