"""Hostile inputs end as ``ok`` or ``rejected`` with a reason a user can act on — never a crash.

The corpus (``tests/hostile/make_corpus.py``, ≥ 30 inputs: binary, broken encodings, a
20 MB line, 10,000-level HTML, an entity bomb, damaged archives, broken JSONL …) is written
into a temporary folder and sent through the two public doors: ``read_paths`` + ``process``
in this process, and the ``eventwire extract`` command in a subprocess. For each input: the
number of records is the number of articles in it (nothing silently dropped), no outcome is
``failed``, every rejection reason names the problem, and every record serialises to JSON.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventwire.ingest import read_paths
from eventwire.records import ArticleRecord
from eventwire.settings import Settings
from hostile.make_corpus import ENGLISH, LIMITS, HostileInput, write_corpus

pytestmark = [pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[1]
# Words that would show a Python error leaking into a user-facing reason.
_LEAKS = ("Traceback", "File \"", "object at 0x", "NoneType")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[HostileInput]:
    return write_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings.load(env={}, **LIMITS)


def check_records(item: HostileInput, recs: list[ArticleRecord]) -> None:
    """The expectations of one hostile input, applied to the records it produced."""
    if item.articles is None:
        assert recs, f"{item.name}: no record at all (input silently dropped)"
    else:
        assert len(recs) == item.articles, (
            f"{item.name}: {len(recs)} records for {item.articles} articles")
    for rec in recs:
        status, reason = rec.outcome.status, rec.outcome.reason
        assert status in item.allowed, f"{item.name}: {status} ({reason})"
        if status == "rejected":
            assert reason and len(reason) >= 10, f"{item.name}: reason {reason!r} says nothing"
            assert any(w.lower() in reason.lower() for w in item.reason_words), (
                f"{item.name}: reason {reason!r} names none of {item.reason_words}")
            assert not any(leak in reason for leak in _LEAKS), f"{item.name}: {reason!r}"
        line = json.dumps(rec.to_dict(), ensure_ascii=False)
        line.encode("utf-8")  # printable and storable: no lone surrogates
        for span in [m for a in rec.actors for m in a.mentions] + [q.span for q in rec.quotes] \
                + [d.span for d in rec.dates] + [e.span for e in rec.events]:
            assert 0 <= span[0] < span[1] <= len(rec.text), f"{item.name}: span {span}"


def test_corpus_is_big_enough(corpus):
    assert len(corpus) >= 30
    assert len({i.name for i in corpus}) == len(corpus)


def test_readers_alone_never_raise_and_drop_nothing(corpus, settings):
    """The readers (no model) give every input at least one article or reject."""
    for item in corpus:
        raws = list(read_paths([str(item.path)], settings))
        assert raws, f"{item.name}: the reader yielded nothing"
        if item.articles is not None:
            assert len(raws) == item.articles, item.name
        for raw in raws:
            assert raw.reject_reason or raw.text is not None or raw.html is not None, item.name


@pytest.fixture(scope="module")
def processed(corpus, settings) -> dict[str, list[ArticleRecord]]:
    """Records per input from ``read_paths`` + ``process``, one input at a time."""
    from eventwire.pipeline import process

    return {item.name: list(process(read_paths([str(item.path)], settings), settings))
            for item in corpus}


@pytest.mark.model
@pytest.mark.timeout(240)
def test_hostile_inputs_through_process(corpus, processed):
    for item in corpus:
        check_records(item, processed[item.name])


PG_URL = os.environ.get("EVENTWIRE_TEST_PG_URL")


@pytest.mark.model
@pytest.mark.timeout(300)
@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="EVENTWIRE_TEST_PG_URL is not set")])])
def test_hostile_inputs_ingested_into_a_store(corpus, processed, settings, tmp_path, dialect):
    """``eventwire ingest`` of the whole corpus: exit 1, every record stored (once per id),
    none lost to a store error, and the store consistent."""
    from sqlalchemy import create_engine, text

    from eventwire.store import open_store

    if dialect == "sqlite":
        url, admin, schema = f"sqlite:///{tmp_path / 'hostile.db'}", None, None
    else:
        import uuid

        schema = f"ew_hostile_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.begin() as conn:
            conn.execute(text("CREATE SCHEMA " + admin.dialect.identifier_preparer.quote(schema)))
        url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    try:
        env = {**os.environ, **{f"EVENTWIRE_{k.upper()}": str(v) for k, v in LIMITS.items()}}
        proc = subprocess.run([sys.executable, "-m", "eventwire.cli", "ingest",
                               *[str(i.path) for i in corpus], "--db", url],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=280)
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
        assert proc.returncode == 1, proc.stderr[-3000:]
        assert "could not be stored" not in proc.stderr, proc.stderr[-3000:]
        expected = {r.id for recs in processed.values() for r in recs}
        store = open_store(url, Settings.load(env={}), create=False)
        try:
            assert store.integrity_check() == []
            stored = {r.id: r for r in store.records()}
        finally:
            store.close()
        assert set(stored) == expected
        assert not [r for r in stored.values() if r.outcome.status == "failed"]
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text("DROP SCHEMA " + admin.dialect.identifier_preparer.quote(schema)
                                  + " CASCADE"))
            admin.dispose()


@pytest.mark.model
@pytest.mark.timeout(300)
def test_hostile_inputs_through_the_cli(corpus, settings, tmp_path):
    """``eventwire extract`` over the whole corpus at once: exit 1, no traceback, a line
    per article, in input order."""
    paths = [str(i.path) for i in corpus]
    expected_sources = [r.source for r in read_paths(paths, settings)]
    env = {**os.environ, **{f"EVENTWIRE_{k.upper()}": str(v) for k, v in LIMITS.items()},
           "PYTHONPATH": str(REPO / "src")}
    env.pop("EVENTWIRE_DB", None)
    proc = subprocess.run([sys.executable, "-m", "eventwire.cli", "extract", *paths],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=280)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stderr[-3000:]   # some inputs rejected (CONTRACT)
    lines = proc.stdout.splitlines()
    assert len(lines) == len(expected_sources)
    recs = [ArticleRecord.from_dict(json.loads(line)) for line in lines]
    assert [r.source for r in recs] == expected_sources
    by_path: dict[str, list[ArticleRecord]] = {}
    for rec in recs:
        owner = next(i for i in corpus if rec.source.startswith(str(i.path)))
        by_path.setdefault(str(owner.path), []).append(rec)
    for item in corpus:
        check_records(item, by_path.get(str(item.path), []))
    # the summary on stderr names each rejected input and why
    for rec in recs:
        if not rec.ok:
            assert rec.source in proc.stderr or "more" in proc.stderr


@pytest.mark.model
@pytest.mark.timeout(120)
@pytest.mark.parametrize("stdin, status, words", [
    (b"", "rejected", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "rejected", "binary"),
    (b"\xff\xfe" + "not quite UTF-16 \ud7ff".encode("utf-16-le")[:-1], "rejected", ""),
    (ENGLISH.encode("utf-8"), "ok", ""),
], ids=["empty", "png", "odd-utf16", "english"])
def test_hostile_stdin_through_cli_runner(stdin, status, words, settings):
    """``eventwire extract -``: one record for what came on stdin, exit code per CONTRACT."""
    from typer.testing import CliRunner

    from eventwire.cli import app

    result = CliRunner().invoke(app, ["extract", "-"], input=stdin,
                                env={"EVENTWIRE_MAX_ARTICLE_BYTES": "1000000"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    assert len(lines) == 1, result.output
    rec = json.loads(lines[0])
    if status == "ok":
        assert rec["outcome"]["status"] == "ok" and result.exit_code == 0
    else:
        assert rec["outcome"]["status"] == "rejected" and result.exit_code == 1
        assert words.lower() in rec["outcome"]["reason"].lower()


@pytest.mark.model
@pytest.mark.timeout(120)
@pytest.mark.parametrize("text", [
    "The ministry said \ud800 the port would reopen next month after the repairs.",
    "\ud83d" * 30,
    "",
    " \u200b\u200b\u200b ",
    "\x00" * 100,
], ids=["lone-surrogate", "surrogates-only", "empty", "zero-width", "nul"])
def test_extract_api_rejects_unusable_strings(text, settings):
    """``eventwire.pipeline.extract`` on strings no reader would produce."""
    from eventwire.pipeline import extract

    rec = extract(text, settings=settings)
    assert rec.outcome.status == "rejected", rec.outcome
    assert rec.outcome.reason
    json.dumps(rec.to_dict(), ensure_ascii=False).encode("utf-8")
