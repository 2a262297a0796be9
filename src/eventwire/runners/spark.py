"""Spark runner: the pipeline in ``mapPartitions``, Parquet tables out, same schema as export.

Why Spark for this: a corpus of millions of articles on a cluster, where the process pool
(one machine) and the single store writer stop scaling. The runner reads inputs with the
project's own readers, runs the unchanged pipeline in each executor's Python workers (the
spaCy model is loaded once per Python worker process and cached at module level — Spark
reuses Python workers between tasks), and writes one Parquet dataset per table —
``articles/``, ``actors/``, ``quotes/``, ``events/``, ``dates/`` — with the columns and
types of ``eventwire export --format parquet`` (``store.table_files.table_schema`` and the row
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
``ok`` copy wins, then the one earliest in input order, as the store keeps the first).

Near-copies are linked by the store's policy (``dedup.link_one``: in input order, each
article links to the earliest canonical article it is a near-copy of). Every raw article
carries its input order — the position of its file in the sorted walk ``eventwire ingest``
does (JSONL and other files interleaved as in that walk), then its line number or its
index within the file — and the executors compute the MinHash signature
(``dedup.signature``) of each ``ok`` record next to the pipeline. Candidate pairs come from
LSH banding done in Spark: each eligible signature (``ok``, not linked upstream, with words)
emits one key per band, records sharing a key are paired, and each pair is verified with the
signatures' estimated Jaccard ≥ ``Settings.near_dup_threshold``. The bands are chosen so
that recall is exact rather than probabilistic (``dedup.band_params``: one more band than the
number of differing hash values a pair may have and still reach the threshold — 20 bands of
6 rows at 0.85 —, so a pair at the threshold agrees on a whole band by pigeonhole; the
store's index bands the same way). The verified pairs, few, are collected on the driver,
and :func:`link_near_copies` walks the articles they name in input order through
``dedup.link_one`` over a ``dedup.PairIndex`` of them — the function the store's link step
calls over its LSH index —, so the same inputs link the same way in both. A near-copy's
``articles`` row has ``duplicate_of`` and ``similarity`` and its record no facts; it has no
rows in the fact tables. (The store also keeps the signature bytes in ``articles.minhash``;
export leaves that column out, and so does this runner's ``articles`` table.)

A band bucket with more than ``BUCKET_HEAD`` members (a story republished thousands of
times, or text shared by many pages) is not expanded into n² pairs: its members, in input
order, are each paired only with the bucket's first ``BUCKET_HEAD`` members, which hold the
canonical copy of a republished story; so links stay exact for buckets up to that size and
pairs grow linearly beyond it.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import glob
import hashlib
import logging
import math
import os
import sys
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Iterator

from .. import dedup
from ..records import ArticleRecord, RawArticle
from ..settings import Settings

log = logging.getLogger(__name__)

TABLES = ("articles", "actors", "quotes", "events", "dates")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_URI = ("hdfs://", "s3a://", "s3://", "gs://", "abfs://", "abfss://", "wasbs://", "viewfs://")
# Members of one band bucket paired with every later member (see the module docstring).
BUCKET_HEAD = 32

# An article's input order: (rank of its file or pattern in the expanded input, the path
# when Spark expanded a cluster glob itself — "" otherwise —, line number or index in file).
Order = tuple[int, str, int]
# What flows from the executors: the record, its input order, its MinHash signature bytes
# (``dedup.to_bytes``; None unless the record is ok and has words).
Item = tuple[ArticleRecord, Order, "bytes | None"]


class SparkInputError(ValueError):
    """The ``--input`` of the Spark runner names nothing readable."""


def run_spark(input: str, output: Path | str, settings: Settings, master: str = "local[2]",
              partitions: int | None = None) -> dict[str, Any]:
    """Run the pipeline on Spark over ``input`` and write Parquet tables under ``output``.

    Returns ``{"articles", "ok", "rejected", "failed", "bad", "duplicates",
    "near_duplicates", "output"}`` (``bad`` = rejected + failed; ``duplicates`` = inputs
    dropped as exact copies; ``near_duplicates`` = ok articles written as links to an
    earlier near-copy, counted in ``ok`` too).
    Uses the active Spark session if there is one (``spark-submit``, tests), else starts
    one on ``master`` and stops it at the end.
    """
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession

    ordered = expand_ordered(input)
    spark = SparkSession.getActiveSession()
    owned = spark is None
    if owned:
        spark = build_session(master)
    try:
        sc = spark.sparkContext
        raws = _raw_rdd(sc, ordered, partitions, settings)
        # (item, copies): one item per content id, counting the copies dropped.
        records = (raws.mapPartitions(lambda part: _process_partition(part, settings))
                   .map(lambda item: (item[0].id, (item, 1)))
                   .reduceByKey(_keep_one)
                   .values()
                   .persist(StorageLevel.MEMORY_AND_DISK))
        counts = (records.map(lambda ic: (ic[0][0].outcome.status, ic[1]))
                  .aggregateByKey((0, 0), lambda acc, n: (acc[0] + 1, acc[1] + n),
                                  lambda a, b: (a[0] + b[0], a[1] + b[1]))
                  .collectAsMap())
        kept = records.keys()
        links = link_near_copies(_verified_pairs(kept, settings.near_dup_threshold),
                                 settings.near_dup_threshold)
        links_bc = sc.broadcast(links)
        final = kept.map(lambda item: _linked(item, links_bc.value))
        ingested_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        out = str(output) if "://" in str(output) else Path(output).resolve().as_uri()
        for table in TABLES:
            _write_table(spark, final, table, f"{out.rstrip('/')}/{table}", ingested_at)
        records.unpersist()
        links_bc.unpersist()
        ok, rejected, failed = (counts.get(s, (0, 0))[0] for s in ("ok", "rejected", "failed"))
        summary = {"articles": ok + rejected + failed, "ok": ok, "rejected": rejected,
                   "failed": failed, "bad": rejected + failed,
                   "duplicates": sum(copies - n for n, copies in counts.values()),
                   "near_duplicates": len(links), "output": str(output)}
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
    ordered = expand_ordered(input)
    return ([f for f in ordered if _is_jsonl(f)], [f for f in ordered if not _is_jsonl(f)])


def expand_ordered(input: str) -> list[str]:
    """The inputs of :func:`expand_input` in the order ``eventwire ingest`` reads them
    (each part in turn, a folder's files in its sorted walk, JSONL and others mixed)."""
    found: list[str] = []
    for part in (p.strip() for p in input.split(",")):
        if not part:
            continue
        if part.startswith(_URI):
            found.append(part)
            continue
        local = part[len("file://"):] if part.startswith("file://") else part
        matches = sorted(glob.glob(local, recursive=True)) or (
            [local] if Path(local).exists() else [])
        if not matches:
            raise SparkInputError(f"no input matches {part!r} — check the path or quote the glob")
        for m in matches:
            path = Path(m)
            found.extend(_walk(path) if path.is_dir() else [str(path)])
    if not found:
        raise SparkInputError(f"no input files under {input!r}")
    return found


def _walk(root: Path) -> list[str]:
    """Article files under a folder, as ``eventwire ingest`` picks them."""
    from ..ingest import ARTICLE_SUFFIXES

    found = [p for p in root.rglob("*")
             if p.is_file() and p.name.lower().endswith(ARTICLE_SUFFIXES)
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return [str(p) for p in sorted(found, key=lambda p: p.relative_to(root).parts)]


def _is_jsonl(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES)


def _raw_rdd(sc, ordered: list[str], partitions: int | None, settings: Settings):
    """One RDD of ``(order, RawArticle)`` over all inputs (``ordered``: expand_ordered)."""
    parts = []
    first: dict[str, int] = {}
    for rank, path in enumerate(ordered):
        if not _is_jsonl(path):
            continue
        rank = first.setdefault(path, rank)  # a file named twice is read twice, same order
        lines = sc.textFile(path, minPartitions=partitions) if partitions else sc.textFile(path)
        parts.append(lines.zipWithIndex()
                     .flatMap(lambda li, path=path, rank=rank: [
                         ((rank, "", li[1] + 1), raw)
                         for raw in _raws_from_line(li[0], li[1] + 1, path, settings)]))
    files = [f for f in ordered if not _is_jsonl(f)]
    if files:
        ranks = _file_ranks(ordered)
        blobs = sc.binaryFiles(",".join(_as_uri(f) for f in files),
                               minPartitions=partitions or sc.defaultParallelism)
        parts.append(blobs.flatMap(lambda nb: _ordered_file(nb[0], nb[1], ranks, settings)))
    rdd = parts[0] if len(parts) == 1 else sc.union(parts)
    if partitions:
        rdd = rdd.repartition(partitions)
    return rdd


def _file_ranks(ordered: list[str]) -> dict[str, int]:
    """Position in the input of each entry, keyed as Spark names a file once read
    (local files by their resolved absolute path, cluster URIs as given)."""
    ranks: dict[str, int] = {}
    for rank, f in enumerate(ordered):
        key = f if f.startswith(_URI) or "://" in f else str(Path(f).resolve())
        ranks.setdefault(key, rank)
    return ranks


def _order_of_file(path: str, ranks: dict[str, int]) -> tuple[int, str]:
    """``(rank, path_or_"")`` of a file Spark read: its own entry, else the first cluster
    pattern (glob) that matches it (its files then ordered by path), else after all."""
    if path in ranks:
        return ranks[path], ""
    patterns = [(rank, f) for f, rank in ranks.items() if f.startswith(_URI)]
    for rank, pattern in sorted(patterns):
        if fnmatch.fnmatchcase(path, pattern) or path.startswith(pattern.rstrip("/") + "/"):
            return rank, path
    return len(ranks), path


def _ordered_file(uri: str, data: bytes, ranks: dict[str, int], settings: Settings
                  ) -> list[tuple[Order, RawArticle]]:
    rank, path = _order_of_file(_display_path(uri), ranks)
    return [((rank, path, i), raw) for i, raw in enumerate(_raws_from_file(uri, data, settings))]


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


def _process_partition(items: Iterable[tuple[Order, RawArticle]], settings: Settings
                       ) -> Iterator[Item]:
    """The pipeline over one partition: ``(record, order, signature bytes)`` per raw article.

    The spaCy pipeline is cached per Python worker process (``eventwire.nlp`` keeps it in
    a module-level cache and Spark reuses Python workers across tasks), so it is loaded
    once per worker, not once per partition. BLAS/OpenMP pools and torch run one thread
    per task, as in the process pool (Spark already runs one task per core). ``process``
    yields one record per raw article in input order, so the orders queue up beside it.
    """
    from ..pipeline import process

    from .pool import limit_threads

    orders: deque[Order] = deque()

    def raws() -> Iterator[RawArticle]:
        for order, raw in items:
            orders.append(order)
            yield raw

    limit_threads()
    for i, rec in enumerate(process(raws(), settings)):
        if i == 0:
            limit_threads()  # a stage may have imported torch lazily
        mh = dedup.signature(rec.text) if rec.ok else None
        yield rec, orders.popleft(), (dedup.to_bytes(mh) if mh is not None else None)


def _keep_one(a: tuple[Item, int], b: tuple[Item, int]) -> tuple[Item, int]:
    """Of two records with the same id keep the ``ok`` one, then the earlier in input."""
    best = min(a[0], b[0], key=lambda item: (not item[0].ok, item[1], item[0].source))
    return best, a[1] + b[1]


def band_keys(mh_bytes: bytes, bands: int, rows: int) -> list[int]:
    """One 64-bit key per band of a signature (``dedup.to_bytes`` layout, 8 bytes a value);
    the band's index is hashed in, so equal values in different bands do not collide."""
    width = rows * 8
    return [int.from_bytes(hashlib.blake2b(mh_bytes[b * width:(b + 1) * width],
                                           digest_size=8, person=b.to_bytes(4, "little")
                                           ).digest(), "little")
            for b in range(bands)]


def bucket_pairs(members: Iterable[tuple[Order, str]], head: int = BUCKET_HEAD
                 ) -> Iterator[tuple[str, str]]:
    """``(earlier_id, later_id)`` candidate pairs of one band bucket: every member with
    each earlier one among the bucket's first ``head`` members in input order."""
    ordered = sorted(set(members))
    for j in range(1, len(ordered)):
        later = ordered[j][1]
        for i in range(min(j, head)):
            if ordered[i][1] != later:
                yield ordered[i][1], later


def _similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard of two stored signatures, as the store computes it."""
    return float(dedup.from_bytes(a).jaccard(dedup.from_bytes(b)))


def _verified_pairs(items, threshold: float) -> list[tuple[Order, str, Order, str, float]]:
    """Near-copy pairs ``(earlier order, earlier id, later order, later id, similarity)``
    among the eligible records of ``items`` (an RDD of :data:`Item`): LSH banding in Spark,
    then the estimated Jaccard of each candidate pair ≥ ``threshold``; collected."""
    bands, rows = dedup.band_params(threshold)
    sigs = (items.filter(lambda it: dedup.linkable(it[0]) and it[2] is not None)
            .map(lambda it: (it[0].id, (it[1], it[2]))))
    candidates = (sigs.flatMap(lambda kv: [(key, (kv[1][0], kv[0]))
                                           for key in band_keys(kv[1][1], bands, rows)])
                  .groupByKey()
                  .flatMap(lambda kv: bucket_pairs(kv[1]))
                  .distinct())
    joined = (candidates.join(sigs)                          # (e, (l, (o_e, b_e)))
              .map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))  # (l, (e, (o_e, b_e)))
              .join(sigs))                                   # (l, ((e, (o_e, b_e)), (o_l, b_l)))

    def verify(kv):
        later, ((earlier, (o_e, b_e)), (o_l, b_l)) = kv
        sim = _similarity(b_l, b_e)
        return [(o_e, earlier, o_l, later, sim)] if sim >= threshold else []

    return joined.flatMap(verify).collect()


def link_near_copies(pairs: Iterable[tuple[Order, str, Order, str, float]], threshold: float
                     ) -> dict[str, dedup.Link]:
    """``{near-copy id: Link}`` from verified pairs ``(order, id, order, id, similarity)``:
    the articles they name, taken in input order, linked by ``dedup.link_one`` (the
    store's policy) over a ``dedup.PairIndex`` of the pairs. An article in no pair is
    canonical."""
    pairs = [p for p in pairs if p[4] >= threshold and p[1] != p[3]]
    orders = {}
    for o_a, a, o_b, b, _ in pairs:
        orders.setdefault(a, o_a)
        orders.setdefault(b, o_b)
    index = dedup.PairIndex(((a, b, sim) for _, a, _, b, sim in pairs), threshold)
    links = {}
    for key in sorted(orders, key=lambda k: (orders[k], k)):
        link = dedup.link_one(index, key, None)
        if link is not None:
            links[key] = link
    return links


def _linked(item: Item, links: dict[str, dedup.Link]
            ) -> tuple[ArticleRecord, bytes | None, float | None]:
    """``(record, minhash, similarity)`` as the store writes the article: a near-copy loses
    its facts and gains ``duplicate_of``; ok records keep their signature bytes."""
    rec, _, mh = item
    link = links.get(rec.id)
    if link is None:
        return rec, mh, None
    return dedup.as_near_copy(rec, link.canonical), mh, link.similarity


def table_rows(rec: ArticleRecord, table: str, ingested_at: str, *,
               minhash: bytes | None = None, similarity: float | None = None
               ) -> list[dict[str, Any]]:
    """Rows of export ``table`` for one record, keyed like ``store.table_files.table_schema``.

    The store's rows (``store.rows``), shaped as ``export`` reads them back: the article's
    ``id`` as ``article_id``, the article's ``published`` as a date on every row, and on
    event rows ``flagged`` (``store.reads.row_is_flagged``).
    """
    from ..store.reads import row_is_flagged
    from ..store.rows import article_row, fact_rows

    if table == "articles":
        row = article_row(rec, ingested_at=ingested_at, minhash=minhash, similarity=similarity)
        row["article_id"] = row.pop("id")
        rows = [row]
    else:
        rows = fact_rows(rec)[table]
    for row in rows:
        row["published"] = rec.published
        if table == "events":
            row["flagged"] = row_is_flagged(row)
    return rows


def _write_table(spark, records, table: str, out: str, ingested_at: str) -> None:
    from ..store.table_files import table_schema

    schema = table_schema(table)
    names = schema.names
    rows = records.flatMap(lambda r: [tuple(row.get(n) for n in names)
                                      for row in table_rows(r[0], table, ingested_at,
                                                            minhash=r[1], similarity=r[2])])
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
