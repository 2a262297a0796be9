"""The SQLite store: writing, idempotence, near-duplicates, atomicity, reads, schema."""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from conftest import (check_v1_store_migrates, check_v2_store_migrates, check_v3_store_migrates,
                      earliest_or_most_similar, ingest, make_record, make_rejected)
from eventwire.records import Actor, ArticleRecord, Outcome, Quote
from eventwire.store import StoreError, open_store
from eventwire.store import migrations, sqlstore
from eventwire.store.reads import Filters
from eventwire.store.schema import SCHEMA_VERSION, actors, articles, dates, events, quotes

TABLES = (articles, actors, quotes, events, dates)


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in TABLES}


def facts_of(store, article_id: str) -> int:
    with store.engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)
                                .where(t.c.article_id == article_id)).scalar()
                   for t in (actors, quotes, events, dates))


# -- opening ----------------------------------------------------------------------------

def test_open_accepts_plain_path_and_sets_pragmas(tmp_path, store_settings):
    store = open_store(str(tmp_path / "plain.db"), store_settings)
    assert store.dialect == "sqlite"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.close()
    assert (tmp_path / "plain.db").exists()


def test_open_without_create_needs_an_existing_store(tmp_path, store_settings):
    with pytest.raises(StoreError, match="run `eventwire ingest` first"):
        open_store(f"sqlite:///{tmp_path / 'missing.db'}", store_settings, create=False)
    assert not (tmp_path / "missing.db").exists()


def test_open_errors_say_what_to_do(tmp_path, store_settings):
    with pytest.raises(StoreError, match="does not exist"):
        open_store(str(tmp_path / "no" / "such" / "x.db"), store_settings)
    with pytest.raises(StoreError, match="unsupported store URL"):
        open_store("mysql://localhost/x", store_settings)
    not_a_db = tmp_path / "junk.db"
    not_a_db.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(StoreError, match="cannot open .* — is the folder writable"):
        open_store(str(not_a_db), store_settings)


def test_open_uses_settings_db_when_url_is_none(tmp_path, store_settings):
    settings = store_settings.with_(db=f"sqlite:///{tmp_path / 'from_settings.db'}")
    open_store(None, settings).close()
    assert (tmp_path / "from_settings.db").exists()


def test_opening_and_reading_beside_a_writer_needs_no_write_lock(tmp_path, store_settings):
    url = str(tmp_path / "busy.db")
    rec = make_record(0)
    with open_store(url, store_settings) as writer:
        writer.write([rec])
        with writer.engine.connect() as conn:
            conn = conn.execution_options(eventwire_write=True)
            with conn.begin():
                conn.execute(dates.delete())  # holds the write lock, never committed
                started = time.monotonic()
                with open_store(url, store_settings, create=False) as reader:
                    assert reader.get(rec.id) == rec
                    assert reader.stats()["articles"] == 1
                assert time.monotonic() - started < 5
                conn.rollback()


def _open_at_once(url: str, settings, barrier, errors) -> None:
    barrier.wait()
    try:
        open_store(url, settings).close()
    except StoreError as e:
        errors.put(str(e))


def test_processes_creating_one_new_store_at_once_all_open_it(tmp_path, store_settings):
    # Both `ingest` runs of a concurrent pair open a store that does not exist yet; the
    # conversion of the new file to WAL used to fail one of them with "database is locked".
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    for round_ in range(40):
        url = f"sqlite:///{tmp_path / f'new{round_}.db'}"
        barrier = ctx.Barrier(4)
        procs = [ctx.Process(target=_open_at_once, args=(url, store_settings, barrier, errors))
                 for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        assert errors.empty(), errors.get()
        with open_store(url, store_settings, create=False) as store:
            assert store.stats()["articles"] == 0


def test_newer_schema_is_refused(tmp_path, store_settings):
    url = f"sqlite:///{tmp_path / 'v.db'}"
    store = open_store(url, store_settings)
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (:v, 'later')"),
                     {"v": SCHEMA_VERSION + 1})
    store.close()
    with pytest.raises(StoreError, match="upgrade eventwire"):
        open_store(url, store_settings)


def test_current_schema_opens_without_migrating(sqlite_store):
    with sqlite_store.engine.begin() as conn:
        assert migrations.migrate(conn) == SCHEMA_VERSION
        versions = [v for (v,) in conn.execute(text("SELECT version FROM schema_version"))]
    assert versions == [SCHEMA_VERSION]


def test_migrations_run_in_order_and_are_recorded(sqlite_store):
    ran: list[int] = []
    steps = {SCHEMA_VERSION: lambda conn: ran.append(SCHEMA_VERSION),
             SCHEMA_VERSION + 1: lambda conn: ran.append(SCHEMA_VERSION + 1)}
    with sqlite_store.engine.begin() as conn:
        assert migrations.migrate(conn, SCHEMA_VERSION + 2, steps) == SCHEMA_VERSION
        assert migrations.current_version(conn) == SCHEMA_VERSION + 2
    assert ran == [SCHEMA_VERSION, SCHEMA_VERSION + 1]


def test_missing_migration_step_is_an_error(sqlite_store):
    with sqlite_store.engine.begin() as conn:
        with pytest.raises(migrations.SchemaError, match="no migration"):
            migrations.migrate(conn, SCHEMA_VERSION + 1, {})


def test_v1_store_gains_quote_parts(tmp_path, store_settings):
    check_v1_store_migrates(f"sqlite:///{tmp_path / 'v1.db'}", store_settings)


def test_v2_store_gains_the_state_tables(tmp_path, store_settings):
    check_v2_store_migrates(f"sqlite:///{tmp_path / 'v2.db'}", store_settings)


def test_v3_store_gains_actor_codes(tmp_path, store_settings):
    check_v3_store_migrates(f"sqlite:///{tmp_path / 'v3.db'}", store_settings)


# -- writing ----------------------------------------------------------------------------

def test_round_trip_get_equals_original(sqlite_store):
    recs = [make_record(i) for i in range(4)] + [make_rejected(0)]
    result = sqlite_store.write(recs)
    assert (result.stored, result.rejected) == (4, 1)
    for rec in recs:
        assert sqlite_store.get(rec.id) == rec
    assert sqlite_store.get("0000000000000000") is None
    assert counts(sqlite_store) == {"articles": 5, "actors": 12, "quotes": 4, "events": 4,
                                    "dates": 4}
    assert sqlite_store.integrity_check() == []


def test_rewriting_the_same_records_changes_nothing(sqlite_store):
    recs = [make_record(i) for i in range(3)] + [make_rejected(1)]
    sqlite_store.write(recs)
    before = counts(sqlite_store)
    again = sqlite_store.write(recs)
    assert again.unchanged == 4 and again.total == 4
    assert counts(sqlite_store) == before
    assert "4 unchanged" in again.describe()


def test_exact_duplicate_in_one_batch_is_unchanged(sqlite_store):
    rec = make_record(1)
    result = sqlite_store.write([rec, rec.with_(source="elsewhere.txt")])
    assert (result.stored, result.unchanged) == (1, 1)
    assert sqlite_store.get(rec.id).source == rec.source


def test_near_copy_is_linked_not_stored_twice(sqlite_store):
    orig = make_record(2)
    copy = make_record(2, text="GENEVA (Wire) - " + orig.text + " Editing by the desk.")
    assert copy.id != orig.id
    first = ingest(sqlite_store, [orig])
    result = ingest(sqlite_store, [copy, make_record(3)])
    assert (first.stored, result.stored, result.near_duplicates) == (1, 1, 1)
    got = sqlite_store.get(copy.id)
    assert got.duplicate_of == orig.id and got.events == () and got.actors == ()
    assert facts_of(sqlite_store, copy.id) == 0
    with sqlite_store.engine.connect() as conn:
        sim = conn.execute(select(articles.c.similarity).where(articles.c.id == copy.id)).scalar()
    assert sim >= 0.85
    assert sqlite_store.stats()["near_duplicates"] == 1
    assert sqlite_store.integrity_check() == []


def test_write_without_the_link_step_stores_records_as_given(sqlite_store):
    orig = make_record(2)
    copy = make_record(2, text="GENEVA (Wire) - " + orig.text)
    assert sqlite_store.write([orig, copy]).stored == 2  # the store decides no links
    later = make_record(2, text=orig.text + " Updated.")
    # ... but what it stored joins the index the link step uses
    result = ingest(sqlite_store, [later])
    assert result.near_duplicates == 1 and sqlite_store.get(later.id).duplicate_of == orig.id


def test_near_copies_in_one_batch_link_to_the_story_seen_first(tmp_path, store_settings):
    orig = make_record(2)
    copy = make_record(2, text="GENEVA (Wire) - " + orig.text)
    for name, (first, later) in (("a", (orig, copy)), ("b", (copy, orig))):
        with open_store(str(tmp_path / f"{name}.db"), store_settings) as store:
            assert ingest(store, [first, later]).near_duplicates == 1
            assert store.get(later.id).duplicate_of == first.id
            assert store.get(first.id) == first


def test_near_copy_is_linked_across_store_instances(tmp_path, store_settings):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    orig = make_record(4)
    with open_store(url, store_settings) as first:
        ingest(first, [orig])
    copy = make_record(4, text=orig.text + " This story was updated.")
    with open_store(url, store_settings) as second:
        result = ingest(second, [copy])
        assert result.near_duplicates == 1
        assert second.get(copy.id).duplicate_of == orig.id


def test_link_goes_to_the_earliest_canonical_not_the_most_similar(tmp_path, store_settings):
    """b is a near-copy of a and of c (closer to c); a≉c. b links to whichever became
    canonical first: a stored before the run, else the earlier in input order; ids run
    against input order, so a rule by id would decide otherwise."""
    a, c, b = earliest_or_most_similar()
    rec = {k: ArticleRecord(id=i, source=f"{k}.txt", text=t)
           for k, i, t in (("a", "id-9", a), ("c", "id-5", c), ("b", "id-1", b))}
    url = str(tmp_path / "order.db")
    with open_store(url, store_settings) as store:
        store.batch_articles = 1  # every article its own commit: batches do not matter
        result = ingest(store, [rec["a"], rec["c"], rec["b"]])
        assert (result.stored, result.near_duplicates) == (2, 1)
        assert store.get("id-1").duplicate_of == "id-9"
    url = str(tmp_path / "stored-first.db")
    with open_store(url, store_settings) as store:
        ingest(store, [rec["a"]])
    with open_store(url, store_settings) as store:  # the index comes from the stored rows
        ingest(store, [rec["c"], rec["b"]])
        assert store.get("id-1").duplicate_of == "id-9"
    url = str(tmp_path / "c-first.db")
    with open_store(url, store_settings) as store:
        ingest(store, [rec["c"], rec["a"], rec["b"]])
        assert store.get("id-1").duplicate_of == "id-5"


def test_distinct_articles_are_not_linked(sqlite_store):
    result = ingest(sqlite_store, [make_record(i) for i in range(12)])
    assert (result.stored, result.near_duplicates) == (12, 0)


def test_threshold_comes_from_settings(tmp_path, store_settings):
    orig = make_record(5, filler_words=30)
    edited = make_record(5, filler_words=30, text=orig.text + " An extra closing clause here.")
    strict = store_settings.with_(near_dup_threshold=0.99)
    with open_store(str(tmp_path / "strict.db"), strict) as s:
        assert ingest(s, [orig, edited]).near_duplicates == 0
    with open_store(str(tmp_path / "loose.db"), store_settings.with_(near_dup_threshold=0.5)) as s:
        assert ingest(s, [orig, edited]).near_duplicates == 1


def test_a_canonical_article_that_cannot_be_stored_leaves_the_index(sqlite_store, monkeypatch):
    orig = make_record(2)
    bad = orig.with_(actors=orig.actors + (Actor("a1", "Again", "person"),))  # twin actor id
    assert ingest(sqlite_store, [bad]).failed == 1
    assert bad.id not in sqlite_store.near_duplicate_index()
    copy = make_record(2, text="GENEVA (Wire) - " + orig.text)
    assert ingest(sqlite_store, [copy]).stored == 1  # not linked to the failed article


def test_rejected_outcome_is_stored_then_replaced_by_ok(sqlite_store):
    ok = make_record(6)
    timed_out = ok.with_(outcome=Outcome("rejected", "timeout: analysis took over 60 s"),
                         actors=(), quotes=(), events=(), dates=())
    assert sqlite_store.write([timed_out]).rejected == 1
    stored = sqlite_store.get(ok.id)
    assert stored.outcome.reason.startswith("timeout") and facts_of(sqlite_store, ok.id) == 0
    assert sqlite_store.write([timed_out]).unchanged == 1
    result = sqlite_store.write([ok])
    assert result.stored == 1
    assert sqlite_store.get(ok.id) == ok
    assert facts_of(sqlite_store, ok.id) == 6  # 3 actors, a quote, an event, a date
    # an ok article is never downgraded by a later bad run
    assert sqlite_store.write([timed_out]).unchanged == 1
    assert sqlite_store.get(ok.id).ok
    assert sqlite_store.integrity_check() == []


def test_new_reason_for_a_failed_article_replaces_the_old(sqlite_store):
    rec = make_record(7, outcome=Outcome("failed", "ValueError: one"), actors=(), quotes=(),
                      events=(), dates=())
    sqlite_store.write([rec])
    result = sqlite_store.write([rec.with_(outcome=Outcome("failed", "ValueError: two"))])
    assert result.failed == 1
    assert sqlite_store.get(rec.id).outcome.reason == "ValueError: two"
    assert counts(sqlite_store)["articles"] == 1


def test_article_whose_rows_fail_is_rolled_back_whole_and_batch_goes_on(sqlite_store,
                                                                        monkeypatch):
    recs = [make_record(i) for i in range(3)]
    bad = recs[1]
    real = sqlstore.fts.index_article

    def explode(conn, dialect, article_id, *args):
        real(conn, dialect, article_id, *args)
        if article_id == bad.id:  # after the article, facts and FTS rows were written
            raise RuntimeError("disk gremlin")
        return None

    monkeypatch.setattr(sqlstore.fts, "index_article", explode)
    result = sqlite_store.write(recs)
    assert (result.stored, result.failed, result.store_errors) == (2, 1, [bad.id])
    assert facts_of(sqlite_store, bad.id) == 0
    got = sqlite_store.get(bad.id)
    assert got.outcome.status == "failed"
    assert got.outcome.reason == "store error: RuntimeError: disk gremlin"
    assert got.text == bad.text
    assert sqlite_store.search("gremlin") == []
    assert sqlite_store.integrity_check() == []
    monkeypatch.setattr(sqlstore.fts, "index_article", real)
    assert sqlite_store.write([bad]).stored == 1  # after the fix, re-ingest replaces it
    assert sqlite_store.get(bad.id) == bad


def test_integrity_error_inside_an_article_fails_only_that_article(sqlite_store):
    good = make_record(8)
    twin_ids = make_record(9)
    twin_ids = twin_ids.with_(actors=twin_ids.actors + (Actor("a1", "Again", "person"),))
    result = sqlite_store.write([twin_ids, good])
    assert (result.stored, result.failed) == (1, 1)
    assert "IntegrityError" in sqlite_store.get(twin_ids.id).outcome.reason
    assert facts_of(sqlite_store, twin_ids.id) == 0
    assert sqlite_store.get(good.id) == good


def test_database_error_raises_after_committing_earlier_batches(tmp_path, store_settings,
                                                                monkeypatch):
    url = str(tmp_path / "x.db")
    store = open_store(url, store_settings)
    store.batch_articles = 2
    recs = [make_record(i) for i in range(5)]
    real = store._store_one

    def locked(conn, item, added):
        if item.record.id == recs[3].id:
            raise OperationalError("INSERT …", {}, Exception("database is locked"))
        return real(conn, item, added)

    monkeypatch.setattr(store, "_store_one", locked)
    with pytest.raises(StoreError, match="database is locked — earlier batches were committed"):
        store.write(recs)
    store.close()
    with open_store(url, store_settings) as again:
        assert [r.id for r in again.records()] == sorted(
            [recs[0].id, recs[1].id], key=lambda i: (again.get(i).published, i))
        assert again.integrity_check() == []


def test_interrupted_producer_keeps_what_it_produced(sqlite_store):
    recs = [make_record(i) for i in range(3)]

    def producer():
        yield from recs
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sqlite_store.write(producer())
    assert {r.id for r in sqlite_store.records()} == {r.id for r in recs}
    assert sqlite_store.integrity_check() == []


_KILL_CHILD = """
import sys, time
from conftest import make_record
from eventwire.settings import Settings
from eventwire.store import open_store
store = open_store(sys.argv[1], Settings.load(env={}))
store.batch_articles = 3
def slow():
    for i in range(10_000):
        time.sleep(0.01)
        yield make_record(i)
store.write(slow())
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_ingest_leaves_a_consistent_store(tmp_path, store_settings, sig):
    db = tmp_path / "killed.db"
    open_store(str(db), store_settings).close()
    # the child imports this tree's eventwire (not whichever one the venv installed)
    here = Path(__file__).resolve().parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(here), str(here.parent / "src")]))
    child = subprocess.Popen([sys.executable, "-c", _KILL_CHILD, str(db)], env=env)
    try:
        deadline = time.monotonic() + 60
        with open_store(str(db), store_settings) as watcher:
            while counts(watcher)["articles"] < 9 and time.monotonic() < deadline:
                assert child.poll() is None, "writer exited early"
                time.sleep(0.1)
    finally:
        child.send_signal(sig)
        child.wait()
    assert child.returncode == -sig
    with open_store(str(db), store_settings) as store:
        n = counts(store)
        assert n["articles"] >= 9
        assert n["events"] == n["articles"] and n["actors"] == 3 * n["articles"]
        assert store.integrity_check() == []
        assert store.write([make_record(0)]).unchanged == 1


# -- reading ----------------------------------------------------------------------------

def test_records_filters_and_paging(sqlite_store):
    recs = [make_record(i) for i in range(8)] + [make_rejected(0)]
    sqlite_store.write(recs)

    def ids(**filters):
        return {r.id for r in sqlite_store.records(Filters.parse(filters))}

    assert len(list(sqlite_store.records())) == 9
    assert len(ids(outcome="rejected")) == 1
    assert ids(country="tur") == {recs[0].id, recs[4].id}  # dyad 0: TUR → GRC
    assert ids(country="GRC") == {recs[0].id, recs[4].id}
    # ACCUSE: records 1, 4, 7; 1 and 7 are hypothetical, so only counted when asked
    assert ids(plover="accuse") == {recs[4].id}
    assert ids(plover="accuse", include_flagged=True) == {recs[1].id, recs[4].id, recs[7].id}
    assert ids(country="TUR", plover="ACCUSE") == {recs[4].id}
    window = list(sqlite_store.records(Filters.parse(since=dt.date(2021, 2, 3),
                                                     until="2021-02-05")))
    assert [r.published.day for r in window] == [3, 4, 5]
    ordered = [r.id for r in sqlite_store.records()]
    assert [r.id for r in sqlite_store.records(limit=3, offset=2)] == ordered[2:5]
    # whole records: a record keeps its hypothetical event
    assert sqlite_store.get(recs[1].id).events[0].modality.hypothetical


def test_stats(sqlite_store):
    sqlite_store.write([make_record(i) for i in range(4)] + [make_rejected(0)])
    s = sqlite_store.stats()
    assert s["articles"] == 5
    assert s["outcomes"] == {"ok": 4, "rejected": 1, "failed": 0}
    assert s["near_duplicates"] == 0
    # records 1 and 3 have hypothetical events: out of the event counts by default
    assert (s["events"], s["flagged_events"], s["include_flagged"]) == (2, 2, False)
    assert s["countries"] == {"FRA": 1, "TUR": 1}
    assert s["actor_countries"]["TUR"] == 2
    assert s["event_types"] == {"CONSULT": 1, "REQUEST": 1}
    assert s["quote_kinds"] == {"direct": 4}
    every = sqlite_store.stats(Filters(include_flagged=True))
    assert (every["events"], every["flagged_events"], every["include_flagged"]) == (4, 2, True)
    assert every["countries"] == {"FRA": 1, "IND": 1, "TUR": 1, "USA": 1}
    assert every["event_types"] == {"CONSULT": 2, "ACCUSE": 1, "REQUEST": 1}


def test_search_finds_text_and_quotes_and_is_injection_safe(sqlite_store):
    rec = make_record(0)
    quoted = make_record(1)
    quoted = quoted.with_(quotes=(Quote("indirect", "zeppelins are welcome", (0, 6)),))
    sqlite_store.write([rec, quoted])
    ingest(sqlite_store, [make_record(0, text="GENEVA - " + rec.text)])
    hits = sqlite_store.search("Ankara")
    assert [h[0] for h in hits] == [rec.id]  # the near-copy is not a second hit
    assert "[Ankara]" in hits[0][1]
    assert sqlite_store.search("zeppelins") == [(quoted.id, "[zeppelins] are welcome")]
    assert {h[0] for h in sqlite_store.search("forever")} == {rec.id, quoted.id}
    assert sqlite_store.search("forever", limit=1, offset=1)[0][0] in {rec.id, quoted.id}
    for nasty in ['"', 'NEAR(a b', "title:*", "a AND OR NOT", "'; DROP TABLE articles; --",
                  "Ankara)"]:
        sqlite_store.search(nasty)
    assert sqlite_store.search("pressing")  # porter stemming: press
    assert sqlite_store.search("  ...  ") == []
    assert len(list(sqlite_store.records())) == 3


def test_integrity_check_reports_planted_problems(sqlite_store):
    rec = make_record(0)
    sqlite_store.write([rec])
    assert sqlite_store.integrity_check() == []
    raw = sqlite_store.engine.raw_connection()  # driver autocommit: PRAGMA takes effect
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys = OFF")
        cur.execute("DELETE FROM events WHERE article_id = ?", (rec.id,))
        cur.execute("INSERT INTO actors (article_id, actor_id, name, kind, sectors, n_mentions,"
                    " mentions_json) VALUES ('ffffffffffffffff', 'a1', 'Ghost', 'person', '',"
                    " 0, '[]')")
        cur.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()
    problems = sqlite_store.integrity_check()
    assert any(p.startswith("foreign key: actors") for p in problems)
    assert any("n_events disagrees" in p for p in problems)
    assert any("actors rows without an ok canonical article" in p for p in problems)
