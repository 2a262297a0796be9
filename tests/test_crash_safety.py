"""Crash safety: ``eventwire ingest`` killed midway, then re-run; two ingests at once.

Real processes over a real store: a few hundred small generated articles (distinct
texts) are ingested by ``python -m eventwire.cli ingest --workers 1``. The first run is
SIGKILLed once the store holds some rows; a second run completes it. Then every input
article is stored exactly once (the set of stored ids is the set of input ids), the
store's own ``integrity_check`` finds nothing and SQLite's ``PRAGMA integrity_check`` says
ok. The same with two concurrent ingests of overlapping inputs into one store: both exit
0/1 without a traceback (one may wait for the other's write lock) and the store ends
complete and consistent. PostgreSQL runs too when ``EVENTWIRE_TEST_PG_URL`` is set.
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from eventwire.records import content_id
from eventwire.settings import Settings
from eventwire.store import open_store

PG_URL = os.environ.get("EVENTWIRE_TEST_PG_URL")
N_ARTICLES = 300

_PEOPLE = ["Anna Berg", "Omar Haddad", "Li Wei", "Maria Costa", "John Okafor", "Sara Novak",
           "Ivan Petrov", "Aiko Tanaka", "Carlos Ruiz", "Fatima Diallo", "Tom Walsh", "Eva Lind"]
_PLACES = ["Valdoria", "Norhaven", "Kestrel Bay", "Ostmark", "Port Selva", "Amberfield",
           "Greywater", "Lunde", "Marisol", "Tarvik", "Eastbridge", "Corvin"]
_TOPICS = ["the grain corridor", "the river treaty", "fishing rights", "the rail link",
           "the power grid", "customs checks", "the border crossing", "water sharing",
           "the refugee camps", "the airport expansion", "the mining licences", "tariffs"]
_VERBS = ["criticised", "praised", "questioned", "defended", "welcomed", "rejected"]
_FILLER = ("harbour budget convoy senate pipeline summit embassy delegation drought election "
           "court railway refinery protest ceasefire harvest currency fleet parliament "
           "satellite vaccine corridor coalition census bridge tunnel clinic school factory "
           "reservoir archive museum festival market highway village province island").split()


def make_articles(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct three-sentence English articles (written for this test)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        who, where, topic = rng.choice(_PEOPLE), rng.choice(_PLACES), rng.choice(_TOPICS)
        other, verb = rng.choice(_PLACES), rng.choice(_VERBS)
        words = " ".join(rng.sample(_FILLER, 8))
        out.append(f"{who}, a minister from {where}, said on Monday that talks on {topic} "
                   f"with {other} would resume in dispatch {i}. "
                   f"Officials in {other} {verb} the plan and asked for more time. "
                   f"The report also covered {words} and the {rng.randint(2, 999)} people "
                   f"who waited at the {rng.choice(_FILLER)}.")
    assert len(set(out)) == n
    return out


def write_jsonl(path: Path, texts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    return path


def ingest(paths: list[Path], db: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("EVENTWIRE_DB", None)
    return subprocess.Popen(
        [sys.executable, "-m", "eventwire.cli", "ingest", *map(str, paths), "--db", db,
         "--workers", "1"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 150) -> str:
    _, err = proc.communicate(timeout=timeout)
    assert "Traceback" not in err, err[-3000:]
    assert proc.returncode in (0, 1), (proc.returncode, err[-3000:])
    return err


class Backend:
    """A store URL plus a cheap row counter that works while a writer holds the store."""

    def __init__(self, url: str, dialect: str, sqlite_file: Path | None = None):
        self.url, self.dialect, self.sqlite_file = url, dialect, sqlite_file
        self._engine = None if dialect == "sqlite" else create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1))

    def count(self) -> int:
        try:
            if self.dialect == "sqlite":
                if not self.sqlite_file.exists():
                    return 0
                with sqlite3.connect(f"file:{self.sqlite_file}?mode=ro", uri=True,
                                     timeout=5) as conn:
                    return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            with self._engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM articles")).scalar()
        except Exception:  # noqa: BLE001 — the table does not exist yet
            return 0

    def check(self, expected_ids: set[str]) -> None:
        store = open_store(self.url, Settings.load(env={}), create=False)
        try:
            assert store.integrity_check() == []
            with store.engine.connect() as conn:
                rows = conn.execute(text("SELECT id, outcome, reason FROM articles")).all()
                if self.dialect == "sqlite":
                    assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        finally:
            store.close()
        ids = [r[0] for r in rows]
        assert len(ids) == len(set(ids)), "an article is stored twice"
        assert set(ids) == expected_ids, (
            f"{len(expected_ids - set(ids))} articles lost, {len(set(ids) - expected_ids)} extra")
        bad = [(r[0], r[2]) for r in rows if r[1] == "failed"]
        assert not bad, bad[:5]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="EVENTWIRE_TEST_PG_URL is not set "
                                          "(start a server: bash .ci/postgres.sh start)")])])
def backend(request, tmp_path):
    if request.param == "sqlite":
        db = tmp_path / "store.db"
        b = Backend(f"sqlite:///{db}", "sqlite", db)
        yield b
        b.close()
        return
    schema = f"ew_crash_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text("CREATE SCHEMA " + admin.dialect.identifier_preparer.quote(schema)))
    sep = "&" if "?" in PG_URL else "?"
    b = Backend(f"{PG_URL}{sep}options=-csearch_path%3D{schema}", "postgresql")
    yield b
    b.close()
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA " + admin.dialect.identifier_preparer.quote(schema)
                          + " CASCADE"))
    admin.dispose()


@pytest.fixture(scope="module")
def articles() -> list[str]:
    return make_articles(N_ARTICLES)


@pytest.mark.model
@pytest.mark.timeout(240)
def test_sigkill_midway_then_rerun_stores_each_article_once(backend, articles, tmp_path):
    data = write_jsonl(tmp_path / "articles.jsonl", articles)
    expected = {content_id(t) for t in articles}
    proc = ingest([data], backend.url, tmp_path)
    deadline = time.monotonic() + 120
    while backend.count() == 0:
        assert proc.poll() is None, "the ingest ended before the store had any rows: " + \
            proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "no rows after 120 s"
        time.sleep(0.05)
    proc.kill()                                   # SIGKILL: no cleanup, no final commit
    proc.communicate(timeout=30)
    assert proc.returncode == -9
    at_kill = backend.count()
    assert 0 < at_kill < N_ARTICLES, f"{at_kill} rows: the kill came too late to test anything"
    if backend.dialect == "sqlite":  # the killed store is consistent before any repair
        with sqlite3.connect(f"file:{backend.sqlite_file}?mode=ro", uri=True) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    err = finish(ingest([data], backend.url, tmp_path))
    assert "unchanged" in err
    backend.check(expected)
    # a third run changes nothing
    finish(ingest([data], backend.url, tmp_path))
    assert backend.count() == N_ARTICLES


@pytest.mark.model
@pytest.mark.timeout(300)
def test_two_concurrent_ingests_of_overlapping_inputs(backend, articles, tmp_path):
    half = N_ARTICLES // 3
    a = write_jsonl(tmp_path / "a.jsonl", articles[: 2 * half])
    b = write_jsonl(tmp_path / "b.jsonl", articles[half:])           # overlaps a by a third
    expected = {content_id(t) for t in articles}
    procs = [ingest([a], backend.url, tmp_path), ingest([b], backend.url, tmp_path)]
    for p in procs:
        finish(p, timeout=280)
    backend.check(expected)
