"""Spark runner on a real local[2] session: Parquet tables equal the in-process pipeline's rows."""
from __future__ import annotations

import importlib.util
import json
import shutil

import pytest

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
    return folder


def _rows(table):
    return sorted(({k: v for k, v in row.items() if k not in IGNORED}
                   for row in table.to_pylist()),
                  key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _expected(folder, table_name):
    """Rows of ``table_name`` from the in-process pipeline, as export would type them."""
    import pyarrow as pa

    from eventwire.ingest import read_paths
    from eventwire.pipeline import process
    from eventwire.runners.spark import table_rows
    from eventwire.settings import Settings
    from eventwire.store.export import table_schema

    seen, rows = set(), []
    for rec in process(read_paths([str(folder)], Settings()), Settings()):
        if rec.id in seen:
            continue
        seen.add(rec.id)
        rows.extend(table_rows(rec, table_name, ingested_at="-"))
    return _rows(pa.Table.from_pylist(rows, schema=table_schema(table_name)))


@pytest.mark.model
def test_parquet_tables_equal_the_in_process_rows(spark, inputs, tmp_path):
    import pyarrow.parquet as pq

    from eventwire.runners.spark import TABLES, run_spark
    from eventwire.settings import Settings
    from eventwire.store.export import table_schema

    out = tmp_path / "out"
    summary = run_spark(str(inputs), out, Settings(), partitions=2)
    # 4 distinct JSONL articles + the broken line + the txt + the WARC page
    assert summary["articles"] == 7
    assert summary["duplicates"] == 1
    assert summary["rejected"] == 1 and summary["bad"] == 1
    assert summary["ok"] == 6
    for table in TABLES:
        got = pq.read_table(out / table)
        schema = table_schema(table)
        assert [(f.name, f.type) for f in got.schema] == [(f.name, f.type) for f in schema], table
        assert _rows(got) == _expected(inputs, table), table
    articles = pq.read_table(out / "articles").to_pylist()
    broken = [a for a in articles if a["outcome"] == "rejected"]
    assert broken[0]["source"] == f"{inputs / 'news.jsonl'}:3"
    assert "line 3" in broken[0]["reason"]
    assert any(a["source"] == str(inputs / "taiz.txt") for a in articles)
    assert any(a["url"] == "https://example.org/talks" for a in articles)
    events_or_actors = pq.read_table(out / "actors").num_rows
    assert events_or_actors > 0


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
    from eventwire.store.export import table_schema

    for table in ("articles", "events"):
        pa_schema = table_schema(table)
        st = spark_schema(pa_schema)
        assert [f.name for f in st.fields] == pa_schema.names
    events = spark_schema(table_schema("events"))
    assert isinstance(events["goldstein"].dataType, T.DoubleType)
    assert isinstance(events["negated"].dataType, T.BooleanType)
