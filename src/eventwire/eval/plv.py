"""PLV evaluation: read the PLV TSV and score the event coder (accuracy, macro-F1, per label).

Labels are the 15 PLV labels: PLOVER CONCEDE and RETREAT both count as YIELD. ``folds=0``
scores the shipped model on the file (on PLV_train that is a *training-set* score, flagged
in the result); ``folds=k`` runs stratified k-fold cross-validation of the trainable coder
(full head + fine-tuned MiniLM head, see ``events/finetune.py``) — the classifier re-trained
and the encoder's top layers re-fine-tuned per fold — which is the honest number. Macro-F1
averages over the labels present in gold or predictions.
"""
from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..events.codebook import PLV_LABELS, plv_label
from ..events.sides import locate_text
from ..settings import Settings

log = logging.getLogger(__name__)

csv.field_size_limit(10**8)
_TAG = re.compile(r"</?[st]>")


class PlvFormatError(ValueError):
    """The file is not a PLV TSV (missing columns or unreadable)."""


@dataclass(frozen=True)
class PlvItem:
    sentence_id: str
    sentence: str
    source: tuple[int, int] | None  # char span in ``sentence``
    target: tuple[int, int] | None
    label: str  # PLV label (CONCEDE/RETREAT already merged into YIELD)


def _spans_from_marked(marked: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """Strip ``<s>…</s>``/``<t>…</t>`` tags; return the text and the tagged spans."""
    out: dict[str, list[int]] = {}
    parts: list[str] = []
    pos = last = 0
    for m in _TAG.finditer(marked):
        parts.append(marked[last:m.start()])
        pos += m.start() - last
        last = m.end()
        tag = m.group()
        key = tag.strip("</>")
        out.setdefault(key, [pos, pos])
        if tag.startswith("</"):
            out[key][1] = pos
        else:
            out[key][0] = pos
    parts.append(marked[last:])
    return "".join(parts), {k: (v[0], v[1]) for k, v in out.items() if v[1] > v[0]}


def read_plv(path: Path) -> list[PlvItem]:
    """Read a PLV TSV (``sentence``, ``gold_root``; optional ``marked_sentence``,
    ``source``, ``target``, ``sentence_id``)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise PlvFormatError(f"cannot read {path}: {e}") from e
    if not rows or "sentence" not in rows[0] or "gold_root" not in rows[0]:
        raise PlvFormatError(f"{path} needs 'sentence' and 'gold_root' columns")
    items = []
    for n, r in enumerate(rows):
        sentence = r["sentence"] or ""
        source = target = None
        marked = r.get("marked_sentence")
        if marked:
            plain, spans = _spans_from_marked(marked)
            if plain == sentence:
                source, target = spans.get("s"), spans.get("t")
        source = source or locate_text(sentence, r.get("source"))
        target = target or locate_text(sentence, r.get("target"))
        items.append(PlvItem(r.get("sentence_id") or str(n), sentence, source, target,
                             plv_label((r["gold_root"] or "").strip().upper())))
    return items


def score(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Accuracy, macro-F1 and per-label P/R/F1/support; labels merged to PLV labels."""
    gold = [plv_label(g) for g in gold]
    pred = [plv_label(p) for p in pred]
    labels = sorted(set(gold) | set(pred),
                    key=lambda x: (PLV_LABELS.index(x) if x in PLV_LABELS else 99, x))
    tp = Counter(g for g, p in zip(gold, pred) if g == p)
    n_gold, n_pred = Counter(gold), Counter(pred)
    per = {}
    for lab in labels:
        p = tp[lab] / n_pred[lab] if n_pred[lab] else 0.0
        r = tp[lab] / n_gold[lab] if n_gold[lab] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[lab] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                    "support": n_gold[lab]}
    acc = sum(tp.values()) / len(gold) if gold else 0.0
    macro = sum(v["f1"] for v in per.values()) / len(per) if per else 0.0
    confusion = {g: {p: 0 for p in labels} for g in labels}
    for g, p in zip(gold, pred):
        confusion[g][p] += 1
    return {"n": len(gold), "accuracy": round(acc, 4), "macro_f1": round(macro, 4),
            "per_label": per, "labels": labels, "confusion": confusion}


def write_confusion(confusion: dict, labels: Sequence[str], out: Path) -> None:
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["gold\\pred", *labels])
        for g in labels:
            w.writerow([g, *(confusion[g][p] for p in labels)])


def confusion_table(confusion: dict, labels: Sequence[str]):
    from rich.table import Table

    t = Table(title="confusion (rows gold, columns predicted)")
    t.add_column("gold")
    for lab in labels:
        t.add_column(lab[:4], justify="right")
    for g in labels:
        t.add_row(g, *(str(confusion[g][p]) if confusion[g][p] else "·" for p in labels))
    return t


def evaluate_plv(path: Path, settings: Settings, folds: int = 0,
                 confusion_out: Path | None = None, stderr=None) -> dict:
    """Score the coder on a PLV TSV: the shipped model (``folds=0``) or k-fold CV."""
    from ..events.finetune import cross_validate_combined, predict_items

    items = read_plv(path)
    if folds and folds > 1:
        pred = cross_validate_combined(items, folds=folds, seed=13, settings=settings)
        mode = (f"{folds}-fold stratified cross-validation (full head re-trained and MiniLM "
                "re-fine-tuned per fold, seed 13)")
        note = "honest estimate: every sentence is scored by a model that did not see it"
    else:
        pred = [p.label for p in predict_items(items, settings)]
        mode = "shipped model"
        note = ("training-set score: the shipped model was trained on PLV_train"
                if "train" in path.name.lower() else
                "shipped model scored on this file")
    result = score([i.label for i in items], pred)
    result.update({"file": str(path), "mode": mode, "note": note})
    if stderr is not None:
        stderr.print(confusion_table(result["confusion"], result["labels"]))
    if confusion_out is not None:
        write_confusion(result["confusion"], result["labels"], confusion_out)
    return result


def render_plv(result: dict):
    """A rich table of per-label P/R/F1/support with the overall scores in the caption."""
    from rich.table import Table

    t = Table(title=f"PLV — {result.get('mode', '')}",
              caption=(f"n={result['n']}  accuracy={result['accuracy']:.3f}  "
                       f"macro-F1={result['macro_f1']:.3f}\n{result.get('note', '')}"))
    t.add_column("label")
    for col in ("precision", "recall", "f1"):
        t.add_column(col, justify="right")
    t.add_column("support", justify="right")
    for lab, v in result["per_label"].items():
        t.add_row(lab, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}",
                  str(v["support"]))
    return t
