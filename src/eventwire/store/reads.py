"""One read path: the filters every reader shares and the rows each table yields under them.

``eventwire export``, ``eventwire stats`` and the web (article list, event table and its
downloads, actor and dyad pages) read the store through this module, so a filter means
the same thing everywhere. :class:`Filters` holds them:

* ``since`` / ``until``: the article's **publication date** (``articles.published``),
  inclusive. An article without a date is left out when either is given.
* ``event_since`` / ``event_until``: the **event's own date** (``events.date_value``),
  inclusive. An event is kept when its whole date, at its granularity, lies in the window:
  ``2021-02`` is kept by 2021-02-01…2021-02-28 but not by 2021-02-10…2021-03-31, and a
  week (``2021-W05``) runs Monday to Sunday (ISO 8601). A coarse date is not stretched
  to cover a window it only overlaps; an event without a date is left out.
* ``country`` (ISO 3166-1 alpha-3, or ``IGO``) and ``actor`` (an actor's canonical name,
  case-insensitive — ASCII letters only on SQLite) name a side: events whose source or
  target has it, actors with it, quotes whose speaker is such an actor.
* ``source_country`` / ``target_country`` / ``plover`` / ``quad_class``: events with that
  source country, target country, PLOVER type or quad class.
* ``outcome``: the article's outcome (``ok`` / ``rejected`` / ``failed``).
* ``include_flagged``: an event whose modality is negated or hypothetical ("flagged": the
  text says it did not or might happen) is left out of every event row and count unless
  this is set. Flagged events stay in the store and in the article record (JSON Lines
  export, article pages); event rows carry a ``flagged`` column either way.

How a filter reaches a table: publication date and outcome filter every row through its
article. Event filters filter event rows; for another table they keep the rows of
articles that have at least one event matching all of them (``plover=ACCUSE`` on
``quotes``: the quotes of articles with a non-flagged ACCUSE event). ``country`` and
``actor`` filter actor and quote rows by the actor itself; for dates and articles they
are event filters too.

Dates in the store are ISO strings, so the window compares strings of one shape at a
time (day, week, month, year) with bounds computed here; values are bound parameters.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, fields, replace
from typing import Any, Callable, Iterator, Mapping, Sequence

from sqlalchemy import (Boolean, ColumnElement, Select, and_, exists, func, or_, select,
                        type_coerce)

from ..records import ArticleRecord
from .schema import actors, articles, dates, events, quotes

TABLES = ("events", "quotes", "actors", "dates", "articles")
OUTCOMES = ("ok", "rejected", "failed")
ID_CHUNK = 500  # article ids per IN (…) list of an increment export
CHUNK_ROWS = 2000

_FACT = {"events": events, "quotes": quotes, "actors": actors, "dates": dates}
# Store-internal columns that are not part of the article table's rows.
_ARTICLE_SKIP = {"id", "record_json", "minhash"}
_COUNTRY = re.compile(r"^[A-Za-z]{3}$")
_PLOVER = re.compile(r"^[A-Za-z_]{1,16}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class Filters:
    """What a reader asks for; every field optional (see the module docstring)."""

    since: dt.date | None = None          # article published on or after
    until: dt.date | None = None          # article published on or before
    event_since: dt.date | None = None    # event date wholly on or after
    event_until: dt.date | None = None    # event date wholly on or before
    country: str | None = None            # ISO-3 of a side (event source/target, actor, speaker)
    source_country: str | None = None
    target_country: str | None = None
    plover: str | None = None
    quad_class: int | None = None
    actor: str | None = None              # canonical actor name, case-insensitive
    outcome: str | None = None
    kind: str | None = None               # quotes of this kind; other tables: articles with one
    include_flagged: bool = False         # keep negated / hypothetical events

    @classmethod
    def parse(cls, values: Mapping[str, Any] | None = None,
              name: Callable[[str], str] = str, **more: Any) -> "Filters":
        """Filters from loose values (strings from a URL or the command line, dates, None).

        Blank strings mean no filter; codes are upper-cased. Raises ``ValueError`` naming
        the filter as ``name(field)`` (the CLI passes ``--event-since`` style names).
        """
        raw = {**(values or {}), **more}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"unknown filters: {', '.join(map(name, unknown))}")
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                continue
            out[key] = _PARSE[key](name(key), value)
        return cls(**out)


def _date(label: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{label} must be a date YYYY-MM-DD, got {value!r}") from None


def _country(label: str, value: Any) -> str:
    if not _COUNTRY.match(str(value)):
        raise ValueError(f"{label} must be an ISO 3166-1 alpha-3 code such as TUR or IGO, "
                         f"got {value!r}")
    return str(value).upper()


def _plover(label: str, value: Any) -> str:
    if not _PLOVER.match(str(value)):
        raise ValueError(f"{label} must be a PLOVER event type such as ACCUSE, got {value!r}")
    return str(value).upper()


def _quad(label: str, value: Any) -> int:
    if str(value) not in ("1", "2", "3", "4"):
        raise ValueError(f"{label} must be 1, 2, 3 or 4, got {value!r}")
    return int(value)


def _outcome(label: str, value: Any) -> str:
    if value not in OUTCOMES:
        raise ValueError(f"{label} must be one of {', '.join(OUTCOMES)}, got {value!r}")
    return str(value)


def _actor(label: str, value: Any) -> str:
    value = " ".join(str(value).split())
    if len(value) > 300:
        raise ValueError(f"{label} must be an actor name of at most 300 characters")
    return value


def _kind(label: str, value: Any) -> str:
    from ..records import QUOTE_KINDS

    k = str(value).strip().lower()
    if k not in QUOTE_KINDS:
        raise ValueError(f"{label} must be one of {', '.join(QUOTE_KINDS)}, got {value!r}")
    return k


def _flag(label: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"{label} must be true or false, got {value!r}")


_PARSE: dict[str, Callable[[str, Any], Any]] = {
    "since": _date, "until": _date, "event_since": _date, "event_until": _date,
    "country": _country, "source_country": _country, "target_country": _country,
    "plover": _plover, "quad_class": _quad, "actor": _actor, "outcome": _outcome,
    "kind": _kind, "include_flagged": _flag,
}


# ---------------------------------------------------------------- conditions

# The modality columns that make an event "flagged".
FLAGGED_BY = ("negated", "hypothetical")


def flagged() -> ColumnElement:
    """An event row's ``flagged`` value, in SQL: negated or hypothetical."""
    return type_coerce(or_(*(events.c[name] for name in FLAGGED_BY)), Boolean)


def row_is_flagged(row: Mapping[str, Any]) -> bool:
    """An event row's ``flagged`` value, for rows built outside the database (Spark)."""
    return any(bool(row[name]) for name in FLAGGED_BY)


def article_conditions(f: Filters) -> list:
    """Outcome and publication-date clauses on ``articles``."""
    conds: list = []
    if f.outcome:
        conds.append(articles.c.outcome == f.outcome)
    if f.since:
        conds.append(articles.c.published >= f.since.isoformat())
    if f.until:
        conds.append(articles.c.published <= f.until.isoformat())
    return conds


def _same_name(column, name: str) -> ColumnElement:
    return func.lower(column) == func.lower(name)


def event_conditions(f: Filters, sides: bool = True) -> list:
    """Clauses on ``events`` rows: the event filters, the flagged rule, and with
    ``sides`` the ``country`` and ``actor`` of either side."""
    conds = _event_filters(f, sides)
    if not f.include_flagged:
        conds.append(~or_(*(events.c[name] for name in FLAGGED_BY)))
    return conds


def _event_filters(f: Filters, sides: bool) -> list:
    conds: list = []
    if f.plover:
        conds.append(events.c.plover == f.plover)
    if f.quad_class is not None:
        conds.append(events.c.quad_class == f.quad_class)
    if f.source_country:
        conds.append(events.c.source_country == f.source_country)
    if f.target_country:
        conds.append(events.c.target_country == f.target_country)
    if f.event_since or f.event_until:
        conds.append(event_date_within(f.event_since, f.event_until))
    if sides and f.country:
        conds.append(or_(events.c.source_country == f.country,
                         events.c.target_country == f.country))
    if sides and f.actor:
        conds.append(or_(_same_name(events.c.source_name, f.actor),
                         _same_name(events.c.target_name, f.actor)))
    return conds


def _with_event(f: Filters, article_id, sides: bool) -> list:
    """``[EXISTS matching event in the row's article]`` when some event filter is set."""
    if not _event_filters(f, sides):
        return []
    return [exists().where(events.c.article_id == article_id, *event_conditions(f, sides))]


def _kind_conditions(table: str, f: Filters) -> list:
    """Quotes of ``f.kind``; for any other table, articles holding such a quote."""
    if not f.kind:
        return []
    if table == "quotes":
        return [quotes.c.kind == f.kind]
    return [exists().where(quotes.c.article_id == articles.c.id, quotes.c.kind == f.kind)]


def conditions(table: str, f: Filters) -> list:
    """WHERE clauses for the rows of ``table`` (joined with ``articles``) under ``f``."""
    conds = article_conditions(f) + _kind_conditions(table, f)
    if table == "events":
        return conds + event_conditions(f)
    if table == "actors":
        if f.country:
            conds.append(actors.c.country == f.country)
        if f.actor:
            conds.append(_same_name(actors.c.name, f.actor))
        return conds + _with_event(f, actors.c.article_id, sides=False)
    if table == "quotes":
        speaker = actors.alias("speaker")
        if f.country:
            conds.append(exists().where(speaker.c.article_id == quotes.c.article_id,
                                        speaker.c.actor_id == quotes.c.speaker_actor,
                                        speaker.c.country == f.country))
        if f.actor:
            conds.append(or_(_same_name(quotes.c.speaker_name, f.actor), exists().where(
                speaker.c.article_id == quotes.c.article_id,
                speaker.c.actor_id == quotes.c.speaker_actor,
                _same_name(speaker.c.name, f.actor))))
        return conds + _with_event(f, quotes.c.article_id, sides=False)
    if table in ("dates", "articles"):
        return conds + _with_event(f, articles.c.id, sides=True)
    raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")


# ---------------------------------------------------------------- event dates

def _iso_week(d: dt.date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


# Value shapes in ``events.date_value`` and how a date is written at each granularity.
_SHAPES: dict[str, tuple[Callable[[Any], ColumnElement], Callable[[dt.date], str]]] = {
    "day": (lambda v: func.length(v) >= 10, dt.date.isoformat),
    "week": (lambda v: v.like("____-W%"), _iso_week),
    "month": (lambda v: func.length(v) == 7, lambda d: f"{d.year:04d}-{d.month:02d}"),
    "year": (lambda v: func.length(v) == 4, lambda d: f"{d.year:04d}"),
}


def _shift(d: dt.date, days: int) -> dt.date | None:
    try:
        return d + dt.timedelta(days=days)
    except OverflowError:
        return None


def event_date_within(since: dt.date | None, until: dt.date | None) -> ColumnElement:
    """Events whose date, at its granularity, lies wholly in ``[since, until]``.

    For a granularity ``g`` (day, ISO week, month, year), a value ``v`` starts on or after
    ``since`` exactly when ``v`` sorts after ``g(since - 1 day)`` (for days: on or after
    ``since``), and ends on or before ``until`` exactly when it sorts before
    ``g(until + 1 day)``; values of one shape sort as their periods do.
    """
    v = events.c.date_value
    branches = []
    for shape, (is_shape, write) in _SHAPES.items():
        conds = [is_shape(v)]
        if since is not None:
            if shape == "day":
                conds.append(v >= since.isoformat())
            elif (before := _shift(since, -1)) is not None:
                conds.append(v > write(before))
        if until is not None and (after := _shift(until, 1)) is not None:
            conds.append(v < write(after))
        branches.append(and_(*conds))
    return and_(v.is_not(None), or_(*branches))


# ---------------------------------------------------------------- rows

def columns(table: str) -> list:
    """The columns of ``table``'s rows, in output order (``article_id`` first)."""
    if table == "articles":
        return [articles.c.id.label("article_id")] + [
            c for c in articles.columns if c.name not in _ARTICLE_SKIP]
    if table not in _FACT:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    cols = list(_FACT[table].columns)
    # article_id, the row key (idx / actor_id), then the article's date, then the rest.
    out = cols[:2] + [articles.c.published] + cols[2:]
    if table == "events":
        out.append(flagged().label("flagged"))
    return out


def article_order() -> list:
    """Deterministic order for exports: published (undated first), then id."""
    return [articles.c.published.asc().nulls_first(), articles.c.id.asc()]


def select_rows(table: str, f: Filters | None = None, ids: Sequence[str] | None = None
                ) -> Select:
    """The SELECT of ``table``'s rows under ``f``, in export order; ``ids`` keeps only
    those articles (an increment export)."""
    f = f or Filters()
    conds = conditions(table, f)
    if ids is not None:
        conds.append(articles.c.id.in_(list(ids)))
    if table == "articles":
        return select(*columns(table)).where(*conds).order_by(*article_order())
    t = _FACT[table]
    key = t.c.actor_id if table == "actors" else t.c.idx
    return (select(*columns(table)).join_from(t, articles, articles.c.id == t.c.article_id)
            .where(*conds).order_by(*article_order(), key))


def iter_rows(store, table: str, f: Filters | None = None, *, limit: int | None = None,
              chunk_rows: int | None = None, ids: Sequence[str] | None = None
              ) -> Iterator[list[dict[str, Any]]]:
    """Chunks of ``table``'s rows (dicts in :func:`columns` order; ``published`` a date),
    at most ``limit`` rows, streamed from the database ``chunk_rows`` at a time; ``ids``
    (in export order) keeps only those articles."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    with store.engine.connect() as conn:
        for part_ids in id_parts(ids):
            q = select_rows(table, f, part_ids)
            if limit is not None:
                q = q.limit(max(0, limit))
            result = conn.execution_options(yield_per=chunk_rows).execute(q)
            for part in result.mappings().partitions(chunk_rows):
                rows = [dict(r) for r in part]
                for r in rows:
                    if r.get("published"):
                        r["published"] = dt.date.fromisoformat(r["published"])
                yield rows


def id_parts(ids: Sequence[str] | None) -> Iterator[Sequence[str] | None]:
    """``ids`` cut into IN (…) lists of ``ID_CHUNK``, in order; one ``None`` (no
    restriction) without ids."""
    if ids is None:
        yield None
        return
    for i in range(0, len(ids), ID_CHUNK):
        yield ids[i:i + ID_CHUNK]


def count_rows(store, table: str, f: Filters | None = None, at_most: int | None = None) -> int:
    """How many rows :func:`iter_rows` would give; with ``at_most``, counting stops there
    (a cheap "more than the cap?" question)."""
    q = select_rows(table, f).order_by(None)
    if at_most is not None:
        q = q.limit(max(0, at_most))
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(q.subquery())).scalar_one())


def record_lines(store, f: Filters | None = None, *, limit: int | None = None,
                 offset: int = 0, ids: Sequence[str] | None = None) -> Iterator[str]:
    """The stored JSON of each matching article record (one line each), in export order.

    Whole records: flagged events stay in them (each event carries its modality); the
    filters choose the articles, as for the ``articles`` table; ``ids`` keeps only those.
    """
    with store.engine.connect() as conn:
        for part_ids in id_parts(ids):
            conds = conditions("articles", f or Filters())
            if part_ids is not None:
                conds.append(articles.c.id.in_(list(part_ids)))
            q = (select(articles.c.record_json).where(*conds)
                 .order_by(*article_order()).offset(offset))
            if limit is not None:
                q = q.limit(limit)
            for (raw,) in conn.execution_options(yield_per=500).execute(q):
                yield raw


def records(store, f: Filters | None = None, *, limit: int | None = None,
            offset: int = 0) -> Iterator[ArticleRecord]:
    """Matching article records, parsed (see :func:`record_lines`)."""
    for raw in record_lines(store, f, limit=limit, offset=offset):
        yield ArticleRecord.from_dict(json.loads(raw))


# ---------------------------------------------------------------- counts

def stats(store, f: Filters | None = None) -> dict[str, Any]:
    """Counts for ``eventwire stats`` over the rows the same filters export.

    ``articles``/``outcomes``/``near_duplicates`` count the ``articles`` table's rows;
    ``events``, ``countries`` (events by source country: who acts) and ``event_types``
    the ``events`` rows; ``actor_countries`` the ``actors`` rows; ``quote_kinds`` the
    ``quotes`` rows. Unknown (null) countries are not counted by country.
    ``flagged_events`` counts the negated or hypothetical events that match the other
    filters, and ``include_flagged`` says whether the event counts hold them.
    """
    f = f or Filters()

    def grouped(conn, table: str, col) -> dict[str, int]:
        rows = select_rows(table, f).order_by(None).subquery()
        key = rows.c[col]
        q = (select(key, func.count()).where(key.is_not(None)).group_by(key)
             .order_by(func.count().desc(), key))
        return {k: int(n) for k, n in conn.execute(q)}

    def counted(conn, table: str, filters: Filters, where=None) -> int:
        rows = select_rows(table, filters).order_by(None).subquery()
        q = select(func.count()).select_from(rows)
        return int(conn.execute(q if where is None else q.where(where(rows))).scalar_one())

    with store.engine.connect() as conn:
        outcomes = {o: 0 for o in OUTCOMES}
        outcomes.update(grouped(conn, "articles", "outcome"))
        return {
            "articles": counted(conn, "articles", f),
            "outcomes": outcomes,
            "near_duplicates": counted(conn, "articles", f,
                                       lambda rows: rows.c.duplicate_of.is_not(None)),
            "events": counted(conn, "events", f),
            "flagged_events": counted(conn, "events", replace(f, include_flagged=True),
                                      lambda rows: rows.c.flagged),
            "include_flagged": f.include_flagged,
            "countries": grouped(conn, "events", "source_country"),
            "actor_countries": grouped(conn, "actors", "country"),
            "event_types": grouped(conn, "events", "plover"),
            "quote_kinds": grouped(conn, "quotes", "kind"),
        }
