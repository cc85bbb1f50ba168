"""Full-text search over posts that works for Chinese, Japanese and Korean as well as English.

FTS5's unicode61 tokenizer sees a run of CJK characters as one long token, so a two-character word inside a
sentence would never match. As Lucene's CJKAnalyzer does, every CJK run is rewritten in Python into its
overlapping bigrams (a lone CJK character stays a unigram) before FTS5 sees it; everything else is left to
FTS5's `porter unicode61` tokenizer (lowercasing, diacritics, English stemming). Queries go through the same
rewrite, and a CJK query run becomes a phrase of bigrams, so 垃圾回收 matches only where the four characters
stand together.

The index (`posts_fts`) is an FTS5 table with external content (`content="posts"`): it keeps only the index,
never a second copy of the text, and sqlite-utils and Datasette recognise it as the posts table's full-text
index by that declaration (`sqlite-utils search archive.db posts QUERY`, Datasette's `?_search=`). New posts
are indexed in batches by whoever inserts them (index_posts: one FTS5 write per batch; a trigger per inserted
row would flush FTS5's pending terms at every following statement and double the cost of a save); triggers
follow every update and delete of posts, whoever writes. They call the SQL functions of register_functions,
so a connection that changes posts must register them (Archive does; a tool that has not gets "no such
function" and changes nothing).

Stdlib only on purpose: the Datasette plugin imports this module, and `archiver publish` ships a copy of it
next to the plugin into deployments where blog-archiver itself is not installed.
"""

from __future__ import annotations

import html
import json
import operator
import re
import sqlite3
import unicodedata
from functools import lru_cache
from typing import Any

SEARCH_TABLE = "posts_fts"  # sqlite-utils' name for the posts table's index
LEGACY_SEARCH_TABLE = "post_search"  # schema 3-5: an FTS5 table with its own copy of every text
# The index's columns, named after the posts columns an external-content read (SELECT *, snippet()) finds:
# `title`; `tags` holds tags, categories and author; `content_text` the body (or the excerpt when none).
SEARCH_COLUMNS: tuple[str, ...] = ("title", "tags", "content_text")
# bm25 weights per SEARCH_COLUMNS entry: a hit in the title or a tag counts more than one in the body.
SEARCH_WEIGHTS: tuple[float, ...] = (10.0, 4.0, 1.0)
SEARCH_TOKENIZER = "porter unicode61 remove_diacritics 2"
# FTS5 merges index segments as they accumulate; merging 16 at a time (the most it allows) instead of 4
# rewrites each entry fewer times: a quarter less CPU when indexing 200,000 posts, queries as fast.
SEARCH_AUTOMERGE = 16
# The triggers that keep the index in step with changed and deleted posts (schema 6); schema 3-5 had only a
# delete trigger.
TRIGGERS = ("posts_fts_update", "posts_fts_delete")
LEGACY_DELETE_TRIGGER = "posts_search_delete"
# Columns of posts whose change re-indexes the post.
INDEXED_POST_COLUMNS = ("title", "tags", "categories", "author", "content_text", "excerpt")

# Han (with extensions and compatibility ideographs), kana, Hangul: the scripts written without spaces.
CJK_CHARS = (
    "\u3005\u3006\u3007"  # 々〆〇
    "\u3040-\u309f"  # hiragana
    "\u30a0-\u30ff"  # katakana (with ー)
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # Hangul jamo, compatibility jamo, syllables
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
# A query splits into "quoted phrases" and bare words; OR between them is kept as FTS5's operator.
QUERY_PART = re.compile(r'"([^"]*)"?|(\S+)')
QUERY_OPERATORS = frozenset({"OR", "AND", "NOT"})
# What FTS5's unicode61 treats as a token: letters, digits (and the CJK runs rewritten before).
WORD = re.compile(r"[^\W_]+")
SNIPPET_CHARS = 160


# Full-width punctuation common in CJK prose, as NFKC maps it: replaced first, most texts are then already
# normalized and skip NFKC, which costs ten times the check.
FULLWIDTH_PUNCTUATION: tuple[tuple[str, str], ...] = tuple(
    (mark, unicodedata.normalize("NFKC", mark)) for mark in "，：；？！（）［］～"
)


def normalize(text: str) -> str:
    """NFKC: full-width Latin becomes ASCII and half-width kana full-width, for documents and queries alike."""
    if text.isascii():
        return text
    for mark, ascii_mark in FULLWIDTH_PUNCTUATION:
        if mark in text:
            text = text.replace(mark, ascii_mark)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _bigrams(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) == 1:
        return " " + run + " "
    return " " + " ".join(map(operator.add, run, run[1:])) + " "


def index_text(text: str | None) -> str:
    """The text FTS5 indexes for `text`: CJK runs as overlapping bigrams, everything else as it is."""
    if not text:
        return ""
    if text.isascii():  # no CJK, nothing NFKC would change
        return text
    return CJK_RUN.sub(_bigrams, normalize(text))


def _term_tokens(term: str) -> list[str]:
    """The tokens FTS5 would see for one query term after the CJK rewrite (before stemming)."""
    return index_text(term).split() if CJK_RUN.search(term) else WORD.findall(normalize(term))


def _phrase(tokens: list[str]) -> str:
    return '"' + " ".join(token.replace('"', '""') for token in tokens) + '"'


@lru_cache(maxsize=4096)
def fts_query(query: str | None) -> str:
    """An FTS5 MATCH expression for what a person typed: every term must match, "quoted phrases" work,
    OR between terms works, CJK runs become phrases of bigrams. A query without words matches nothing."""
    parts: list[str] = []
    for quoted, bare in QUERY_PART.findall(normalize(query or "")):
        if bare in QUERY_OPERATORS and parts and parts[-1] not in QUERY_OPERATORS:
            parts.append(bare)
            continue
        tokens: list[str] = []
        for piece in (quoted.split() if quoted else [bare]):
            tokens.extend(_term_tokens(piece))
        tokens = [token for token in tokens if token]
        if not tokens:
            continue
        if len(tokens) == 1 and len(tokens[0]) == 1 and CJK_RUN.fullmatch(tokens[0]):
            # A single CJK character: any bigram starting with it (or the lone character itself).
            parts.append(_phrase(tokens) + "*")
        else:
            parts.append(_phrase(tokens))
    while parts and parts[-1] in QUERY_OPERATORS:
        parts.pop()
    return " ".join(parts) if parts else '""'


def _json_names(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if not isinstance(value, list | tuple):
        return [] if value is None else [str(value)]
    return [str(name) for name in value]


def index_labels(tags: Any, categories: Any, author: str | None) -> str:
    """The text indexed in the `tags` column: tags, categories (JSON lists or lists) and the author."""
    labels = [*_json_names(tags), *_json_names(categories)]
    if author:
        labels.append(str(author))
    return index_text(" ; ".join(labels))


def document(post: dict[str, Any]) -> tuple[str, str, str]:
    """The (title, tags, content_text) texts indexed for one post row, as the triggers compute them."""
    body = post.get("content_text") or post.get("excerpt") or ""
    return (
        index_text(post.get("title")),
        index_labels(post.get("tags"), post.get("categories"), post.get("author")),
        index_text(body),
    )


# --- the index in the archive -------------------------------------------------------------------------


def _document_sql(row: str) -> str:
    """SQL computing SEARCH_COLUMNS for the posts row `row` (new or old inside a trigger), as document() does."""
    return (
        f"archiver_index_text({row}.title), "
        f"archiver_index_labels({row}.tags, {row}.categories, {row}.author), "
        f"archiver_index_text(coalesce(nullif({row}.content_text, ''), {row}.excerpt))"
    )


def _changed_sql() -> str:
    return " OR ".join(f"old.{name} IS NOT new.{name}" for name in INDEXED_POST_COLUMNS)


def create_search_schema(conn: sqlite3.Connection) -> None:
    """Create the index and the triggers that keep it in step with posts (inside the caller's transaction)."""
    columns = ", ".join(SEARCH_COLUMNS)
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5({columns}, "
        f"content=\"posts\", content_rowid=\"id\", tokenize = '{SEARCH_TOKENIZER}')"
    )
    tune_search_index(conn)
    # External content: FTS5 removes a row's entries only when told the exact text it indexed, so deletes and
    # updates hand it the old row's document, computed by the same functions as when it was indexed.
    delete_old = (
        f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, {columns}) VALUES ('delete', old.id, {_document_sql('old')});"
    )
    insert_new = f"INSERT INTO {SEARCH_TABLE}(rowid, {columns}) VALUES (new.id, {_document_sql('new')});"
    update, delete = TRIGGERS
    conn.execute(
        f"CREATE TRIGGER IF NOT EXISTS {update} AFTER UPDATE OF {', '.join(INDEXED_POST_COLUMNS)} ON posts "
        f"WHEN {_changed_sql()} BEGIN {delete_old} {insert_new} END"
    )
    conn.execute(f"CREATE TRIGGER IF NOT EXISTS {delete} AFTER DELETE ON posts BEGIN {delete_old} END")


def index_posts(conn: sqlite3.Connection, posts: list[dict[str, Any]], *, new: bool = False) -> int:
    """Index posts just inserted (`new`): rows carrying `id` and their text columns; returns how many.

    Updated posts need nothing (new=False does nothing): the update trigger re-indexes a post whose indexed
    text changed, in the same statement."""
    if not new or not posts:
        return 0
    conn.executemany(
        f"INSERT INTO {SEARCH_TABLE}(rowid, {', '.join(SEARCH_COLUMNS)}) VALUES (?, ?, ?, ?)",
        [(post["id"], *document(post)) for post in posts],
    )
    return len(posts)


def drop_search_schema(conn: sqlite3.Connection) -> None:
    """Drop the index and its triggers, of this schema and of the schema-3 to 5 one."""
    for trigger in (*TRIGGERS, LEGACY_DELETE_TRIGGER):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in (SEARCH_TABLE, LEGACY_SEARCH_TABLE):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def tune_search_index(conn: sqlite3.Connection) -> None:
    """Store the index's merge setting (FTS5 keeps it in the index itself)."""
    conn.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('automerge', {SEARCH_AUTOMERGE})")


def rebuild_search_index(conn: sqlite3.Connection) -> int:
    """Drop the index and index every post again (needs register_functions); returns the number indexed.

    FTS5's own 'rebuild' (which `sqlite-utils rebuild-fts` runs) would index the posts' raw text without
    the CJK rewrite: this is the rebuild to use."""
    # Dropping is much faster than deleting, which FTS5 does row by row, re-tokenizing each.
    drop_search_schema(conn)
    create_search_schema(conn)
    conn.execute(
        f"INSERT INTO {SEARCH_TABLE}(rowid, {', '.join(SEARCH_COLUMNS)}) "
        f"SELECT id, {_document_sql('posts')} FROM posts ORDER BY id"
    )
    return int(conn.execute("SELECT count(*) FROM posts").fetchone()[0])


def match_sql(id_column: str = "id", parameter: str = ":search") -> str:
    """A WHERE clause keeping rows whose `id_column` is a post matching the query in `parameter`.

    Needs the archiver_fts_query SQL function (register_functions)."""
    return (
        f"{id_column} IN (SELECT rowid FROM {SEARCH_TABLE} "
        f"WHERE {SEARCH_TABLE} MATCH archiver_fts_query({parameter}))"
    )


def rank_sql() -> str:
    """The bm25 expression ranking rows of SEARCH_TABLE (lower is better), with SEARCH_WEIGHTS."""
    return f"bm25({SEARCH_TABLE}, {', '.join(str(weight) for weight in SEARCH_WEIGHTS)})"


# --- highlighting -------------------------------------------------------------------------------------

# Crude English suffix stripping, only to decide which words of a snippet to mark: FTS5's porter stemmer
# already decided which posts match.
_SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ers", "ies", "ed", "es", "er", "ly", "s", "y", "e")


def _stem_prefix(word: str) -> str:
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=1024)
def highlight_pattern(query: str) -> re.Pattern[str] | None:
    """A regex finding, in original text, what `query` matched: CJK runs literally, words by stem prefix."""
    alternatives: list[str] = []
    for quoted, bare in QUERY_PART.findall(normalize(query or "")):
        if bare in QUERY_OPERATORS:
            continue
        for term in (quoted or bare).split():
            for run in CJK_RUN.findall(term):
                alternatives.append(re.escape(run))
            for word in WORD.findall(CJK_RUN.sub(" ", term)):
                stem = _stem_prefix(word)
                alternatives.append(rf"\b{re.escape(stem)}\w*")
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def snippet(text: str | None, query: str | None, width: int = SNIPPET_CHARS) -> str:
    """HTML: a window of `text` around the first match of `query`, matches wrapped in <mark>, all else escaped."""
    text = text or ""  # shown as stored; only the query is normalized
    pattern = highlight_pattern(query or "")
    first = pattern.search(text) if pattern else None
    start = 0 if first is None else max(0, first.start() - width // 3)
    if start:
        space = text.rfind(" ", start - 15, start)
        start = space + 1 if space > 0 else start
    window = text[start : start + width]
    pieces: list[str] = ["…" if start else ""]
    position = 0
    for match in pattern.finditer(window) if pattern else ():
        pieces.append(html.escape(window[position : match.start()]))
        pieces.append(f"<mark>{html.escape(match.group())}</mark>")
        position = match.end()
    pieces.append(html.escape(window[position:]))
    if start + width < len(text):
        pieces.append("…")
    return "".join(pieces)


# --- showing post text ---------------------------------------------------------------------------------

# Explicit embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI): in a title they
# can reverse what a reader sees and spill into the text shown after it. The implicit marks (LRM, RLM, ALM)
# stay: right-to-left titles need them and they reorder nothing on their own.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
EXCERPT_CHARS = 200


def strip_bidi_controls(text: str | None) -> str:
    """`text` without the explicit bidi formatting characters (for titles and names shown to readers)."""
    return BIDI_CONTROLS.sub("", text or "")


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def short_excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """`text` cut to about `limit` columns (a CJK character counts two), whitespace collapsed, at a word end
    when there is one, with an ellipsis: what every view and export shows of an excerpt, however long the
    listing's was."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit // 2 or sum(map(_width, flat)) <= limit:
        return flat
    used, end = 0, 0
    for end, char in enumerate(flat):  # noqa: B007 - `end` is where the budget ran out
        used += _width(char)
        if used > limit - 1:
            break
    cut = flat[:end]
    space = cut.rfind(" ")
    # Cut at the last space unless that loses more than a fifth (text without spaces: CJK, long URLs).
    if space > len(cut) * 4 // 5:
        cut = cut[:space]
    return cut.rstrip(" ,.;:，。；：、") + "…"


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions: archiver_fts_query(q), archiver_snippet(t, q) for queries; archiver_index_text(t) and
    archiver_index_labels(tags, categories, author) for the triggers that index posts."""
    conn.create_function("archiver_fts_query", 1, fts_query, deterministic=True)
    conn.create_function("archiver_index_text", 1, index_text, deterministic=True)
    conn.create_function("archiver_index_labels", 3, index_labels, deterministic=True)
    conn.create_function("archiver_snippet", 2, snippet, deterministic=True)
