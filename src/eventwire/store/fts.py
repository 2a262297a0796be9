"""Full-text search over article texts and quotes, for SQLite (FTS5) and PostgreSQL.

SQLite: two plain (content-storing) FTS5 tables, ``articles_fts(title, text, article_id
UNINDEXED)`` and ``quotes_fts(text, speaker_name, article_id UNINDEXED, idx UNINDEXED)``,
written by the store in the same transaction as the article. Plain rather than
external-content because ``articles`` has a text key: its implicit rowid may be renumbered
by ``VACUUM``, which would silently break an external-content index; the price is a
second copy of the text. Only ``ok`` canonical articles are indexed, so a story and its
near-copies come back once.

PostgreSQL: stored generated ``search_tsv`` columns (``to_tsvector('english', …)`` of the
same columns) with GIN indexes, so there is nothing extra to keep in sync.

The user's query never reaches the FTS syntax: it is split into word terms, each quoted,
and the terms are ANDed (``plainto_tsquery`` on PostgreSQL). Matches in snippets are
wrapped in ``SNIPPET_MARKS``; the snippet is plain text, escape it before putting it in HTML.
"""
from __future__ import annotations

import re

from sqlalchemy import Connection, text

SNIPPET_MARKS = ("[", "]")
_TERM = re.compile(r"\w+", re.UNICODE)

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    "title, text, article_id UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS quotes_fts USING fts5("
    "text, speaker_name, article_id UNINDEXED, idx UNINDEXED, "
    "tokenize='porter unicode61 remove_diacritics 2')",
)

# Stored generated tsvector columns (PostgreSQL 12+) rather than expression indexes: the
# ranking reads the stored vector instead of re-parsing every matching text, and a
# sequential scan (the planner's choice on a small or unanalysed table) stays cheap.
PG_DDL = (
    "ALTER TABLE articles ADD COLUMN IF NOT EXISTS search_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', coalesce(title, '') || ' ' || text)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_articles_fts ON articles USING gin (search_tsv)",
    "ALTER TABLE quotes ADD COLUMN IF NOT EXISTS search_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', text || ' ' || coalesce(speaker_name, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS ix_quotes_fts ON quotes USING gin (search_tsv)",
)


def query_terms(query: str) -> list[str]:
    """The word terms of a user query (everything else is dropped)."""
    return _TERM.findall(query)


def fts5_query(query: str) -> str:
    """A safe FTS5 MATCH string: every term double-quoted, terms ANDed; '' if no terms."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in query_terms(query))


def create_search(conn: Connection, dialect: str) -> None:
    for ddl in SQLITE_DDL if dialect == "sqlite" else PG_DDL:
        conn.execute(text(ddl))


def index_article(conn: Connection, dialect: str, article_id: str, title: str | None,
                  body: str, quotes: list[tuple[int, str, str | None]]) -> None:
    """Index a newly stored article and its quotes ``(idx, text, speaker_name)`` (SQLite).

    Only new ok canonical articles reach here and those are never replaced, so there is
    no older entry to delete (a delete by the UNINDEXED id would scan the whole table).
    """
    if dialect != "sqlite":
        return
    conn.execute(text("INSERT INTO articles_fts (title, text, article_id) "
                      "VALUES (:title, :text, :id)"),
                 {"title": title or "", "text": body, "id": article_id})
    if quotes:
        conn.execute(text("INSERT INTO quotes_fts (text, speaker_name, article_id, idx) "
                          "VALUES (:text, :speaker, :id, :idx)"),
                     [{"text": q, "speaker": s or "", "id": article_id, "idx": i}
                      for i, q, s in quotes])


# Both searches rank every hit but build a snippet only for the requested page: snippets
# are the expensive part when a common word matches most of the store. In SQLite, the
# bare columns next to MIN(rank) come from the best-ranked row (documented behaviour).
_SQLITE_SEARCH = text("""
WITH hits AS (
  SELECT article_id, 'a' AS src, rowid AS rid, bm25(articles_fts) AS rank
  FROM articles_fts WHERE articles_fts MATCH :q
  UNION ALL
  SELECT article_id, 'q', rowid, bm25(quotes_fts)
  FROM quotes_fts WHERE quotes_fts MATCH :q
),
best AS (SELECT article_id, src, rid, MIN(rank) AS rank FROM hits GROUP BY article_id),
page AS (SELECT * FROM best ORDER BY rank, article_id LIMIT :limit OFFSET :offset)
SELECT p.article_id, CASE WHEN p.src = 'a' THEN
    (SELECT snippet(articles_fts, 1, :m0, :m1, '…', 16) FROM articles_fts
     WHERE articles_fts MATCH :q AND rowid = p.rid)
  ELSE
    (SELECT snippet(quotes_fts, 0, :m0, :m1, '…', 16) FROM quotes_fts
     WHERE quotes_fts MATCH :q AND rowid = p.rid)
  END AS snippet
FROM page p ORDER BY p.rank, p.article_id
""")

_PG_SEARCH = text("""
WITH q AS (SELECT plainto_tsquery('english', :q) AS tsq),
hits AS (
  SELECT id AS article_id, 'a' AS src, 0 AS idx, ts_rank(search_tsv, q.tsq) AS rank
  FROM articles, q
  WHERE outcome = 'ok' AND duplicate_of IS NULL AND search_tsv @@ q.tsq
  UNION ALL
  SELECT article_id, 'q', idx, ts_rank(search_tsv, q.tsq)
  FROM quotes, q
  WHERE search_tsv @@ q.tsq
),
best AS (
  SELECT DISTINCT ON (article_id) article_id, src, idx, rank FROM hits
  ORDER BY article_id, rank DESC, src
),
page AS (SELECT * FROM best ORDER BY rank DESC, article_id LIMIT :limit OFFSET :offset)
SELECT p.article_id,
       ts_headline('english', COALESCE(a.text, qu.text), q.tsq, :opts) AS snippet
FROM page p CROSS JOIN q
LEFT JOIN articles a ON p.src = 'a' AND a.id = p.article_id
LEFT JOIN quotes qu ON p.src = 'q' AND qu.article_id = p.article_id AND qu.idx = p.idx
ORDER BY p.rank DESC, p.article_id
""")


def search(conn: Connection, dialect: str, query: str, limit: int = 20,
           offset: int = 0) -> list[tuple[str, str]]:
    """Best-first ``(article_id, snippet)`` pairs, one per article, for a user query."""
    terms = query_terms(query)
    if not terms or limit <= 0:
        return []
    if dialect == "sqlite":
        rows = conn.execute(_SQLITE_SEARCH, {"q": fts5_query(query), "m0": SNIPPET_MARKS[0],
                                             "m1": SNIPPET_MARKS[1], "limit": limit,
                                             "offset": offset})
    else:
        opts = (f"StartSel={SNIPPET_MARKS[0]}, StopSel={SNIPPET_MARKS[1]}, "
                "MaxWords=30, MinWords=12, MaxFragments=1, FragmentDelimiter=…")
        rows = conn.execute(_PG_SEARCH, {"q": " ".join(terms), "opts": opts, "limit": limit,
                                         "offset": offset})
    return [(r[0], r[1]) for r in rows]
