"""Spark runner on a real local[2] session: Parquet tables equal the SQLite store's export
of the same inputs (near-copy links included); the near-copy decision and banding unit-tested."""
from __future__ import annotations

import importlib.util
import json
import random
import shutil
from pathlib import Path

import pytest

from conftest import NATO_WORDS, earliest_or_most_similar, signatures_at_threshold

pytestmark = [pytest.mark.spark,
              pytest.mark.skipif(importlib.util.find_spec("pyspark") is None
                                 or shutil.which("java") is None,
                                 reason="needs PySpark and Java")]

ARTICLES = [
    {"text": "Ministers from France and Germany met in Berlin on Monday to discuss energy "
             "prices. \"We will act together,\" said the French minister, Claire Dubois.",
     "published": "2022-03-07", "url": "https://example.org/a"},
    {"text": "Police in Nairobi arrested twelve protesters on Tuesday after a march against "
             "fuel taxes, a police spokesman said.", "published": "2022-05-10"},
    {"text": "The European Union imposed new sanctions on Belarus over the detention of "
             "opposition figures, the bloc said in a statement on Friday.",
     "title": "EU widens Belarus sanctions"},
    {"html": "<html><body><article><h1>Aid pledge</h1><p>Canada pledged 500 million dollars "
             "to help rebuild schools in Ukraine, Prime Minister Justin Trudeau said in "
             "Ottawa on Thursday.</p></article></body></html>", "published": "2022-06-02"},
    # The first article again: the store keeps it once, so must the Spark runner.
    {"text": "Ministers from France and Germany met in Berlin on Monday to discuss energy "
             "prices. \"We will act together,\" said the French minister, Claire Dubois.",
     "published": "2022-03-07", "url": "https://example.org/a"},
]
TXT = ("Rebels agree to ceasefire in Taiz\n\nRebels and government forces agreed to a 72-hour "
       "ceasefire in the city of Taiz on Sunday, a United Nations envoy announced, urging "
       "both sides to keep the truce.\n")
PAGE = (b"<html><head><title>Talks resume</title></head><body><article><h1>Talks resume</h1>"
        b"<p>Negotiators from Armenia and Azerbaijan resumed talks in Brussels on Tuesday, "
        b"the European Council said, calling the meeting constructive.</p></article>"
        b"</body></html>")
IGNORED = {"ingested_at"}  # the run's timestamp
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# A wire story and its republished copy (new boilerplate, one word changed): near-copies.
NEAR_PAIR = ("turkey_s400_wire.txt", "turkey_s400_wire_republished.txt")


def _write_warc(path):
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://example.org/talks", "response", payload=BytesIO(PAGE),
            http_headers=headers))


@pytest.fixture(scope="module")
def spark():
    from eventwire.runners.spark import build_session

    session = build_session("local[2]", app_name="eventwire-test", conf={
        "spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false",
        "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"})
    yield session
    session.stop()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark-in")
    lines = [json.dumps(a) for a in ARTICLES]
    lines.insert(2, "{not json")  # a broken line: rejected, with its line number
    lines.insert(3, "")           # blank lines are skipped, not counted
    (folder / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "taiz.txt").write_text(TXT, encoding="utf-8")
    _write_warc(folder / "crawl.warc.gz")
    for name in NEAR_PAIR:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def _rows(table):
    rows = []
    for row in table.to_pylist():
        row = {k: v for k, v in row.items() if k not in IGNORED}
        if row.get("similarity") is not None:  # both estimate it from the same signatures
            row["similarity"] = round(row["similarity"], 9)
        rows.append(row)
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


@pytest.fixture(scope="module")
def store_export(inputs, tmp_path_factory):
    """Each export table of a SQLite store that ingested ``inputs`` as ``eventwire ingest``
    does (the records in one batch: ``Store`` links near-copies in input order)."""
    import pyarrow as pa

    from eventwire.ingest import read_paths
    from eventwire.pipeline import link_near_duplicates, process
    from eventwire.runners.spark import TABLES
    from eventwire.settings import Settings
    from eventwire.store import open_store
    from eventwire.store.reads import Filters, iter_rows
    from eventwire.store.table_files import table_schema

    settings = Settings()
    records = process(read_paths([str(inputs)], settings), settings)
    db = tmp_path_factory.mktemp("spark-store") / "store.db"
    with open_store(f"sqlite:///{db}", settings) as store:
        result = store.write(link_near_duplicates(records, store.near_duplicate_index()))
        assert result.near_duplicates == 1
        tables = {}
        for name in TABLES:  # Spark writes every event, flagged ones marked
            rows = [r for chunk in iter_rows(store, name, Filters(include_flagged=True))
                    for r in chunk]
            tables[name] = _rows(pa.Table.from_pylist(rows, schema=table_schema(name)))
    return tables


@pytest.mark.model
def test_parquet_tables_equal_the_store_export(spark, inputs, store_export, tmp_path):
    import pyarrow.parquet as pq

    from eventwire.runners.spark import TABLES, run_spark
    from eventwire.settings import Settings
    from eventwire.store.table_files import table_schema

    out = tmp_path / "out"
    summary = run_spark(str(inputs), out, Settings(), partitions=2)
    # 4 distinct JSONL articles + the broken line + the txt + the WARC page + the pair
    assert summary["articles"] == 9
    assert summary["duplicates"] == 1
    assert summary["rejected"] == 1 and summary["bad"] == 1
    assert summary["ok"] == 8
    assert summary["near_duplicates"] == 1
    for table in TABLES:
        got = pq.read_table(out / table)
        schema = table_schema(table)
        assert [(f.name, f.type) for f in got.schema] == [(f.name, f.type) for f in schema], table
        assert _rows(got) == store_export[table], table
    articles = pq.read_table(out / "articles").to_pylist()
    broken = [a for a in articles if a["outcome"] == "rejected"]
    assert broken[0]["source"] == f"{inputs / 'news.jsonl'}:3"
    assert "line 3" in broken[0]["reason"]
    assert any(a["source"] == str(inputs / "taiz.txt") for a in articles)
    assert any(a["url"] == "https://example.org/talks" for a in articles)
    # The republished copy links to the wire story read first, and has no facts.
    by_source = {a["source"]: a for a in articles}
    wire, copy = (by_source[str(inputs / name)] for name in NEAR_PAIR)
    assert wire["duplicate_of"] is None and wire["n_events"] > 0
    assert copy["duplicate_of"] == wire["article_id"]
    assert 0.85 <= copy["similarity"] < 1.0
    assert copy["n_actors"] == copy["n_quotes"] == copy["n_events"] == 0
    for table in ("actors", "quotes", "events", "dates"):
        ids = set(pq.read_table(out / table, columns=["article_id"]).column(0).to_pylist())
        assert copy["article_id"] not in ids, table
    assert wire["article_id"] in set(
        pq.read_table(out / "actors", columns=["article_id"]).column(0).to_pylist())


def test_missing_input_is_a_clear_error(tmp_path):
    from eventwire.runners.spark import SparkInputError, expand_input

    with pytest.raises(SparkInputError, match="no input matches"):
        expand_input(str(tmp_path / "nothing-*.jsonl"))


def test_inputs_are_split_by_format(tmp_path):
    from eventwire.runners.spark import expand_input

    (tmp_path / "sub").mkdir()
    for name in ("b.jsonl", "a.txt", "sub/c.warc.gz", "sub/d.ndjson"):
        (tmp_path / name).write_text("x")
    jsonl, files = expand_input(f"{tmp_path}, {tmp_path / 'a.txt'}")
    assert jsonl == [str(tmp_path / "b.jsonl"), str(tmp_path / "sub/d.ndjson")]
    assert files == [str(tmp_path / "a.txt"), str(tmp_path / "sub/c.warc.gz"),
                     str(tmp_path / "a.txt")]


def test_spark_schema_follows_the_export_schema():
    from pyspark.sql import types as T

    from eventwire.runners.spark import spark_schema
    from eventwire.store.table_files import table_schema

    for table in ("articles", "events"):
        pa_schema = table_schema(table)
        st = spark_schema(pa_schema)
        assert [f.name for f in st.fields] == pa_schema.names
    events = spark_schema(table_schema("events"))
    assert isinstance(events["goldstein"].dataType, T.DoubleType)
    assert isinstance(events["negated"].dataType, T.BooleanType)


def test_inputs_keep_the_order_ingest_reads_them(tmp_path):
    from eventwire.ingest import _walk
    from eventwire.runners.spark import expand_ordered

    (tmp_path / "sub").mkdir()
    for name in ("b.jsonl", "a.txt", "c.html", "sub/d.ndjson", "sub/a.txt"):
        (tmp_path / name).write_text("x")
    assert expand_ordered(str(tmp_path)) == [str(p) for p in _walk(tmp_path)]
    assert expand_ordered(f"{tmp_path / 'c.html'},{tmp_path / 'b.jsonl'}") == [
        str(tmp_path / "c.html"), str(tmp_path / "b.jsonl")]




# -- near-copy decision: the store's policy on the same inputs ------------------------------

def _chain_texts() -> tuple[str, str, str]:
    """A≈B (3 words edited) and B≈C (3 other words edited), A≉C (six edits apart)."""
    rng = random.Random(5)
    words = [rng.choice(NATO_WORDS) + str(rng.randrange(50)) for _ in range(300)]

    def edit(ws, positions, tag):
        ws = list(ws)
        for p in positions:
            ws[p] = f"{tag}{p}"
        return ws

    b = edit(words, range(20, 300, 100), "b")
    c = edit(b, range(70, 300, 100), "c")
    return " ".join(words), " ".join(b), " ".join(c)


def _linking_inputs() -> list:
    """Records in input order that exercise the policy, named by their source: a chain
    (a≈b≈c, a≉c), a near-copy of two canonical articles closer to the later one (e_b of
    e_a, e_c), a story republished more times than a band bucket's head (w0 … w44), the
    same article again, unrelated stories, a rejected article and one linked upstream.
    Ids run against input order."""
    from eventwire.records import ArticleRecord, Outcome

    a, b, c = _chain_texts()
    e_a, e_c, e_b = earliest_or_most_similar()
    rng = random.Random(9)
    wire = [rng.choice(NATO_WORDS) for _ in range(400)]
    copies = [(f"w{n}", " ".join(wire[:i] + [f"edit{n}"] + wire[i + 1:]))
              for n, i in enumerate(rng.sample(range(400), 45))]
    named = [("a", a), ("e_a", e_a), ("b", b), *copies[:20], ("e_c", e_c), ("c", c),
             ("e_b", e_b), *copies[20:],
             *((f"other{k}", " ".join(rng.choice(NATO_WORDS) for _ in range(200)))
               for k in range(5))]
    records = [ArticleRecord(id=f"id-{len(named) - n:03d}", source=name, text=text)
               for n, (name, text) in enumerate(named)]
    return records + [records[0].with_(source="a again"),
                      ArticleRecord(id="id-bad", source="bad", text="",
                                    outcome=Outcome("rejected", "empty")),
                      ArticleRecord(id="id-up", source="up", text=a, duplicate_of="id-x")]


def test_store_and_spark_link_the_same_inputs_the_same_way(spark, tmp_path):
    from eventwire import dedup
    from eventwire.runners.spark import _verified_pairs, link_near_copies
    from eventwire.settings import Settings
    from eventwire.store import open_store
    from eventwire.store.reads import iter_rows

    settings = Settings.load(env={})
    records = _linking_inputs()
    with open_store(f"sqlite:///{tmp_path / 'links.db'}", settings) as store:
        store.batch_articles = 7  # links cross commits
        store.write(dedup.link_near_duplicates(records, store.near_duplicate_index()))
        stored = {r["article_id"]: (r["duplicate_of"], r["similarity"])
                  for chunk in iter_rows(store, "articles") for r in chunk}
    in_store = {i: link for i, link in stored.items() if link[1] is not None}

    items = []  # what the executors hand over: one item per id, in input order
    for n, rec in enumerate(records):
        if all(rec.id != it[0].id for it in items):
            mh = dedup.signature(rec.text) if rec.ok else None
            items.append((rec, (0, "", n), dedup.to_bytes(mh) if mh is not None else None))
    links = link_near_copies(
        _verified_pairs(spark.sparkContext.parallelize(items, 4), settings.near_dup_threshold),
        settings.near_dup_threshold)

    assert {i: (link.canonical, link.similarity) for i, link in links.items()} == in_store
    # what the policy decided, spelled out
    ids = {rec.source: rec.id for rec in records}
    canonical = {ids[k]: v[0] for k, v in ((k, in_store.get(ids[k])) for k in ids) if v}
    assert canonical[ids["b"]] == ids["a"] and ids["c"] not in canonical
    assert canonical[ids["e_b"]] == ids["e_a"]           # the earliest, not the closest
    assert {canonical[ids[f"w{n}"]] for n in range(1, 45)} == {ids["w0"]}
    assert len(in_store) == 1 + 1 + 44
    assert stored["id-up"] == ("id-x", None)


def test_link_near_copies_is_the_store_policy_on_pairs():
    from eventwire.dedup import Link
    from eventwire.runners.spark import link_near_copies

    pairs = [(1, "x", 4, "z", 0.9), (2, "y", 4, "z", 0.95),    # the earliest wins
             (5, "v", 6, "u", 0.86), (6, "u", 7, "t", 0.99),   # t's match u is linked
             (2, "y", 8, "s", 0.5)]                            # below the threshold
    assert link_near_copies(pairs, 0.85) == {"z": Link("x", 0.9), "u": Link("v", 0.86)}
    # Orientation comes from the orders, not the position in the tuple.
    assert link_near_copies([(4, "z", 1, "x", 0.9)], 0.85) == {"z": Link("x", 0.9)}


def test_bands_find_every_pair_at_the_threshold():
    from eventwire import dedup
    from eventwire.dedup import band_params
    from eventwire.runners.spark import band_keys

    bands, rows = band_params(0.85)
    assert (bands, rows) == (20, 6)
    assert band_params(1.0) == (2, dedup.NUM_PERM // 2)
    base = dedup.signature(_chain_texts()[0])
    for other in signatures_at_threshold(base, 200, seed=11):
        assert set(band_keys(dedup.to_bytes(base), bands, rows)) & set(
            band_keys(dedup.to_bytes(other), bands, rows))
    # Unrelated texts share no band.
    far = dedup.signature(" ".join(reversed(_chain_texts()[0].split())))
    assert not set(band_keys(dedup.to_bytes(base), bands, rows)) & set(
        band_keys(dedup.to_bytes(far), bands, rows))


def test_big_bucket_pairs_grow_linearly():
    from eventwire.runners.spark import bucket_pairs

    members = [((0, "", n), f"id{n:05d}") for n in range(2000)]
    random.Random(3).shuffle(members)
    pairs = list(bucket_pairs(members, head=8))
    assert len(pairs) == sum(min(j, 8) for j in range(2000))
    assert ("id00000", "id01999") in pairs           # everyone meets the first copy
    assert ("id00008", "id01999") not in pairs       # but not every other copy
    assert all(e < later for e, later in pairs)      # earlier first
    assert sorted(bucket_pairs(members[:3], head=8)) == sorted(
        bucket_pairs(members[:3], head=100))
