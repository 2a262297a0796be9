"""Write stored records out: JSON Lines (whole records), CSV or Parquet (one row per fact).

CSV and Parquet hold one table each (``events`` by default, or quotes, actors, dates,
articles): the rows ``reads.iter_rows`` selects, written by ``table_files`` (the writer the
web's downloads use too). JSON Lines holds the whole records of the articles the filters
choose. Filters are ``reads.Filters``, with the meaning documented there (``since`` /
``until``: publication date; ``event_since`` / ``event_until``: event date; negated and
hypothetical events left out of event rows unless ``include_flagged``).

``export_increment`` writes only what a named consumer has not had yet (``eventwire
export --since-last NAME``), for a job that picks up each batch a ``watch`` stores.
"""
from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, TextIO

from sqlalchemy import select

from . import reads
from .reads import Filters
from .schema import articles
from .sqlstore import Store
from .table_files import write_csv, write_parquet

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
TABLES = reads.TABLES


def _write_text(store: Store, fmt: str, table: str, filters: Filters, out: TextIO,
                ids: Sequence[str] | None) -> int:
    if fmt == "jsonl":
        n = 0
        for line in reads.record_lines(store, filters, ids=ids):
            out.write(line + "\n")  # record_json is already the record's JSON, one line
            n += 1
        return n
    return write_csv(reads.iter_rows(store, table, filters, ids=ids), table, out)


def _check(fmt: str, table: str, out: Path | str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    if fmt == "parquet" and str(out) == "-":
        raise ValueError("Parquet cannot be written to stdout; give a file with --out")


def _write(store: Store, fmt: str, out: Path | str, table: str, filters: Filters,
           ids: Sequence[str] | None) -> int:
    if fmt == "parquet":
        return write_parquet(reads.iter_rows(store, table, filters, ids=ids), table, str(out))
    if str(out) == "-":
        return _write_text(store, fmt, table, filters, sys.stdout, ids)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        return _write_text(store, fmt, table, filters, fh, ids)


def export_store(store: Store, fmt: str, out: Path | str, table: str = "events",
                 filters: Filters | None = None) -> int:
    """Write the store's rows to ``out`` ('-': stdout, jsonl/csv); returns rows written.

    JSONL writes one whole article record per line whatever ``table`` says.
    """
    _check(fmt, table, out)
    return _write(store, fmt, out, table, filters or Filters(), None)


@dataclass(frozen=True)
class Increment:
    """What ``export_increment`` wrote: rows, and the articles new to the consumer."""

    rows: int
    articles: int


def export_increment(store: Store, consumer: str, fmt: str, out: Path | str,
                     table: str = "events", filters: Filters | None = None) -> Increment:
    """Write what was stored since ``consumer``'s last export (with the filters), then
    remember it: the consumer's state advances only after the write succeeded, so a
    failed or interrupted export is repeated whole next time.

    Which articles are new is decided once, before writing: an article that commits while
    the export runs is left for the next one. A file is written beside ``out`` and renamed
    over it at the end, so a reader never sees half an increment.
    """
    from .state import mark_exported, unexported_condition

    if not consumer.strip():
        raise ValueError("the consumer name for --since-last must not be empty")
    _check(fmt, table, out)
    filters = filters or Filters()
    q = (select(articles.c.id, articles.c.ingested_at)
         .where(*reads.conditions("articles", filters), unexported_condition(consumer))
         .order_by(*reads.article_order()))
    with store.engine.connect() as conn:
        pending = [(a, i) for a, i in conn.execution_options(yield_per=5000).execute(q)]
    ids = [a for a, _ in pending]
    if str(out) == "-":
        rows = _write(store, fmt, out, table, filters, ids)
    else:
        out = Path(out)
        part = out.with_name(out.name + ".part")
        try:
            rows = _write(store, fmt, part, table, filters, ids)
            os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
    mark_exported(store, consumer, pending)
    return Increment(rows, len(pending))
