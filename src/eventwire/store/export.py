"""Write stored records out: JSON Lines (whole records), CSV or Parquet (one row per fact).

CSV and Parquet hold one table each (``events`` by default, or quotes, actors, dates,
articles): the store's columns, flat, with ``article_id`` and the article's ``published``
date. ``table_schema`` is the one Parquet schema per table; the Spark runner writes with
it too, so a Parquet file from either path has the same columns and types. Rows are
streamed in chunks of ``CHUNK_ROWS``, never loaded whole.

Filters (all optional): ``outcome``; ``since``/``until`` on the published date; ``country``
(ISO-3) keeps events whose source or target has it, actors of that country, quotes whose
speaker is such an actor, and for dates/articles/JSONL the articles with such an event;
``plover`` keeps events of that type and, for the other tables, articles with one;
``kind`` keeps quotes of that kind (``direct``, ``indirect``, ``mixed``, ``belief``,
``evidence``, ``document``) and, for the other tables and JSONL, articles with one.
"""
from __future__ import annotations

import csv
import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Any, Iterator, Mapping, TextIO

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Boolean, Float, Integer, Select, exists, select

from ..records import QUOTE_KINDS
from .schema import actors, articles, dates, events, quotes
from .sqlstore import Store

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
TABLES = ("events", "quotes", "actors", "dates", "articles")
CHUNK_ROWS = 2000

_FACT = {"events": events, "quotes": quotes, "actors": actors, "dates": dates}
# Store-internal columns that are not part of the article table export.
_ARTICLE_SKIP = {"id", "record_json", "minhash"}


def _arrow_type(column) -> pa.DataType:
    if column.name == "published":
        return pa.date32()
    if isinstance(column.type, Boolean):
        return pa.bool_()
    if isinstance(column.type, Integer):
        return pa.int64()
    if isinstance(column.type, Float):
        return pa.float64()
    return pa.string()


def _columns(table: str) -> list:
    """The SQLAlchemy columns of one export table, in output order."""
    if table == "articles":
        return [articles.c.id.label("article_id")] + [
            c for c in articles.columns if c.name not in _ARTICLE_SKIP]
    t = _FACT[table]
    cols = list(t.columns)
    # article_id, the row key (idx / actor_id), then the article's date, then the rest.
    return cols[:2] + [articles.c.published] + cols[2:]


def table_schema(table: str) -> pa.Schema:
    """The Parquet schema of an export table (also used by the Spark runner)."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    fields = []
    for col in _columns(table):
        name = col.name
        base = articles.c.id if name == "article_id" and table == "articles" else col
        nullable = name != "article_id" and bool(getattr(base, "nullable", True))
        fields.append(pa.field(name, _arrow_type(base), nullable=nullable))
    return pa.schema(fields)


def _filters(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    unknown = set(f) - {"outcome", "country", "since", "until", "plover", "kind"}
    if unknown:
        raise ValueError(f"unknown export filters: {', '.join(sorted(unknown))}")
    if "kind" in f and f["kind"] not in QUOTE_KINDS:
        raise ValueError(f"unknown quote kind {f['kind']!r}; choose one of {', '.join(QUOTE_KINDS)}")
    return f


def _kind_conditions(table: str, kind: str | None) -> list:
    """Quotes of ``kind``; for any other table, articles holding such a quote."""
    if not kind:
        return []
    if table == "quotes":
        return [quotes.c.kind == kind]
    return [exists().where(quotes.c.article_id == articles.c.id, quotes.c.kind == kind)]


def table_query(store: Store, table: str, filters: Mapping[str, Any] | None = None) -> Select:
    """The SELECT behind one export table with the filters applied (see module docstring)."""
    f = _filters(filters)
    country, plover = f.get("country"), f.get("plover")
    if table == "articles":
        return (select(*_columns(table))
                .where(*store.article_conditions(f.get("outcome"), country, f.get("since"),
                                                 f.get("until"), plover),
                       *_kind_conditions(table, f.get("kind")))
                .order_by(*store.article_order()))
    t = _FACT[table]
    conds = store.article_conditions(f.get("outcome"), None, f.get("since"), f.get("until"))
    if table == "events":
        conds += store.event_conditions(country=country, plover=plover)
    else:
        if table == "actors" and country:
            conds.append(actors.c.country == country.upper())
        elif table == "quotes" and country:
            conds.append(exists().where(actors.c.article_id == quotes.c.article_id,
                                        actors.c.actor_id == quotes.c.speaker_actor,
                                        actors.c.country == country.upper()))
        elif country:
            conds.append(exists().where(events.c.article_id == articles.c.id,
                                        *store.event_conditions(country=country)))
        if plover:
            conds.append(exists().where(events.c.article_id == articles.c.id,
                                        *store.event_conditions(plover=plover)))
    conds += _kind_conditions(table, f.get("kind"))
    key = t.c.actor_id if table == "actors" else t.c.idx
    return (select(*_columns(table)).join_from(t, articles, articles.c.id == t.c.article_id)
            .where(*conds).order_by(*store.article_order(), key))


def iter_table(store: Store, table: str, filters: Mapping[str, Any] | None = None,
               chunk_rows: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """Chunks of export rows (dicts keyed like ``table_schema``), published as a date."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    q = table_query(store, table, filters)
    with store.engine.connect() as conn:
        result = conn.execution_options(yield_per=chunk_rows).execute(q)
        for part in result.mappings().partitions(chunk_rows):
            rows = [dict(r) for r in part]
            for r in rows:
                if r.get("published"):
                    r["published"] = dt.date.fromisoformat(r["published"])
            yield rows


def csv_value(v: Any) -> Any:
    """How a value is spelled in exported CSV (empty for null, true/false, ISO dates)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _write_csv(store: Store, table: str, filters, fh: TextIO) -> int:
    names = table_schema(table).names
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(names)
    n = 0
    for rows in iter_table(store, table, filters):
        writer.writerows([[csv_value(r[k]) for k in names] for r in rows])
        n += len(rows)
    return n


def _write_jsonl(store: Store, filters, fh: TextIO) -> int:
    f = _filters(filters)
    q = (select(articles.c.record_json)
         .where(*store.article_conditions(f.get("outcome"), f.get("country"), f.get("since"),
                                          f.get("until"), f.get("plover")),
                *_kind_conditions("articles", f.get("kind")))
         .order_by(*store.article_order()))
    n = 0
    with store.engine.connect() as conn:
        for (raw,) in conn.execution_options(yield_per=500).execute(q):
            fh.write(raw + "\n")  # record_json is already the record's JSON, one line
            n += 1
    return n


def _write_parquet(store: Store, table: str, filters, out: Path) -> int:
    schema = table_schema(table)
    n = 0
    with pq.ParquetWriter(str(out), schema) as writer:
        for rows in iter_table(store, table, filters):
            writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=schema))
            n += len(rows)
    return n


def export_store(store: Store, fmt: str, out: Path | str, table: str = "events",
                 filters: Mapping[str, Any] | None = None) -> int:
    """Write the store's rows to ``out`` ('-': stdout, jsonl/csv); returns rows written.

    JSONL writes one whole article record per line whatever ``table`` says.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    to_stdout = str(out) == "-"
    if fmt == "parquet":
        if to_stdout:
            raise ValueError("Parquet cannot be written to stdout; give a file with --out")
        return _write_parquet(store, table, filters, Path(out))
    if to_stdout:
        return (_write_jsonl(store, filters, sys.stdout) if fmt == "jsonl"
                else _write_csv(store, table, filters, sys.stdout))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        return (_write_jsonl(store, filters, fh) if fmt == "jsonl"
                else _write_csv(store, table, filters, fh))
