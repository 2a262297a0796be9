"""Spark runner: the pipeline in ``mapPartitions``, Parquet tables out, same schema as export.

Why Spark for this: a corpus of millions of articles on a cluster, where the process pool
(one machine) and the single store writer stop scaling. The runner reads inputs with the
project's own readers, runs the unchanged pipeline in each executor's Python workers (the
spaCy model is loaded once per Python worker process and cached at module level — Spark
reuses Python workers between tasks), and writes one Parquet dataset per table —
``articles/``, ``actors/``, ``quotes/``, ``events/``, ``dates/`` — with the columns and
types of ``eventwire export --format parquet`` (``store.export.table_schema`` and the row
flatteners of ``store.rows``), so downstream code reads either the same way.

Inputs (a path, a folder or a glob; several separated by commas):

* ``.jsonl`` / ``.ndjson`` (optionally ``.gz``): read as lines (``textFile``), split across
  partitions, each line parsed by ``eventwire.ingest.jsonl.parse_jsonl_line``; ``source``
  is ``path:lineno`` as with ``eventwire ingest``;
* every other file (``.txt``, ``.html``, ``.warc(.gz)``, RSS …): ``binaryFiles``, one file
  per record, its bytes read by ``eventwire.ingest.read_bytes``, so format dispatch,
  decoding and reject reasons are exactly the CLI's.

Folders are walked like ``eventwire ingest`` walks them: recursively, sorted, hidden
entries skipped, only files with an article suffix (``ingest.ARTICLE_SUFFIXES``); a file
named explicitly is always read.

Like the store, an article that appears twice (same content id) is written once (the
``ok`` copy wins, then the smallest ``source``). Unlike the store, near-copies are not
linked (``duplicate_of`` stays null): MinHash linking needs the global index the store
keeps. ``minhash`` and ``similarity`` columns are therefore null.
"""
from __future__ import annotations

import datetime as dt
import glob
import logging
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..records import ArticleRecord, RawArticle
from ..settings import Settings

log = logging.getLogger(__name__)

TABLES = ("articles", "actors", "quotes", "events", "dates")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_URI = ("hdfs://", "s3a://", "s3://", "gs://", "abfs://", "abfss://", "wasbs://", "viewfs://")


class SparkInputError(ValueError):
    """The ``--input`` of the Spark runner names nothing readable."""


def run_spark(input: str, output: Path | str, settings: Settings, master: str = "local[2]",
              partitions: int | None = None) -> dict[str, Any]:
    """Run the pipeline on Spark over ``input`` and write Parquet tables under ``output``.

    Returns ``{"articles", "ok", "rejected", "failed", "bad", "duplicates", "output"}``
    (``bad`` = rejected + failed; ``duplicates`` = inputs dropped as exact copies).
    Uses the active Spark session if there is one (``spark-submit``, tests), else starts
    one on ``master`` and stops it at the end.
    """
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession

    jsonl, files = expand_input(input)
    spark = SparkSession.getActiveSession()
    owned = spark is None
    if owned:
        spark = build_session(master)
    try:
        sc = spark.sparkContext
        raws = _raw_rdd(sc, jsonl, files, partitions, settings)
        # (record, copies): one record per content id, counting the copies dropped.
        records = (raws.mapPartitions(lambda part: _process_partition(part, settings))
                   .map(lambda rec: (rec.id, (rec, 1)))
                   .reduceByKey(_keep_one)
                   .values()
                   .persist(StorageLevel.MEMORY_AND_DISK))
        counts = (records.map(lambda rc: (rc[0].outcome.status, rc[1]))
                  .aggregateByKey((0, 0), lambda acc, n: (acc[0] + 1, acc[1] + n),
                                  lambda a, b: (a[0] + b[0], a[1] + b[1]))
                  .collectAsMap())
        ingested_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        out = str(output) if "://" in str(output) else Path(output).resolve().as_uri()
        kept = records.keys()
        for table in TABLES:
            _write_table(spark, kept, table, f"{out.rstrip('/')}/{table}", ingested_at)
        records.unpersist()
        ok, rejected, failed = (counts.get(s, (0, 0))[0] for s in ("ok", "rejected", "failed"))
        summary = {"articles": ok + rejected + failed, "ok": ok, "rejected": rejected,
                   "failed": failed, "bad": rejected + failed,
                   "duplicates": sum(copies - n for n, copies in counts.values()),
                   "output": str(output)}
        log.info("spark run: %s", summary)
        return summary
    finally:
        if owned:
            spark.stop()


def build_session(master: str = "local[2]", app_name: str = "eventwire",
                  conf: dict[str, str] | None = None):
    """A Spark session for the runner: no UI, small shuffles; on ``local[…]`` the Python
    workers run this interpreter (so they import eventwire from the same environment)
    and the driver binds to loopback (nothing listens on outside interfaces)."""
    from pyspark.sql import SparkSession

    settings = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "8",
                "spark.python.worker.reuse": "true"}
    if master.startswith("local"):
        settings.update({"spark.pyspark.python": sys.executable,
                         "spark.pyspark.driver.python": sys.executable,
                         "spark.driver.host": "127.0.0.1",
                         "spark.driver.bindAddress": "127.0.0.1"})
        # PySpark starts local Python workers from PYSPARK_PYTHON (the config key alone is
        # not always honoured); without it they run `python3` from PATH, which outside an
        # activated virtualenv cannot import eventwire.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def expand_input(input: str) -> tuple[list[str], list[str]]:
    """``(jsonl_paths, other_files)`` for a comma-separated list of paths, folders, globs.

    Local paths are expanded here (folders recursively, sorted) so a typo fails at once
    with a clear message; cluster URIs (``hdfs://``, ``s3a://`` …) are passed to Spark,
    which expands their globs itself.
    """
    jsonl: list[str] = []
    files: list[str] = []
    for part in (p.strip() for p in input.split(",")):
        if not part:
            continue
        if part.startswith(_URI):
            (jsonl if _is_jsonl(part) else files).append(part)
            continue
        local = part[len("file://"):] if part.startswith("file://") else part
        matches = sorted(glob.glob(local, recursive=True)) or (
            [local] if Path(local).exists() else [])
        if not matches:
            raise SparkInputError(f"no input matches {part!r} — check the path or quote the glob")
        for m in matches:
            path = Path(m)
            found = _walk(path) if path.is_dir() else [str(path)]
            for f in found:
                (jsonl if _is_jsonl(f) else files).append(f)
    if not jsonl and not files:
        raise SparkInputError(f"no input files under {input!r}")
    return jsonl, files


def _walk(root: Path) -> list[str]:
    """Article files under a folder, as ``eventwire ingest`` picks them."""
    from ..ingest import ARTICLE_SUFFIXES

    found = [p for p in root.rglob("*")
             if p.is_file() and p.name.lower().endswith(ARTICLE_SUFFIXES)
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return [str(p) for p in sorted(found, key=lambda p: p.relative_to(root).parts)]


def _is_jsonl(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES)


def _raw_rdd(sc, jsonl: list[str], files: list[str], partitions: int | None,
             settings: Settings):
    """One RDD of RawArticle over all inputs."""
    parts = []
    for path in jsonl:
        lines = sc.textFile(path, minPartitions=partitions) if partitions else sc.textFile(path)
        parts.append(lines.zipWithIndex()
                     .flatMap(lambda li, path=path: _raws_from_line(li[0], li[1] + 1, path,
                                                                    settings)))
    if files:
        blobs = sc.binaryFiles(",".join(_as_uri(f) for f in files),
                               minPartitions=partitions or sc.defaultParallelism)
        parts.append(blobs.flatMap(lambda nb: _raws_from_file(nb[0], nb[1], settings)))
    rdd = parts[0] if len(parts) == 1 else sc.union(parts)
    if partitions:
        rdd = rdd.repartition(partitions)
    return rdd


def _as_uri(path: str) -> str:
    return path if path.startswith(_URI) or "://" in path else Path(path).resolve().as_uri()


def _display_path(uri: str) -> str:
    """``file:/x/y`` (how Spark names local files) → ``/x/y``; other URIs unchanged."""
    if uri.startswith("file:"):
        rest = uri[len("file:"):]
        return "/" + rest.lstrip("/")
    return uri


def _raws_from_line(line: str, lineno: int, path: str, settings: Settings
                    ) -> list[RawArticle]:
    """One JSONL line (as ``eventwire ingest`` reads it: blank lines skipped)."""
    from ..ingest.articles import too_large
    from ..ingest.jsonl import parse_jsonl_line

    if lineno == 1 and line.startswith("\ufeff"):
        line = line[1:]
    if not line.strip():
        return []
    source = f"{_display_path(path)}:{lineno}"
    limit = settings.max_article_bytes
    size = len(line.encode("utf-8"))
    if size > limit:
        return [RawArticle(source=source, reject_reason=f"line {lineno}: {too_large(size, limit)}")]
    return [parse_jsonl_line(line, source, lineno)]


def _raws_from_file(uri: str, data: bytes, settings: Settings) -> list[RawArticle]:
    """One file's bytes → its articles, through the CLI's readers (``ingest.read_bytes``)."""
    from ..ingest import read_bytes

    path = _display_path(uri)
    return list(read_bytes(data, Path(path).name, settings, source=path))


def _process_partition(raws: Iterable[RawArticle], settings: Settings) -> Iterator[ArticleRecord]:
    """The pipeline over one partition.

    The spaCy pipeline is cached per Python worker process (``eventwire.nlp`` keeps it in
    a module-level cache and Spark reuses Python workers across tasks), so it is loaded
    once per worker, not once per partition. BLAS/OpenMP pools and torch run one thread
    per task, as in the process pool (Spark already runs one task per core).
    """
    from ..pipeline import process

    from .pool import limit_threads

    limit_threads()
    for i, rec in enumerate(process(raws, settings)):
        if i == 0:
            limit_threads()  # a stage may have imported torch lazily
        yield rec


def _keep_one(a: tuple[ArticleRecord, int], b: tuple[ArticleRecord, int]
              ) -> tuple[ArticleRecord, int]:
    """Of two records with the same id keep the ``ok`` one, then the smaller source."""
    ra, rb = a[0], b[0]
    best = min(ra, rb, key=lambda r: (not r.ok, r.source))
    return best, a[1] + b[1]


def table_rows(rec: ArticleRecord, table: str, ingested_at: str) -> list[dict[str, Any]]:
    """Rows of export ``table`` for one record, keyed like ``store.export.table_schema``.

    The store's rows (``store.rows``), shaped as ``export`` reads them back: the article's
    ``id`` as ``article_id``, and the article's ``published`` as a date on every row.
    """
    from ..store.rows import article_row, fact_rows

    if table == "articles":
        row = article_row(rec, ingested_at=ingested_at)
        row["article_id"] = row.pop("id")
        rows = [row]
    else:
        rows = fact_rows(rec)[table]
    for row in rows:
        row["published"] = rec.published
    return rows


def _write_table(spark, records, table: str, out: str, ingested_at: str) -> None:
    from ..store.export import table_schema

    schema = table_schema(table)
    names = schema.names
    rows = records.flatMap(lambda rec: [tuple(row.get(n) for n in names)
                                        for row in table_rows(rec, table, ingested_at)])
    df = spark.createDataFrame(rows, schema=spark_schema(schema))
    df.write.mode("overwrite").parquet(out)


def spark_schema(schema) -> Any:
    """The Spark ``StructType`` for a pyarrow schema (the types export uses)."""
    import pyarrow as pa
    from pyspark.sql import types as T

    def convert(t: pa.DataType):
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return T.StringType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_int32(t):
            return T.IntegerType()
        if pa.types.is_integer(t):
            return T.LongType()
        if pa.types.is_float32(t):
            return T.FloatType()
        if pa.types.is_floating(t):
            return T.DoubleType()
        if pa.types.is_date(t):
            return T.DateType()
        if pa.types.is_timestamp(t):
            return T.TimestampType()
        if pa.types.is_binary(t) or pa.types.is_large_binary(t):
            return T.BinaryType()
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return T.ArrayType(convert(t.value_type))
        raise TypeError(f"no Spark type for Parquet column type {t}")

    return T.StructType([T.StructField(f.name, convert(f.type), f.nullable) for f in schema])
