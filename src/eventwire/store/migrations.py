"""Schema versions: create a new store, refuse a newer one, upgrade an older one in order.

``MIGRATIONS[v]`` upgrades a store from version ``v`` to ``v + 1`` inside the opening
transaction and is run in ascending order; ``schema_version`` gets one row per version
applied.

* v1: the first released schema.
* v2: ``quotes.parts_json``, the quoted pieces of a quote; v1 rows get their content span.
* v3: state tables — ``feeds`` and ``feed_items`` (``eventwire watch``), ``source_lines``
  (chrome learned per source), ``export_marks`` and ``export_consumers``
  (``eventwire export --since-last``); existing rows are untouched.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, Mapping

from sqlalchemy import Connection, Text, cast, func, inspect, literal, select, text, update

from .schema import STATE_TABLES, SCHEMA_VERSION, actors, metadata, quotes, schema_version

log = logging.getLogger(__name__)

Migration = Callable[[Connection], None]


def _v1_to_v2(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE quotes ADD COLUMN parts_json TEXT NOT NULL DEFAULT '[]'"))
    conn.execute(update(quotes).values(parts_json=literal("[[") + cast(quotes.c.start, Text)
                                       + literal(",") + cast(quotes.c.end, Text)
                                       + literal("]]")))


def _v2_to_v3(conn: Connection) -> None:
    metadata.create_all(conn, tables=list(STATE_TABLES), checkfirst=True)


def _v3_to_v4(conn: Connection) -> None:
    """Actors gain their CAMEO-style code and affiliation. Stored actors take the code
    their country and sectors spell (an affiliation was never recorded: it stays null)."""
    have = {c["name"] for c in inspect(conn).get_columns("actors")}
    if "cameo" not in have:
        conn.execute(text("ALTER TABLE actors ADD COLUMN cameo VARCHAR(32)"))
    if "affiliation" not in have:
        conn.execute(text("ALTER TABLE actors ADD COLUMN affiliation TEXT"))
    rows = conn.execute(select(actors.c.article_id, actors.c.actor_id, actors.c.country,
                               actors.c.sectors)).all()
    for article_id, actor_id, country, sectors in rows:
        parts = ([country] if country else []) + [s for s in (sectors or "").split()
                                                  if s != country]
        if parts:
            conn.execute(update(actors).where(actors.c.article_id == article_id,
                                              actors.c.actor_id == actor_id)
                         .values(cameo="".join(parts)))


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


class SchemaError(Exception):
    """The store's schema cannot be used by this version of the code."""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def current_version(conn: Connection) -> int | None:
    """The store's schema version, or None for an empty database."""
    if not inspect(conn).has_table(schema_version.name):
        return None
    return conn.execute(select(func.max(schema_version.c.version))).scalar()


def migrate(conn: Connection, target: int = SCHEMA_VERSION,
            migrations: Mapping[int, Migration] | None = None) -> int:
    """Bring the store to ``target``; returns the version it had before (0 when new).

    Raises ``SchemaError`` if the store is newer than ``target`` or a step is missing.
    """
    migrations = MIGRATIONS if migrations is None else migrations
    found = current_version(conn)
    if found is None:
        metadata.create_all(conn, checkfirst=True)
        conn.execute(schema_version.insert().values(version=target, applied_at=_now()))
        log.info("created store schema v%d", target)
        return 0
    if found > target:
        raise SchemaError(
            f"the store has schema version {found} but this eventwire knows only up to "
            f"{target}; upgrade eventwire (pip install -U eventwire) to open it")
    for version in range(found, target):
        step = migrations.get(version)
        if step is None:
            raise SchemaError(f"no migration from schema version {version} to {version + 1}")
        log.info("migrating store schema v%d → v%d", version, version + 1)
        step(conn)
        conn.execute(schema_version.insert().values(version=version + 1, applied_at=_now()))
    return found
