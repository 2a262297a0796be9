"""The PostgreSQL store against a real server (``bash .ci/postgres.sh start``).

Runs when ``EVENTWIRE_TEST_PG_URL`` is set (CI sets it); each test gets its own schema.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, func, select, text

from conftest import (check_v1_store_migrates, check_v2_store_migrates, check_v3_store_migrates,
                      ingest, make_record,
                      make_rejected)
from eventwire.records import Outcome
from eventwire.store import StoreError, open_store
from eventwire.store.export import TABLES, export_store
from eventwire.store.reads import Filters
from eventwire.store.schema import actors, articles, dates, events, quotes

PG_URL = os.environ.get("EVENTWIRE_TEST_PG_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="EVENTWIRE_TEST_PG_URL is not set "
                                          "(start a server: bash .ci/postgres.sh start)"),
]


def _sa(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def pg_url():
    """A store URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"ew_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_sa(PG_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_store(pg_url, store_settings):
    store = open_store(pg_url, store_settings)
    yield store
    store.close()


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in (articles, actors, quotes, events, dates)}


def test_opens_in_its_own_schema_with_search_index(pg_store):
    assert pg_store.dialect == "postgresql"
    with pg_store.engine.connect() as conn:
        indexes = {r[0] for r in conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))}
    assert {"ix_articles_fts", "ix_quotes_fts"} <= indexes
    assert pg_store.integrity_check() == []


def test_v1_store_gains_quote_parts(pg_url, store_settings):
    check_v1_store_migrates(pg_url, store_settings)


def test_v2_store_gains_the_state_tables(pg_url, store_settings):
    check_v2_store_migrates(pg_url, store_settings)


def test_v3_store_gains_actor_codes(pg_url, store_settings):
    check_v3_store_migrates(pg_url, store_settings)


def test_connection_errors_say_what_to_do(store_settings):
    with pytest.raises(StoreError, match="cannot connect to postgresql://.* — is the server"):
        open_store("postgresql://nobody@127.0.0.1:1/none", store_settings)


def test_missing_store_without_create(pg_url, store_settings):
    with pytest.raises(StoreError, match="run `eventwire ingest` first"):
        open_store(pg_url, store_settings, create=False)


def test_round_trip_and_idempotent_rewrite(pg_store):
    recs = [make_record(i) for i in range(5)] + [make_rejected(0)]
    first = pg_store.write(recs)
    assert (first.stored, first.rejected) == (5, 1)
    for rec in recs:
        assert pg_store.get(rec.id) == rec
    before = counts(pg_store)
    again = pg_store.write(recs)
    assert again.unchanged == 6
    assert counts(pg_store) == before
    assert pg_store.integrity_check() == []


def test_rejected_then_ok_replaces_the_outcome(pg_store):
    ok = make_record(3)
    pg_store.write([ok.with_(outcome=Outcome("failed", "boom"), actors=(), quotes=(),
                             events=(), dates=())])
    assert pg_store.write([ok]).stored == 1
    assert pg_store.get(ok.id) == ok


def test_near_copy_is_linked_across_instances(pg_url, store_settings):
    orig = make_record(1)
    with open_store(pg_url, store_settings) as store:
        ingest(store, [orig])
    copy = make_record(1, text="MADRID - " + orig.text + " Updated with reaction.")
    with open_store(pg_url, store_settings) as store:
        assert ingest(store, [copy]).near_duplicates == 1
        got = store.get(copy.id)
        assert got.duplicate_of == orig.id and got.events == ()
        assert store.stats()["near_duplicates"] == 1


def test_long_date_values_fit(pg_store):
    rec = make_record(2)
    ev = rec.events[0]
    from dataclasses import replace

    from eventwire.records import EventDate

    longer = replace(ev, date=EventDate("at 10:30 on Monday", "2021-02-01T10:30", "time"))
    rec = rec.with_(events=(longer,))
    assert pg_store.write([rec]).stored == 1
    assert pg_store.get(rec.id) == rec


def test_export_parity_with_sqlite(pg_store, tmp_path, store_settings):
    recs = [make_record(i) for i in range(6)] + [make_rejected(1)]
    lite = open_store(str(tmp_path / "same.db"), store_settings)
    lite.write(recs)
    pg_store.write(recs)
    for table in TABLES:
        a = pq.read_table(export_store(lite, "parquet", tmp_path / "l.parquet", table=table)
                          and tmp_path / "l.parquet")
        b = pq.read_table(export_store(pg_store, "parquet", tmp_path / "p.parquet", table=table)
                          and tmp_path / "p.parquet")
        assert a.schema.equals(b.schema)
        drop = ["ingested_at"] if table == "articles" else []
        assert a.drop_columns(drop).to_pylist() == b.drop_columns(drop).to_pylist(), table
    assert (export_store(lite, "jsonl", tmp_path / "l.jsonl")
            == export_store(pg_store, "jsonl", tmp_path / "p.jsonl") == 7)
    assert (tmp_path / "l.jsonl").read_text() == (tmp_path / "p.jsonl").read_text()
    for f in (Filters(country="TUR"), Filters(plover="ACCUSE"),
              Filters.parse(since="2021-02-03")):
        assert (export_store(lite, "csv", tmp_path / "l.csv", filters=f)
                == export_store(pg_store, "csv", tmp_path / "p.csv", filters=f))
        assert (tmp_path / "l.csv").read_text() == (tmp_path / "p.csv").read_text()
    assert lite.stats() == pg_store.stats()
    lite.close()


def test_read_filters_mean_the_same_on_postgresql(pg_store, tmp_path, store_settings):
    from test_reads import FILTER_CASES, RECORDS, WINDOWS

    with open_store(str(tmp_path / "reads.db"), store_settings) as lite:
        for store in (lite, pg_store):
            ingest(store, RECORDS.values())
        cases = FILTER_CASES + [{"event_since": since, "event_until": until,
                                 "include_flagged": True} for since, until, _ in WINDOWS]
        for case in cases:
            f = Filters.parse(case)
            for table in TABLES:
                export_store(lite, "csv", tmp_path / "l.csv", table=table, filters=f)
                export_store(pg_store, "csv", tmp_path / "p.csv", table=table, filters=f)
                lite_csv, pg_csv = ((tmp_path / n).read_text() for n in ("l.csv", "p.csv"))
                if table == "articles":  # ingested_at differs between the two stores
                    lite_csv, pg_csv = (_without_column(c, "ingested_at")
                                        for c in (lite_csv, pg_csv))
                assert lite_csv == pg_csv, (case, table)
            assert lite.stats(f) == pg_store.stats(f), case


def _without_column(text: str, name: str) -> list[list[str]]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    i = rows[0].index(name)
    return [row[:i] + row[i + 1:] for row in rows]


def test_search(pg_store):
    rec, other = make_record(0), make_record(1)
    pg_store.write([rec, other])
    ingest(pg_store, [make_record(0, text="OSLO - " + rec.text)])
    hits = pg_store.search("Ankara")
    assert [h[0] for h in hits] == [rec.id]
    assert "[Ankara]" in hits[0][1]
    assert {h[0] for h in pg_store.search("forever")} == {rec.id, other.id}
    assert len(pg_store.search("forever", limit=1)) == 1
    assert pg_store.search("pressing")  # English stemming: press
    for nasty in ["'; DROP TABLE articles; --", "a & | ! (", '"', ":*"]:
        pg_store.search(nasty)
    assert pg_store.search("...") == []
    assert counts(pg_store)["articles"] == 3


_WRITER = """
import json, sys
from conftest import make_record
from eventwire.settings import Settings
from eventwire.store import open_store
url, order = sys.argv[1], sys.argv[2]
recs = [make_record(i) for i in range(40)]
if order == "reverse":
    recs.reverse()
store = open_store(url, Settings.load(env={}))
store.batch_articles = 5
result = store.write(recs)
store.close()
print(json.dumps({"stored": result.stored, "unchanged": result.unchanged,
                  "near": result.near_duplicates, "failed": result.failed}))
"""


@pytest.mark.parametrize("orders", [("forward", "forward"), ("forward", "reverse")])
def test_two_processes_writing_the_same_records(pg_url, store_settings, orders):
    # the child imports this tree's eventwire (not whichever one the venv installed)
    here = Path(__file__).resolve().parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(here), str(here.parent / "src")]))
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, pg_url, order], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for order in orders]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    results = [json.loads(out) for out, _ in outs]
    assert all(r["failed"] == 0 and r["near"] == 0 for r in results)
    assert sum(r["stored"] for r in results) == 40
    assert sum(r["unchanged"] for r in results) == 40
    with open_store(pg_url, store_settings, create=False) as store:
        n = counts(store)
        assert n == {"articles": 40, "actors": 120, "quotes": 40, "events": 40, "dates": 40}
        assert store.integrity_check() == []
        with store.engine.connect() as conn:
            versions = conn.execute(text("SELECT count(*) FROM schema_version")).scalar()
        assert versions == 1
