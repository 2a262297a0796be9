"""CSV and Parquet files of one table, written batch by batch: the one writer behind
``eventwire export`` and the web's downloads.

Rows arrive as batches of dicts (``reads.iter_rows``), and no more than one batch is held:
CSV goes out row by row through the csv module, Parquet one row group per batch through
pyarrow's ``ParquetWriter``. :func:`table_schema` is the one Parquet schema per table;
the Spark runner writes with it too, so a file from any path has the same columns and
types. CSV spells null as an empty field, booleans as ``true``/``false``, dates in ISO.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, BinaryIO, Iterable, Iterator, TextIO

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Boolean, Float, Integer

from . import reads

Batches = Iterable[list[dict[str, Any]]]
# Derived columns that are never null (a Label has no ``nullable`` of its own).
_NOT_NULL = {"article_id", "flagged"}


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


def table_schema(table: str) -> pa.Schema:
    """The Parquet schema of one table's rows (``reads.columns``), in column order."""
    if table not in reads.TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(reads.TABLES)}")
    return pa.schema([
        pa.field(col.name, _arrow_type(col),
                 nullable=col.name not in _NOT_NULL and bool(getattr(col, "nullable", True)))
        for col in reads.columns(table)])


def csv_value(v: Any) -> Any:
    """How a value is spelled in CSV (empty for null, true/false, ISO dates)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def csv_text(batches: Batches, table: str) -> Iterator[str]:
    """The CSV file as text pieces: the header, then one piece per batch of rows."""
    names = table_schema(table).names
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")

    def drained() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writerow(names)
    yield drained()
    for rows in batches:
        for row in rows:
            writer.writerow([csv_value(row[k]) for k in names])
        yield drained()


def _counted(batches: Batches, tally: list[int]) -> Iterator[list[dict[str, Any]]]:
    for rows in batches:
        tally[0] += len(rows)
        yield rows


def write_csv(batches: Batches, table: str, out: TextIO) -> int:
    """Write the rows as CSV to a text stream; returns the number of rows."""
    tally = [0]
    for text in csv_text(_counted(batches, tally), table):
        out.write(text)
    return tally[0]


def write_parquet(batches: Batches, table: str, out: str | BinaryIO) -> int:
    """Write the rows as Parquet (one row group per batch) to a path or a binary file;
    returns the number of rows. No rows still make a valid file with the schema."""
    schema = table_schema(table)
    n = 0
    with pq.ParquetWriter(out, schema) as writer:
        for rows in batches:
            if rows:
                writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=schema))
                n += len(rows)
    return n
