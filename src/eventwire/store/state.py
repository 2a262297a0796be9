"""State kept in the store beside the records (schema v3): feeds, fetched items, the lines
each source's articles carried, and what each export consumer has had.

Keeping it in the store (not in a file beside it) means a restarted ``eventwire watch``
resumes where it stopped, chrome learned in one batch serves the next, and two machines
sharing a PostgreSQL store share the state too. Every write is an upsert or an insert that
ignores rows already there, so a repeated or concurrent write changes nothing twice.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .schema import export_consumers, export_marks, feed_items, feeds, source_lines
from .sqlstore import Store

_IN_CHUNK = 500  # keys per IN (…) list: far under SQLite's and PostgreSQL's limits


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _insert(store: Store, table):
    return (sqlite_insert if store.dialect == "sqlite" else pg_insert)(table)


def _chunks(items: list, size: int = _IN_CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def line_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# -- chrome learned per source -------------------------------------------------------------

class SourceLines:
    """``clean.LineMemory`` backed by the store's ``source_lines`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def remember_lines(self, rows: list[tuple[str, str, str]]) -> None:
        values = [{"source": s, "line_hash": line_hash(k), "article": a} for s, a, k in rows]
        if not values:
            return
        stmt = _insert(self.store, source_lines).on_conflict_do_nothing(
            index_elements=["source", "line_hash", "article"])
        with self.store.engine.connect() as conn:
            conn = conn.execution_options(eventwire_write=True)
            with conn.begin():
                for chunk in _chunks(values):
                    conn.execute(stmt, chunk)

    def line_counts(self, source: str, keys: set[str]) -> dict[str, int]:
        by_hash = {line_hash(k): k for k in keys}
        out: dict[str, int] = {}
        with self.store.engine.connect() as conn:
            for chunk in _chunks(sorted(by_hash)):
                q = (select(source_lines.c.line_hash, func.count())
                     .where(source_lines.c.source == source,
                            source_lines.c.line_hash.in_(chunk))
                     .group_by(source_lines.c.line_hash))
                out.update({by_hash[h]: int(n) for h, n in conn.execute(q)})
        return out


# -- feeds and their items ----------------------------------------------------------------

@dataclass(frozen=True)
class FeedState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    n_polls: int = 0


def feed_state(store: Store, url: str) -> FeedState:
    with store.engine.connect() as conn:
        row = conn.execute(select(feeds.c.etag, feeds.c.last_modified, feeds.c.n_polls)
                           .where(feeds.c.url == url)).first()
    return FeedState(url, row.etag, row.last_modified, row.n_polls) if row else FeedState(url)


def save_feed(store: Store, url: str, *, kind: str | None, status: str, error: str | None,
              etag: str | None = None, last_modified: str | None = None,
              keep_validators: bool = False) -> None:
    """Record one poll of a feed; ``keep_validators`` keeps the stored ETag/Last-Modified
    (a 304 or a failed poll says nothing new about them)."""
    values: dict[str, Any] = {"kind": kind, "last_polled_at": now(), "last_status": status,
                              "last_error": error}
    if not keep_validators:
        values.update(etag=etag, last_modified=last_modified)
    stmt = _insert(store, feeds).values(url=url, n_polls=1, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["url"],
        set_={**{k: getattr(stmt.excluded, k) for k in values},
              "n_polls": feeds.c.n_polls + 1})
    _write(store, stmt)


def known_items(store: Store, urls: list[str]) -> dict[str, str]:
    """``{url: status}`` of the items already handled (stored, duplicate or failed)."""
    out: dict[str, str] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(sorted(set(urls))):
            q = select(feed_items.c.url, feed_items.c.status).where(feed_items.c.url.in_(chunk))
            out.update({u: s for u, s in conn.execute(q)})
    return out


def item_with_hash(store: Store, content_hash: str) -> str | None:
    """The URL of an item already fetched with this content, if any."""
    with store.engine.connect() as conn:
        return conn.execute(select(feed_items.c.url)
                            .where(feed_items.c.content_hash == content_hash,
                                   feed_items.c.status != "failed").limit(1)).scalar()


def failed_attempts(store: Store, url: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(feed_items.c.attempts)
                                .where(feed_items.c.url == url)).scalar() or 0)


def save_item(store: Store, url: str, feed_url: str, *, status: str,
              content_hash: str | None = None, article_id: str | None = None,
              reason: str | None = None) -> None:
    """Record what became of one item (``stored``, ``duplicate`` or ``failed``)."""
    t = now()
    stmt = _insert(store, feed_items).values(
        url=url, feed_url=feed_url, content_hash=content_hash, article_id=article_id,
        status=status, reason=reason, attempts=1, first_seen_at=t, last_tried_at=t)
    stmt = stmt.on_conflict_do_update(
        index_elements=["url"],
        set_={"content_hash": stmt.excluded.content_hash, "article_id": stmt.excluded.article_id,
              "status": stmt.excluded.status, "reason": stmt.excluded.reason,
              "attempts": feed_items.c.attempts + 1, "last_tried_at": stmt.excluded.last_tried_at})
    _write(store, stmt)


def _write(store: Store, stmt) -> None:
    with store.engine.connect() as conn:
        conn = conn.execution_options(eventwire_write=True)
        with conn.begin():
            conn.execute(stmt)


# -- export consumers ----------------------------------------------------------------------

def unexported_condition(consumer: str):
    """WHERE clause on ``articles``: rows this consumer has not had in this version (a row
    replaced since, e.g. rejected then stored ok, has a new ``ingested_at``)."""
    from .schema import articles

    return ~select(export_marks.c.article_id).where(
        export_marks.c.consumer == consumer,
        export_marks.c.article_id == articles.c.id,
        export_marks.c.ingested_at == articles.c.ingested_at).exists()


def mark_exported(store: Store, consumer: str, rows: list[tuple[str, str]]) -> None:
    """After a successful write: the consumer has had these ``(article id, ingested_at)``."""
    stmt = _insert(store, export_marks)
    stmt = stmt.on_conflict_do_update(index_elements=["consumer", "article_id"],
                                      set_={"ingested_at": stmt.excluded.ingested_at})
    t = now()
    head = _insert(store, export_consumers).values(
        name=consumer, last_export_at=t, last_articles=len(rows), total_articles=len(rows))
    head = head.on_conflict_do_update(
        index_elements=["name"],
        set_={"last_export_at": t, "last_articles": len(rows),
              "total_articles": export_consumers.c.total_articles + len(rows)})
    with store.engine.connect() as conn:
        conn = conn.execution_options(eventwire_write=True)
        with conn.begin():
            for chunk in _chunks([{"consumer": consumer, "article_id": a, "ingested_at": i}
                                  for a, i in rows]):
                conn.execute(stmt, chunk)
            conn.execute(head)


def consumers(store: Store) -> list[dict[str, Any]]:
    """The named export consumers and when each last exported."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(export_consumers).order_by(export_consumers.c.name))
        return [dict(r._mapping) for r in rows]


__all__ = ["SourceLines", "FeedState", "feed_state", "save_feed", "known_items",
           "item_with_hash", "failed_attempts", "save_item", "unexported_condition",
           "mark_exported", "consumers"]
