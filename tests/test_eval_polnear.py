"""PolNeAR metric: brat reading, IoU matching, source rules; plus the dev accuracy gate."""
from __future__ import annotations

from pathlib import Path

import pytest

from eventwire.eval.polnear import (GoldAttribution, Predicted, evaluate_predictions, greedy_match,
                                    iou, read_ann, read_split, score_article, source_right)
from eventwire.settings import Settings

TEXT = ("Mayor Ann Lee said the bridge will reopen in May. "
        "“We are done,” she told reporters. Critics disagree, according to the Daily Post.")


def _write_split(root: Path, name: str, text: str, anns: dict[str, str]) -> None:
    (root / "text").mkdir(parents=True, exist_ok=True)
    (root / "attributions").mkdir(parents=True, exist_ok=True)
    (root / "text" / f"{name}.txt").write_text(text, encoding="utf-8")
    for suffix, body in anns.items():
        (root / "attributions" / f"{name}_{suffix}.ann").write_text(body, encoding="utf-8")


def _span(sub: str) -> tuple[int, int]:
    s = TEXT.index(sub)
    return s, s + len(sub)


def _t(n: int, label: str, sub: str) -> str:
    s, e = _span(sub)
    return f"T{n}\t{label} {s} {e}\t{sub}\n"


ANN = (_t(1, "Source", "Mayor Ann Lee") + _t(2, "Cue", "said")
       + _t(3, "Content", "the bridge will reopen in May") + _t(4, "Attribution", "said")
       + "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
       + _t(5, "Content", "Critics disagree") + _t(6, "Cue", "according to")
       + _t(7, "Attribution", "according to")
       + "E2\tAttribution-no-source:T7 Content:T5 Cue:T6\n"
       + "E3\tAttribution-no-source:T7 \n"
       + "#1\tAnnotatorNotes T3\tnot an attribution line\n")


def test_read_ann_roles_and_missing_parts(tmp_path):
    p = tmp_path / "a_0001.ann"
    p.write_text(ANN, encoding="utf-8")
    gold = read_ann(p, TEXT)
    assert len(gold) == 2  # E3 has no content and cannot be matched
    assert gold[0].content == _span("the bridge will reopen in May")
    assert gold[0].source == _span("Mayor Ann Lee") and gold[0].source_text == "Mayor Ann Lee"
    assert gold[0].cue == _span("said")
    assert gold[1].source is None and gold[1].cue == _span("according to")


def test_discontinuous_span_takes_min_start_max_end(tmp_path):
    p = tmp_path / "a_0001.ann"
    p.write_text("T1\tContent 10 20;25 40\tx\nT2\tContent 50 55\ty\nT3\tAttribution 0 4\tz\n"
                 "E1\tAttribution:T3 Content:T1 Content2:T2\n", encoding="utf-8")
    (g,) = read_ann(p, "x" * 60)
    assert g.content == (10, 55)
    assert g.content_pieces == ((10, 20), (25, 40), (50, 55))


def test_first_ann_per_article_in_sorted_order(tmp_path):
    _write_split(tmp_path, "art", TEXT, {
        "bbbb": ANN,
        "aaaa": _t(1, "Content", "Critics disagree") + _t(2, "Attribution", "according to")
        + "E1\tAttribution-no-source:T2 Content:T1\n"})
    ((_, text, gold),) = read_split(tmp_path)
    assert text == TEXT and len(gold) == 1 and gold[0].content == _span("Critics disagree")


def test_iou_threshold_is_half():
    assert iou((0, 10), (0, 10)) == 1.0
    assert iou((0, 10), (5, 15)) == pytest.approx(5 / 15)
    assert iou((0, 10), (0, 20)) == 0.5
    assert iou((0, 10), (10, 20)) == 0.0
    gold = [GoldAttribution((0, 20))]
    assert score_article([Predicted((0, 10))], gold)["matched"] == 1  # IoU exactly 0.5
    assert score_article([Predicted((0, 9))], gold)["matched"] == 0  # IoU 0.45


def test_greedy_matching_is_one_to_one_best_first():
    pred = [(0, 10), (0, 12)]
    gold = [(0, 12), (0, 9)]
    pairs = greedy_match(pred, gold, iou, 0.5)
    # (0,12)-(0,12) has IoU 1 and goes first; (0,10) then takes (0,9) (IoU 0.9)
    assert sorted(pairs) == [(0, 1), (1, 0)]
    assert greedy_match([(0, 10)], [(0, 10), (0, 10)], iou, 0.5) == [(0, 0)]


def test_source_rules():
    g = GoldAttribution((100, 150), source=(0, 13), source_text="Mayor Ann Lee")
    assert source_right(Predicted((100, 150), (6, 9), "Ann"), g)  # span overlap
    assert source_right(Predicted((100, 150), (300, 303), "Ann Lee"), g)  # shared name word
    assert not source_right(Predicted((100, 150), (300, 303), "the mayor"), g)
    assert not source_right(Predicted((100, 150), (300, 303), "The spokesman"),
                            GoldAttribution((100, 150), (0, 13), "The mayor"))  # "The" is no name
    assert not source_right(Predicted((100, 150)), g)
    none = GoldAttribution((100, 150))
    assert source_right(Predicted((100, 150)), none)
    assert not source_right(Predicted((100, 150), (0, 3), "Lee"), none)


def test_metrics_add_up():
    gold = [GoldAttribution((0, 10), (20, 25), "Smith", (26, 30)),
            GoldAttribution((40, 60), (61, 63), "He", (64, 68))]
    pred = [Predicted((0, 10), (20, 25), "John Smith", (26, 30), "direct"),
            Predicted((40, 58), (90, 95), "Jones", (70, 72), "indirect"),
            Predicted((100, 120), None, None, None, "indirect")]
    r = evaluate_predictions([(pred, gold)])
    assert r["articles"] == 1 and r["matched"] == 2
    assert r["content"]["precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert r["content"]["recall"] == 1.0
    assert r["source_accuracy"] == 0.5
    assert r["linked"]["precision"] == pytest.approx(1 / 3, abs=1e-3)
    assert r["linked"]["recall"] == 0.5
    assert r["cue"]["precision"] == 0.5 and r["cue"]["recall"] == 0.5
    assert r["kinds"]["direct"] == {"predicted": 1, "matched": 1}
    assert r["kinds"]["indirect"] == {"predicted": 2, "matched": 1}



@pytest.mark.parametrize("source, head", [
    ("Michael Oppenheimer, a professor at Princeton University,", "Michael Oppenheimer"),
    ("Clinton's aides", "aides"),
    ("A document on the Trump campaign's website", "A document on the Trump campaign's website"),
    ("Mr. Trump's", "Mr. Trump's"),
])
def test_strict_source_head(source, head):
    from eventwire.eval.polnear import source_head

    text = "x " + source
    g = GoldAttribution((100, 150), (2, len(text)), source)
    span, said = source_head(g)
    assert said == head and text[span[0]:span[1]] == head


def test_strict_source_test_takes_the_head_not_another_name():
    from eventwire.eval.polnear import source_right_strict

    text = "x Michael Oppenheimer, a professor at Princeton University, said"
    src = (2, text.index(" said"))
    g = GoldAttribution((100, 150), src, text[src[0]:src[1]])
    uni = text.index("Princeton")
    assert source_right_strict(Predicted((100, 150), (2, 21), "Michael Oppenheimer"), g)
    assert not source_right_strict(Predicted((100, 150), (uni, uni + 20), "Princeton University"), g)
    assert source_right(Predicted((100, 150), (uni, uni + 20), "Princeton University"), g)
    # a role before its holder's name: the name is the head too
    text = "x A lawyer for the news outlets, David Schulz, said"
    src = (2, text.index(" said"))
    g = GoldAttribution((100, 150), src, text[src[0]:src[1]])
    who = text.index("David")
    assert source_right_strict(Predicted((100, 150), (who, who + 12), "David Schulz"), g)
    assert source_right_strict(Predicted((100, 150), (2, 10), "A lawyer"), g)
