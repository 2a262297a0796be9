"""End to end through the CLI: extract, ingest (idempotent, near-copies linked), bad input,
export round trip, exit codes."""
from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eventwire.cli import app
from eventwire.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TURKEY = SAMPLES / "turkey_s400_wire.txt"

pytestmark = pytest.mark.model


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _all_spans(rec: dict):
    for a in rec["actors"]:
        yield from a["mentions"]
    for q in rec["quotes"]:
        yield q["span"]
        if q["speaker"]:
            yield q["speaker"]["span"]
        if q["cue"]:
            yield q["cue"]["span"]
    for e in rec["events"]:
        yield e["span"]
    for d in rec["dates"]:
        yield d["span"]


def test_extract_scraped_wire_report_drops_furniture_and_spans_index_text():
    result = _run("extract", str(TURKEY), "--published", "2021-02-05")
    assert result.exit_code == 0, result.output
    (rec,) = _records(result.stdout)
    text = rec["text"]
    for furniture in ("install our app", "Add to home screen", "Share this article",
                      "All rights reserved"):
        assert furniture not in text
    assert rec["title"].startswith("Turkey rejects U.S. demand")
    assert rec["title"] not in text  # the headline repeated mid-text is gone
    assert rec["published"] == "2021-02-05"
    spans = list(_all_spans(rec))
    assert spans
    for s, e in spans:
        assert 0 <= s < e <= len(text)
    for q in rec["quotes"]:
        assert text[q["span"][0]:q["span"][1]] == q["text"]
    for e in rec["events"]:
        assert text[e["span"][0]:e["span"][1]] == e["sentence"]


def test_extract_plain_text_without_furniture_keeps_text_unchanged(tmp_path):
    body = ("Japan pledged new aid to the region on Monday, the foreign ministry said.\n\n"
            "The package includes food and medical supplies for displaced families.\n")
    f = tmp_path / "a.txt"
    f.write_text(body, encoding="utf-8")
    (rec,) = _records(_run("extract", str(f)).stdout)
    assert rec["text"] == body


def test_ingest_twice_is_idempotent_and_near_copy_is_linked(tmp_path):
    db = f"sqlite:///{tmp_path / 'ew.db'}"
    first = _run("ingest", str(SAMPLES), "--db", db)
    assert first.exit_code == 0, first.output
    store = open_store(db, create=False)
    before = store.stats()
    records = {r.source: r for r in store.records()}
    store.close()
    copy = next(r for s, r in records.items() if s.endswith("turkey_s400_wire_republished.txt"))
    orig = next(r for s, r in records.items() if s.endswith("turkey_s400_wire.txt"))
    assert copy.duplicate_of == orig.id and orig.duplicate_of is None
    assert not copy.quotes and not copy.events  # facts are stored once

    second = _run("ingest", str(SAMPLES), "--db", db)
    assert second.exit_code == 0, second.output
    store = open_store(db, create=False)
    assert store.stats() == before
    assert store.integrity_check() == []
    store.close()


def _bad_inputs(folder: Path) -> None:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "invalid_utf8.txt").write_bytes(b"\xff\xfe\xfa not text \x00\x81" * 50)
    (folder / "huge.txt").write_bytes(b"word " * 4_200_000)  # 21 MB
    (folder / "nobody.html").write_text("<html><head><title>x</title></head><body>"
                                        "<nav>Home</nav></body></html>", encoding="utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as gz:
        gz.write(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 5000\r\n\r\nHTTP/1.1 200")
    (folder / "truncated.warc.gz").write_bytes(buf.getvalue()[:-10])


def test_bad_inputs_are_rejected_with_reasons_and_the_rest_is_stored(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _bad_inputs(folder)
    shutil.copy(TURKEY, folder / "good.txt")
    db = f"sqlite:///{tmp_path / 'ew.db'}"
    result = _run("ingest", str(folder), "--db", db)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    store = open_store(db, create=False)
    outcomes = {Path(r.source.split("#")[0].split(":")[0]).name: r.outcome
                for r in store.records()}
    store.close()
    assert outcomes["good.txt"].status == "ok"
    for name in ("empty.txt", "binary.txt", "invalid_utf8.txt", "huge.txt", "nobody.html",
                 "truncated.warc.gz"):
        assert outcomes[name].status == "rejected", name
        assert outcomes[name].reason, name


def test_export_parquet_round_trip_equals_store(tmp_path):
    db = f"sqlite:///{tmp_path / 'ew.db'}"
    assert _run("ingest", str(TURKEY), "--db", db, "--published", "2021-02-05").exit_code == 0
    out = tmp_path / "quotes.parquet"
    assert _run("export", "--format", "parquet", "--table", "quotes", "--out", str(out),
                "--db", db).exit_code == 0
    rows = pq.read_table(out).to_pylist()
    store = open_store(db, create=False)
    (rec,) = list(store.records())
    store.close()
    assert [(r["text"], r["start"], r["end"]) for r in rows] == \
        [(q.text, q.span[0], q.span[1]) for q in rec.quotes]


def test_exit_codes_for_usage_and_store_errors(tmp_path):
    assert _run("extract", str(tmp_path / "missing.txt")).exit_code == 2
    assert _run("extract", str(TURKEY), "--published", "5 Feb").exit_code == 2
    assert _run("stats", "--db", f"sqlite:///{tmp_path / 'none.db'}").exit_code == 3
    assert _run("export", "--format", "xml", "--out", str(tmp_path / "x")).exit_code == 2
