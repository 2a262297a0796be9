"""``eventwire code`` through typer's CliRunner on small hand-written TSVs."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from eventwire.cli import app

runner = CliRunner()


def _lines(out: str) -> list[dict]:
    return [json.loads(ln) for ln in out.splitlines() if ln.strip()]


@pytest.mark.model
def test_code_rows_in_order_with_copy_through(tmp_path):
    p = tmp_path / "in.tsv"
    p.write_text(
        "sentence_id\tsentence\tsource\ttarget\tnote\n"
        "s1\tThe rebels ambushed an army convoy near the border, killing six soldiers.\t"
        "The rebels\tan army convoy\tfirst\n"
        "s2\tThe foreign minister urged Oslo to reopen its embassy in Kabul.\t\t\tsecond\n"
        "\tProtesters marched through the capital demanding the president's resignation.\t"
        "\t\tthird\n", encoding="utf-8")
    r = runner.invoke(app, ["code", str(p)])
    assert r.exit_code == 0, r.output
    rows = _lines(r.stdout)
    assert [x["row"] for x in rows] == [0, 1, 2]
    assert [x["sentence_id"] for x in rows] == ["s1", "s2", None]
    assert [x["input"] for x in rows] == [{"note": "first"}, {"note": "second"},
                                          {"note": "third"}]
    assert rows[0]["plover"] == "ASSAULT" and rows[0]["cameo"].startswith(("18", "19"))
    # "urged": an appeal (CAMEO 02x, Goldstein 3.0), not a demand (10x, -5.0)
    assert rows[1]["plover"] == "REQUEST" and rows[1]["cameo"] == "020"
    assert rows[1]["goldstein"] == 3.0
    for x in rows:
        assert 0.0 < x["confidence"] <= 1.0 and 0.0 <= x["p_none"] <= 1.0
        assert set(x) == {"row", "sentence_id", "plover", "cameo", "goldstein", "confidence",
                          "p_none", "trigger", "input"}


@pytest.mark.model
def test_code_custom_columns(tmp_path):
    p = tmp_path / "in.tsv"
    p.write_text("text\tactor\nThe court sentenced the opposition leader to five years in prison.\t"
                 "The court\n", encoding="utf-8")
    r = runner.invoke(app, ["code", str(p), "--sentence-col", "text", "--source-col", "actor"])
    assert r.exit_code == 0, r.output
    (row,) = _lines(r.stdout)
    assert row["sentence_id"] is None and row["input"] == {}
    assert row["plover"] in {"ACCUSE", "COERCE"}


def test_missing_sentence_column_is_a_usage_error(tmp_path):
    p = tmp_path / "in.tsv"
    p.write_text("id\ttext\n1\tSomething happened.\n", encoding="utf-8")
    r = runner.invoke(app, ["code", str(p)])
    assert r.exit_code == 2
    assert "sentence" in r.output


def test_unreadable_file_is_a_usage_error(tmp_path):
    r = runner.invoke(app, ["code", str(tmp_path / "missing.tsv")])
    assert r.exit_code == 2
    p = tmp_path / "bin.tsv"
    p.write_bytes(b"sentence\n\xff\xfe\x00bad")
    assert runner.invoke(app, ["code", str(p)]).exit_code == 2


def test_header_only_file_prints_nothing(tmp_path):
    p = tmp_path / "in.tsv"
    p.write_text("sentence\tsource\n", encoding="utf-8")
    r = runner.invoke(app, ["code", str(p)])
    assert r.exit_code == 0 and r.stdout == ""
