"""The store: SQLite (default, one file) or PostgreSQL behind one SQLAlchemy Core class.

``Store.write`` is the single writer. It buffers the incoming stream and commits every
``batch_articles`` articles or ``batch_seconds`` seconds (50 / 2 s: a few hundred
milliseconds of lock per commit at pipeline speed, and at most two seconds of work lost on
a hard kill). Each article runs in its own SAVEPOINT, so it is stored whole or not at all:

* a problem with one article's rows (an integrity or data error, a malformed record) rolls
  back that article only, stores it as a ``failed`` outcome whose reason starts with
  ``store error:``, and the batch goes on (re-ingesting it after a fix replaces the row);
* a problem with the database itself (locked past the busy timeout, disk full, connection
  lost) raises ``StoreError``; every batch committed before it stays.

An interrupted producer (``KeyboardInterrupt`` …) gets the articles it already produced
committed before the exception goes on; a killed process loses only its open batch.
Idempotence comes from the content-hash primary key: inserts are ``ON CONFLICT (id) DO
NOTHING``, so several processes may ingest the same files into one PostgreSQL store and
each article is stored once. A batch is written in ascending id order, so concurrent
writers lock rows in the same order and do not deadlock.

Near-copies are decided before the store, by the pipeline's link step
(``pipeline.link_near_duplicates`` against :meth:`Store.near_duplicate_index`; the policy is
in ``dedup.link_one``). ``write`` takes its ``LinkedRecord`` items and stores a near-copy
with ``duplicate_of``/``similarity`` and its record without facts; a bare ``ArticleRecord``
is stored as it comes (with its ``duplicate_of``, if any), so a writer that skips the step
links nothing. The index holds the stored canonical articles (about 1 KiB of memory each),
is built from ``articles.minhash`` on first use and follows what ``write`` stores (an
article whose rows fail leaves it; a copy linked to it in the same batch keeps its link,
and re-ingesting after the fix stores the canonical article). A rejected/failed row is
replaced when the same id arrives ``ok``; an ``ok`` row is never replaced.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import random
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import (Connection, Engine, and_, create_engine, delete, event, exists, func,
                        select, text)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import StaticPool

from .. import dedup
from ..dedup import LinkedRecord
from ..records import ArticleRecord, Outcome
from ..settings import Settings
from . import fts
from . import reads
from .migrations import SchemaError, migrate
from .reads import Filters
from .rows import FACT_TABLES, article_row, fact_rows
from .schema import SCHEMA_VERSION, actors, articles, dates, events, quotes

log = logging.getLogger(__name__)

_FACT = {"actors": actors, "quotes": quotes, "events": events, "dates": dates}
# PostgreSQL SQLSTATEs worth retrying a batch for: deadlock, serialization failure.
_RETRY_SQLSTATES = {"40P01", "40001"}
_SQLITE_BUSY_MS = 30000
_SCHEMA_LOCK = 0x65770001  # pg_advisory_xact_lock key: one process creates the schema


class StoreError(Exception):
    """The store cannot be opened or written; the message says what to do."""


@dataclass
class WriteResult:
    """What ``Store.write`` did with each article it consumed."""

    stored: int = 0            # new ok articles with their facts
    unchanged: int = 0         # already stored (same content hash), nothing changed
    near_duplicates: int = 0   # new ok articles linked to a stored near-copy, no facts
    rejected: int = 0          # rejected outcomes written (new or with a new reason)
    failed: int = 0            # failed outcomes written, including store errors below
    store_errors: list[str] = field(default_factory=list)  # ids whose rows could not be written

    @property
    def total(self) -> int:
        return self.stored + self.unchanged + self.near_duplicates + self.rejected + self.failed

    def count(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)

    def merge(self, other: "WriteResult") -> None:
        for name in ("stored", "unchanged", "near_duplicates", "rejected", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.store_errors.extend(other.store_errors)

    def describe(self) -> str:
        s = (f"{self.stored} stored, {self.unchanged} unchanged, "
             f"{self.near_duplicates} near-duplicates linked, {self.rejected} rejected, "
             f"{self.failed} failed")
        if self.store_errors:
            shown = ", ".join(self.store_errors[:5])
            s += f" ({len(self.store_errors)} could not be stored: {shown})"
        return s


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _iso(value: dt.date | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    # Driver autocommit: transactions are begun by _sqlite_on_begin, so SAVEPOINTs work
    # and writers can take the lock up front (SQLAlchemy's documented pysqlite recipe).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 30000")  # _SQLITE_BUSY_MS
    _switch_to_wal(cur)
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _switch_to_wal(cur) -> None:
    # Two processes opening a new file at once both convert it from the rollback journal to
    # WAL. Each holds a shared lock and wants an exclusive one, so SQLite reports the
    # deadlock as "database is locked" at once instead of calling the busy handler; one
    # of them converts the file and the other, retrying, finds it already in WAL.
    deadline = time.monotonic() + _SQLITE_BUSY_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.01, 0.1))


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer takes the write lock at BEGIN: two deferred writers upgrading at once would
    # fail with SQLITE_BUSY at once instead of waiting for the busy timeout.
    write = conn.get_execution_options().get("eventwire_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _resolve_url(url: str) -> tuple[str, str, Path | None]:
    """(SQLAlchemy URL, dialect, SQLite file or None) for a user's store URL or path."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):], "postgresql", None
    if url in ("sqlite://", "sqlite:///:memory:", ":memory:"):
        return "sqlite://", "sqlite", None
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
    elif "://" in url:
        raise StoreError(f"unsupported store URL {url!r}: use sqlite:///FILE, a file path "
                         "or postgresql://USER@HOST:PORT/DB")
    else:
        path = Path(url)
    path = path.expanduser()
    return f"sqlite:///{path}", "sqlite", path


def open_store(url: str | None = None, settings: Settings | None = None,
               create: bool = True) -> "Store":
    """Open (and with ``create``, create or migrate) the store at ``url``.

    ``url``: ``sqlite:///FILE``, a plain file path (SQLite), ``postgresql://…``; None uses
    ``settings.db``. Raises ``StoreError`` with a hint when it cannot.
    """
    settings = settings or Settings.load()
    url = url or settings.db
    sa_url, dialect, path = _resolve_url(url)
    if dialect == "sqlite":
        shown = f"sqlite:///{path}" if path else "sqlite:// (in memory)"
        if path is not None and not path.exists():
            if not create:
                raise StoreError(f"no store at {path}; run `eventwire ingest` first")
            if not path.parent.is_dir():
                raise StoreError(f"cannot open {shown}: folder {path.parent} does not exist "
                                 "— create it or choose another --db")
        kwargs: dict[str, Any] = {}
        if path is None:
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        engine = create_engine(sa_url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        hint = "is the folder writable?"
    else:
        try:
            shown = make_url(sa_url).render_as_string(hide_password=True).replace(
                "postgresql+psycopg://", "postgresql://")
            engine = create_engine(sa_url, pool_pre_ping=True)
        except (ArgumentError, ImportError, ValueError) as e:
            raise StoreError(f"cannot use the PostgreSQL store URL: {e} — it needs "
                             "`pip install 'eventwire[postgres]'` and a URL like "
                             "postgresql://USER@HOST:PORT/DB") from e
        hint = "is the server running?"
    store = Store(engine, dialect, settings, shown)
    try:
        store._prepare(create)
    except SchemaError as e:
        engine.dispose()
        raise StoreError(f"cannot open {shown}: {e}") from e
    except StoreError:
        engine.dispose()
        raise
    except DBAPIError as e:
        engine.dispose()
        verb = "connect to" if dialect == "postgresql" else "open"
        raise StoreError(f"cannot {verb} {shown}: {_reason(e)} — {hint}") from e
    return store


def _as_linked(item: LinkedRecord | ArticleRecord) -> LinkedRecord:
    """A bare record as the store keeps it: as given (no link decided), with its signature."""
    if isinstance(item, LinkedRecord):
        return item
    mh = dedup.signature(item.text) if item.ok else None
    return LinkedRecord(item, dedup.to_bytes(mh) if mh is not None else None, None)


def _reason(e: DBAPIError) -> str:
    return str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e)


class Store:
    """One store (SQLite or PostgreSQL): the single writer plus the read queries."""

    batch_articles = 50
    batch_seconds = 2.0

    def __init__(self, engine: Engine, dialect: str, settings: Settings, url: str) -> None:
        self.engine = engine
        self.dialect = dialect
        self.settings = settings
        self.url = url  # for messages: password hidden
        self._index: dedup.NearDuplicateIndex | None = None
        # One writer at a time per Store (the web writes from request threads); the link
        # step's index is only touched while it is held.
        self._lock = threading.RLock()

    # -- opening -------------------------------------------------------------------------

    def _prepare(self, create: bool) -> None:
        from .migrations import current_version

        # A read first: an up-to-date store (the usual case) opens without a write lock,
        # so exports and the web UI work on a read-only file and beside a running ingest.
        with self.engine.connect() as conn:
            found = current_version(conn)
        if found is None and not create:
            raise StoreError(f"no store at {self.url}; run `eventwire ingest` first")
        if found == SCHEMA_VERSION:
            return
        with self.engine.connect() as conn:
            conn = conn.execution_options(eventwire_write=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
                if migrate(conn) == 0:
                    fts.create_search(conn, self.dialect)

    def close(self) -> None:
        self.engine.dispose()
        self._index = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def near_duplicate_index(self) -> dedup.NearDuplicateIndex:
        """The LSH index of the stored canonical articles, for the link step
        (``pipeline.link_near_duplicates``); built from ``articles.minhash`` on the first
        call, then kept up to date by :meth:`write`. Positions follow ``ingested_at``."""
        with self._lock:
            if self._index is None:
                index = dedup.NearDuplicateIndex(self.settings.near_dup_threshold)
                q = (select(articles.c.id, articles.c.minhash)
                     .where(articles.c.outcome == "ok", articles.c.duplicate_of.is_(None),
                            articles.c.minhash.is_not(None))
                     .order_by(articles.c.ingested_at, articles.c.id))
                with self.engine.connect() as conn:
                    for row in conn.execution_options(yield_per=2000).execute(q):
                        index.add(row.id, dedup.from_bytes(bytes(row.minhash)))
                log.info("near-duplicate index: %d articles", len(index))
                self._index = index
            return self._index

    def write(self, items: Iterable[LinkedRecord | ArticleRecord]) -> WriteResult:
        """Store a stream of linked records in batched transactions (see the module
        docstring); a bare ``ArticleRecord`` is written as it is, linked or not."""
        result = WriteResult()
        pending: list[LinkedRecord] = []
        last_flush = time.monotonic()
        it = iter(items)
        with self._lock:
            while True:
                try:
                    item = next(it)
                except StopIteration:
                    break
                except BaseException:
                    if pending:  # keep what the producer finished before it was interrupted
                        self._flush(pending, result)
                    raise
                pending.append(_as_linked(item))
                if (len(pending) >= self.batch_articles
                        or time.monotonic() - last_flush >= self.batch_seconds):
                    self._flush(pending, result)
                    pending = []
                    last_flush = time.monotonic()
            if pending:
                self._flush(pending, result)
        return result

    def _flush(self, batch: list[LinkedRecord], result: WriteResult) -> None:
        # Rows are written in ascending id order, so concurrent writers lock rows in one
        # global order and cannot deadlock (the link step already ran in input order).
        batch = sorted(batch, key=lambda item: item.record.id)
        attempts = 3
        for attempt in range(1, attempts + 1):
            delta, added, dropped = WriteResult(), {}, []
            try:
                with self.engine.connect() as conn:
                    conn = conn.execution_options(eventwire_write=True)
                    with conn.begin():
                        for item in batch:
                            self._write_article(conn, item, delta, added, dropped)
                break
            except DBAPIError as e:
                code = getattr(e.orig, "sqlstate", None)
                if code in _RETRY_SQLSTATES and attempt < attempts:
                    log.warning("batch of %d articles hit %s; retrying", len(batch), code)
                    time.sleep(random.uniform(0.05, 0.25) * attempt)
                    continue
                self._index = None  # it may hold articles of this batch, never committed
                raise StoreError(
                    f"cannot write to {self.url}: {_reason(e)} — earlier batches were "
                    f"committed; fix the cause and run the ingest again (it is idempotent)"
                ) from e
        result.merge(delta)
        if self._index is not None:
            # Canonical articles written bare (not through the link step) join the index;
            # one that could not be stored leaves it, so nothing later links to it.
            self._index.add_many((key, dedup.from_bytes(sig)) for key, sig in added.items())
            for key in dropped:
                self._index.remove(key)

    def _write_article(self, conn: Connection, item: LinkedRecord, delta: WriteResult,
                       added: dict[str, bytes], dropped: list[str]) -> None:
        rec = item.record
        try:
            with conn.begin_nested():
                delta.count(self._store_one(conn, item, added))
            return
        except OperationalError:
            raise
        except Exception as e:  # noqa: BLE001 — one article's bad rows must not sink the batch
            added.pop(rec.id, None)
            dropped.append(rec.id)
            log.warning("article %s (%s) could not be stored: %s", rec.id, rec.source, e)
            msg = str(getattr(e, "orig", None) or e).strip().splitlines()
            reason = f"store error: {type(e).__name__}: {msg[0] if msg else ''}"
        failed = rec.with_(outcome=Outcome("failed", reason), actors=(), quotes=(),
                           events=(), dates=(), duplicate_of=None)
        try:
            with conn.begin_nested():
                kind = self._store_one(conn, LinkedRecord(failed, None, None), added)
        except OperationalError:
            raise
        except Exception as e:  # noqa: BLE001 — report it as the store's problem
            raise StoreError(f"cannot store article {rec.id} ({rec.source}), not even as "
                             f"failed: {e} — earlier batches were committed") from e
        if kind == "failed":
            delta.failed += 1
            delta.store_errors.append(rec.id)
        else:
            delta.count(kind)

    def _store_one(self, conn: Connection, item: LinkedRecord, added: dict[str, bytes]) -> str:
        """Write one article; returns the WriteResult field it counts under."""
        rec = item.record
        old = conn.execute(select(articles.c.outcome, articles.c.reason)
                           .where(articles.c.id == rec.id)).first()
        if old is not None:
            if old.outcome == "ok":
                return "unchanged"
            if not rec.ok and (old.outcome, old.reason) == (rec.outcome.status,
                                                            rec.outcome.reason):
                return "unchanged"
            self._delete_outcome(conn, rec.id)
        row = article_row(rec, ingested_at=_now(), minhash=item.signature,
                          similarity=item.similarity)
        if not self._insert_article(conn, row):
            return "unchanged"  # another writer stored this id a moment ago
        if not rec.ok:
            return rec.outcome.status
        if rec.duplicate_of is not None:
            return "near_duplicates"
        rows = fact_rows(rec)
        for name in FACT_TABLES:
            if rows[name]:
                conn.execute(_FACT[name].insert(), rows[name])
        fts.index_article(conn, self.dialect, rec.id, rec.title, rec.text,
                          [(r["idx"], r["text"], r["speaker_name"]) for r in rows["quotes"]])
        if item.signature is not None:
            added[rec.id] = item.signature
        return "stored"

    def _insert_article(self, conn: Connection, row: dict[str, Any]) -> bool:
        ins = (sqlite_insert if self.dialect == "sqlite" else pg_insert)(articles)
        # RETURNING rather than rowcount: psycopg reports -1 for some statements.
        stmt = ins.values(**row).on_conflict_do_nothing(index_elements=["id"])
        return conn.execute(stmt.returning(articles.c.id)).first() is not None

    def _delete_outcome(self, conn: Connection, article_id: str) -> None:
        """Drop a rejected/failed row so the new outcome can take its place.

        Such rows have no fact rows or search entries (only ok canonical articles do); the
        foreign keys cascade anyway. ``outcome != 'ok'`` keeps a concurrent writer's fresh
        ok row safe.
        """
        conn.execute(delete(articles).where(and_(articles.c.id == article_id,
                                                 articles.c.outcome != "ok")))

    # -- reading -------------------------------------------------------------------------

    def get(self, article_id: str) -> ArticleRecord | None:
        """The stored record (a near-copy comes back with ``duplicate_of`` and no facts)."""
        with self.engine.connect() as conn:
            raw = conn.execute(select(articles.c.record_json)
                               .where(articles.c.id == article_id)).scalar()
        return ArticleRecord.from_dict(json.loads(raw)) if raw is not None else None

    def records(self, filters: Filters | None = None, *, limit: int | None = None,
                offset: int = 0) -> Iterator[ArticleRecord]:
        """Stream stored records matching ``filters`` (``reads.records``)."""
        return reads.records(self, filters, limit=limit, offset=offset)

    def search(self, query: str, limit: int = 20, offset: int = 0) -> list[tuple[str, str]]:
        """Full-text search over article texts and quotes: ``(article_id, snippet)``."""
        with self.engine.connect() as conn:
            return fts.search(conn, self.dialect, query, limit, offset)

    def stats(self, filters: Filters | None = None) -> dict[str, Any]:
        """Counts for ``eventwire stats`` (``reads.stats``)."""
        return reads.stats(self, filters)

    def integrity_check(self) -> list[str]:
        """Problems found in the store; an empty list means it is consistent."""
        problems: list[str] = []
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                for (msg,) in conn.exec_driver_sql("PRAGMA integrity_check"):
                    if msg != "ok":
                        problems.append(f"integrity_check: {msg}")
                for row in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                    problems.append(f"foreign key: {row[0]} rowid {row[1]} → {row[2]}")
                indexed = conn.exec_driver_sql("SELECT count(*) FROM articles_fts").scalar()
                canonical = conn.execute(
                    select(func.count()).select_from(articles)
                    .where(articles.c.outcome == "ok", articles.c.duplicate_of.is_(None))).scalar()
                if indexed != canonical:
                    problems.append(f"articles_fts has {indexed} rows for {canonical} "
                                    "indexed articles")
            for name, table in _FACT.items():
                orphans = conn.execute(
                    select(func.count()).select_from(table).where(~exists().where(
                        articles.c.id == table.c.article_id, articles.c.outcome == "ok",
                        articles.c.duplicate_of.is_(None)))).scalar()
                if orphans:
                    problems.append(f"{orphans} {name} rows without an ok canonical article")
            canon = articles.alias("canon")
            dangling = conn.execute(
                select(func.count()).select_from(articles).where(
                    articles.c.duplicate_of.is_not(None),
                    ~exists().where(canon.c.id == articles.c.duplicate_of))).scalar()
            if dangling:
                problems.append(f"{dangling} near-duplicates point to a missing article")
            for name, table in (("actors", actors), ("quotes", quotes), ("events", events)):
                col = getattr(articles.c, f"n_{name}")
                counted = select(func.count()).select_from(table).where(
                    table.c.article_id == articles.c.id).scalar_subquery()
                bad = conn.execute(select(func.count()).select_from(articles)
                                   .where(col != counted)).scalar()
                if bad:
                    problems.append(f"{bad} articles whose n_{name} disagrees with their rows")
        return problems
