"""Write stored records out: JSON Lines (whole records), CSV or Parquet (one row per fact).

CSV and Parquet hold one table each (``events`` by default, or quotes, actors, dates,
articles): the rows ``reads.iter_rows`` selects, written by ``table_files`` (the writer the
web's downloads use too). JSON Lines holds the whole records of the articles the filters
choose. Filters are ``reads.Filters``, with the meaning documented there (``since`` /
``until``: publication date; ``event_since`` / ``event_until``: event date; negated and
hypothetical events left out of event rows unless ``include_flagged``).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

from . import reads
from .reads import Filters
from .sqlstore import Store
from .table_files import write_csv, write_parquet

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
TABLES = reads.TABLES


def _write_jsonl(store: Store, filters: Filters, out: TextIO) -> int:
    n = 0
    for line in reads.record_lines(store, filters):
        out.write(line + "\n")  # record_json is already the record's JSON, one line
        n += 1
    return n


def _write_text(store: Store, fmt: str, table: str, filters: Filters, out: TextIO) -> int:
    if fmt == "jsonl":
        return _write_jsonl(store, filters, out)
    return write_csv(reads.iter_rows(store, table, filters), table, out)


def export_store(store: Store, fmt: str, out: Path | str, table: str = "events",
                 filters: Filters | None = None) -> int:
    """Write the store's rows to ``out`` ('-': stdout, jsonl/csv); returns rows written.

    JSONL writes one whole article record per line whatever ``table`` says.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    filters = filters or Filters()
    to_stdout = str(out) == "-"
    if fmt == "parquet":
        if to_stdout:
            raise ValueError("Parquet cannot be written to stdout; give a file with --out")
        return write_parquet(reads.iter_rows(store, table, filters), table, str(out))
    if to_stdout:
        return _write_text(store, fmt, table, filters, sys.stdout)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        return _write_text(store, fmt, table, filters, fh)
