"""PLV metric code on tiny hand-made files (the gates are in test_gates.py)."""
from __future__ import annotations

import csv

import pytest
from eventwire.eval.plv import evaluate_plv, read_plv, render_plv, score, write_confusion
from eventwire.settings import Settings

HEADER = ["sentence_id", "sentence", "marked_sentence", "source", "target", "gold_root",
          "gold_penta"]


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        w.writerow(HEADER)
        w.writerows(rows)


def test_read_plv_spans_and_yield_merge(tmp_path):
    p = tmp_path / "tiny.tsv"
    _write(p, [
        ["1", "Rebels freed two hostages.", "<s>Rebels</s> freed two <t>hostages</t>.",
         "Rebels", "hostages", "CONCEDE", "2"],
        ["2", "The army pulled out of the town.", "<s>The army</s> pulled out of <t>the town</t>.",
         "The army", "the town", "RETREAT", "2"],
        ["3", "Oslo hosted the envoys.", "", "Oslo", "the envoys", "CONSULT", "1"],
    ])
    items = read_plv(p)
    assert [i.label for i in items] == ["YIELD", "YIELD", "CONSULT"]
    assert items[0].sentence[slice(*items[0].source)] == "Rebels"
    assert items[0].sentence[slice(*items[0].target)] == "hostages"
    assert items[1].sentence[slice(*items[1].target)] == "the town"
    # without a marked sentence the source/target text is looked up in the sentence
    assert items[2].sentence[slice(*items[2].target)] == "the envoys"


def test_score_merges_concede_retreat_and_computes_macro_f1():
    gold = ["CONCEDE", "RETREAT", "ACCUSE", "ACCUSE", "REJECT"]
    pred = ["YIELD", "YIELD", "ACCUSE", "REJECT", "REJECT"]
    r = score(gold, pred)
    assert r["accuracy"] == pytest.approx(0.8)
    assert r["per_label"]["YIELD"]["f1"] == 1.0
    assert r["per_label"]["ACCUSE"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667,
                                        "support": 2}
    assert r["per_label"]["REJECT"]["precision"] == 0.5
    assert r["per_label"]["REJECT"]["f1"] == pytest.approx(0.6667)
    assert r["macro_f1"] == pytest.approx((1.0 + 0.6667 + 0.6667) / 3, abs=1e-4)
    assert r["confusion"]["ACCUSE"]["REJECT"] == 1
    assert "CONCEDE" not in r["labels"]


def test_label_only_in_predictions_counts_in_macro_f1():
    r = score(["AID", "AID"], ["AID", "THREATEN"])
    assert set(r["per_label"]) == {"AID", "THREATEN"}
    assert r["per_label"]["THREATEN"]["f1"] == 0.0
    assert r["macro_f1"] == pytest.approx((2 / 3) / 2, abs=1e-4)


def test_confusion_csv_and_render(tmp_path):
    r = score(["AID", "ASSAULT"], ["AID", "AID"])
    out = tmp_path / "c.csv"
    write_confusion(r["confusion"], r["labels"], out)
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["gold\\pred", "AID", "ASSAULT"]
    assert rows[2] == ["ASSAULT", "1", "0"]
    r.update(mode="test", note="n")
    assert render_plv(r).row_count == 2


def test_missing_columns_is_a_format_error(tmp_path):
    from eventwire.eval.plv import PlvFormatError

    p = tmp_path / "bad.tsv"
    p.write_text("text\tlabel\nhello\tAID\n")
    with pytest.raises(PlvFormatError):
        read_plv(p)
