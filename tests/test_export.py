"""Exports: Parquet/CSV rows equal the store's rows, JSONL equals the records, filters.

Records 1, 3 and 5 of ``conftest.make_record`` have a hypothetical event ("flagged"),
which event rows leave out unless ``include_flagged``."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from conftest import ingest, make_record, make_rejected
from eventwire.store import reads
from eventwire.store.export import FORMATS, TABLES, export_store
from eventwire.store.reads import Filters
from eventwire.store.rows import event_rows
from eventwire.store.schema import articles, events
from eventwire.store.table_files import table_schema

ALL = Filters(include_flagged=True)


@pytest.fixture
def filled(sqlite_store):
    recs = [make_record(i) for i in range(6)] + [make_rejected(0)]
    ingest(sqlite_store, recs)
    recs.append(make_record(0, text="ROME - " + recs[0].text))  # near-copy: no fact rows
    ingest(sqlite_store, recs[-1:])
    return sqlite_store, recs


def test_parquet_events_equal_the_store_rows(filled, tmp_path):
    store, recs = filled
    out = tmp_path / "events.parquet"
    assert export_store(store, "parquet", out, filters=ALL) == 6
    table = pq.read_table(out)
    assert table.schema.equals(table_schema("events"))
    with store.engine.connect() as conn:
        stored = [dict(r) for r in conn.execute(
            select(events, articles.c.published).join(articles)
            .order_by(articles.c.published, events.c.article_id, events.c.idx)).mappings()]
    for row in stored:
        row["published"] = dt.date.fromisoformat(row["published"])
        row["flagged"] = row["negated"] or row["hypothetical"]
    assert table.to_pylist() == [{k: row[k] for k in table.schema.names} for row in stored]
    # by default the flagged (hypothetical) events of records 1, 3, 5 stay out
    assert export_store(store, "parquet", out) == 3
    assert pq.read_table(out).to_pylist() == [
        {k: row[k] for k in table.schema.names} for row in stored if not row["flagged"]]


def test_parquet_rows_match_the_row_builder_used_by_spark(filled, tmp_path):
    store, recs = filled
    export_store(store, "parquet", tmp_path / "e.parquet", filters=ALL)
    rows = pq.read_table(tmp_path / "e.parquet").to_pylist()
    got = {(r["article_id"], r["idx"]): r for r in rows}
    for rec in recs[:6]:
        for row in event_rows(rec):
            exported = got[(rec.id, row["idx"])]
            assert {k: exported[k] for k in row} == row
            assert exported["published"] == rec.published
            assert exported["flagged"] == reads.row_is_flagged(row)


@pytest.mark.parametrize("table", TABLES)
def test_every_table_exports_with_its_schema(filled, tmp_path, table):
    store, _ = filled
    out = tmp_path / f"{table}.parquet"
    n = export_store(store, "parquet", out, table=table)
    read = pq.read_table(out)
    assert read.schema.equals(table_schema(table)) and read.num_rows == n
    assert read.schema.names[0] == "article_id"
    expected = {"events": 3, "quotes": 6, "actors": 18, "dates": 6, "articles": 8}[table]
    assert n == expected


def test_schema_types_are_explicit():
    s = table_schema("events")
    assert s.field("goldstein").type == pa.float64()
    assert s.field("negated").type == pa.bool_()
    assert s.field("start").type == pa.int64()
    assert s.field("published").type == pa.date32()
    assert s.field("source_country").type == pa.string()
    assert s.field("flagged").type == pa.bool_() and not s.field("flagged").nullable
    assert not s.field("article_id").nullable
    assert "record_json" not in table_schema("articles").names
    with pytest.raises(ValueError, match="unknown table"):
        table_schema("nope")


def test_csv_header_and_row_count(filled, tmp_path):
    store, _ = filled
    out = tmp_path / "quotes.csv"
    assert export_store(store, "csv", out, table="quotes") == 6
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == table_schema("quotes").names
    assert len(rows) == 7
    first = dict(zip(rows[0], rows[1]))
    assert first["kind"] == "direct" and first["speaker_name"] == "Ali Veli"
    assert first["published"] == "2021-02-01"


def test_csv_flags_and_nulls(filled, tmp_path):
    store, _ = filled
    out = tmp_path / "events.csv"
    export_store(store, "csv", out, filters=ALL)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["future"] for r in rows} == {"true"}
    assert {r["hypothetical"] for r in rows} == {"true", "false"}
    assert all(r["flagged"] == r["hypothetical"] for r in rows)
    assert {r["mode"] for r in rows} == {""}
    export_store(store, "csv", out)
    with open(out, newline="", encoding="utf-8") as fh:
        assert {r["flagged"] for r in csv.DictReader(fh)} == {"false"}


def test_jsonl_records_equal_to_dict(filled, tmp_path):
    store, recs = filled
    out = tmp_path / "all.jsonl"
    assert export_store(store, "jsonl", out, table="actors") == 8  # table is ignored
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_id = {d["id"]: d for d in lines}
    for rec in recs[:7]:
        assert by_id[rec.id] == rec.to_dict()
    assert by_id[recs[7].id]["duplicate_of"] == recs[0].id


def test_filters(filled, tmp_path):
    store, recs = filled

    def count(fmt="parquet", table="events", **filters):
        return export_store(store, fmt, tmp_path / f"f.{fmt}", table=table,
                            filters=Filters.parse(filters))

    assert count(country="TUR") == 2          # dyads 0 and 4: TUR → GRC
    assert count(country="grc") == 2          # target side counts too
    assert count(plover="ACCUSE") == 1        # records 1 (hypothetical) and 4
    assert count(plover="ACCUSE", include_flagged=True) == 2
    assert count(country="TUR", plover="ACCUSE") == 1
    assert count(since=dt.date(2021, 2, 2), until=dt.date(2021, 2, 3)) == 1
    assert count(since="2021-02-02", until="2021-02-03", include_flagged="true") == 2
    assert count(outcome="rejected") == 0
    assert count(table="articles", outcome="rejected") == 1
    assert count(table="actors", country="TUR") == 4   # Turkey + the spokesman, twice
    assert count(table="quotes", country="USA") == 2   # speaker country: records 1 and 5
    assert count(table="dates", plover="REQUEST") == 1  # records 2 and 5 (hypothetical)
    assert count("jsonl", country="USA") == 0           # USA's events are all hypothetical
    assert count("jsonl", country="USA", include_flagged=True) == 2
    assert count("csv", plover="CONSULT") == 1
    with pytest.raises(ValueError, match="unknown filters: colour"):
        count(colour="red")


def test_kind_filter(filled, tmp_path):
    from dataclasses import replace

    store, recs = filled
    rec = make_record(6)
    store.write([replace(rec, quotes=tuple(replace(q, kind="document") for q in rec.quotes))])

    def count(fmt="parquet", table="quotes", **filters):
        return export_store(store, fmt, tmp_path / f"f.{fmt}", table=table,
                            filters=Filters.parse(filters))

    assert count(kind="direct") == 6
    assert count(kind="document") == 1     # the longest kind name fits the kind column
    assert count(kind="belief") == 0
    assert count(table="events", kind="document") == 1   # articles holding such a quote
    assert count("jsonl", kind="document") == 1
    with pytest.raises(ValueError, match="kind must be one of"):
        count(kind="rumour")


def test_dash_writes_to_stdout(filled, capsys):
    store, _ = filled
    assert export_store(store, "csv", "-", table="dates") == 6
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("article_id,idx,published,text")
    assert export_store(store, "jsonl", "-", filters=Filters(outcome="rejected")) == 1
    assert json.loads(capsys.readouterr().out)["outcome"]["status"] == "rejected"
    with pytest.raises(ValueError, match="stdout"):
        export_store(store, "parquet", "-")


def test_empty_export_is_a_valid_file(sqlite_store, tmp_path):
    out = tmp_path / "none.parquet"
    assert export_store(sqlite_store, "parquet", out) == 0
    assert pq.read_table(out).num_rows == 0
    assert export_store(sqlite_store, "csv", tmp_path / "none.csv") == 0
    assert (tmp_path / "none.csv").read_text().count("\n") == 1


def test_export_streams_in_chunks(filled, tmp_path, monkeypatch):
    monkeypatch.setattr(reads, "CHUNK_ROWS", 4)
    seen = []
    real = reads.iter_rows

    def spy(*args, **kwargs):
        for chunk in real(*args, **kwargs):
            seen.append(len(chunk))
            yield chunk

    monkeypatch.setattr(reads, "iter_rows", spy)
    store, _ = filled
    assert export_store(store, "parquet", tmp_path / "a.parquet", table="actors") == 18
    assert seen and max(seen) <= 4 and sum(seen) == 18
    assert pq.ParquetFile(tmp_path / "a.parquet").num_row_groups == len(seen)


def test_unknown_format_is_refused(filled, tmp_path):
    store, _ = filled
    assert "parquet" in FORMATS
    with pytest.raises(ValueError, match="unknown export format"):
        export_store(store, "xlsx", tmp_path / "x")


def test_stdout_csv_is_parsable(filled, capsys):
    store, _ = filled
    export_store(store, "csv", "-", table="events", filters=Filters(plover="REQUEST"))
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["plover"] for r in rows] == ["REQUEST"]  # records 2 and 5 (hypothetical)
