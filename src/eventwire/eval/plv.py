"""PLV evaluation: the event coder on PLV sentences, by the two paths users run.

* ``code`` (sides given): every sentence goes through ``events.coding.code_rows`` — the
  path of ``eventwire code`` — with the event coder the settings name; accuracy, macro-F1
  and per-label scores over the 15 PLV labels (CONCEDE and RETREAT both count as YIELD).
  Macro-F1 averages over the labels present in gold or predictions.
* ``extract`` (nothing given): every sentence is an article through ``pipeline.process``;
  a sentence is right when an event of the gold type has a source on the marked source
  and a target on the marked target (a side's span overlaps the marked span, or its name
  shares a content word with it; sides may be swapped for CONSULT, AGREE, COOPERATE). Also
  reported: the gold type anywhere, both sides with any type, and no event at all.

Parts: on PLV_train, ``locked`` is the locked 30 % (``gold/locked.json``) the shipped
model never trained on — the honest number — and ``open`` the rest (a training-set score);
another file is scored whole (``all``).
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


def select_part(items: list[PlvItem], part: str) -> list[PlvItem]:
    """``locked`` / ``open`` part of PLV_train by sentence id, or ``all``."""
    if part == "all":
        return items
    from .splits import locked

    lock = {str(i) for i in locked("plv")}
    return [i for i in items if (i.sentence_id in lock) == (part == "locked")]


def _span_text(item: PlvItem, span) -> str | None:
    return item.sentence[span[0]:span[1]] if span else None


def predict_code(items: Sequence[PlvItem], settings: Settings) -> list[str]:
    """PLV labels by the ``eventwire code`` path."""
    from ..events.coding import code_rows
    from ..pipeline import components

    coder = components(settings).event_coder
    rows = ({"sentence": i.sentence, "source": _span_text(i, i.source) or "",
             "target": _span_text(i, i.target) or "", "sentence_id": i.sentence_id}
            for i in items)
    return [plv_label(r["plover"] or "NONE") for r in code_rows(rows, settings, coder)]


def _side_hits(side: dict | None, item: PlvItem, span) -> bool:
    from .events_articles import content_words

    if side is None or span is None:
        return False
    s = side.get("span")
    if s and s[0] < span[1] and span[0] < s[1]:
        return True
    return bool(content_words(side.get("name")) & content_words(_span_text(item, span)))


def _in_record(text: str, item: PlvItem):
    """The marked spans moved into the record's text (which may drop outer whitespace)."""
    lead = len(item.sentence) - len(item.sentence.lstrip())
    i = text.find(item.sentence.strip()) if text else -1
    if i < 0:
        return None, None
    move = (lambda sp: (sp[0] - lead + i, sp[1] - lead + i) if sp else None)
    return move(item.source), move(item.target)


def score_extract(items: Sequence[PlvItem], settings: Settings) -> dict:
    """The ``extract`` path: each sentence as an article (see the module docstring)."""
    from ..pipeline import process
    from ..records import RawArticle

    raws = [RawArticle(source=f"plv:{i.sentence_id}", text=i.sentence) for i in items]
    full = type_any = sides_any = none = 0
    for item, rec in zip(items, process(raws, settings)):
        evs = [e.to_dict() for e in rec.events]  # PLV's label ignores modality
        if not evs:
            none += 1
        gold = plv_label(item.label)
        src, tgt = _in_record(rec.text, item)
        shifted = PlvItem(item.sentence_id, rec.text, src, tgt, item.label)

        def both(e):
            straight = _side_hits(e.get("source"), shifted, src) and \
                _side_hits(e.get("target"), shifted, tgt)
            swapped = gold in {"CONSULT", "AGREE", "COOPERATE"} and \
                _side_hits(e.get("source"), shifted, tgt) and \
                _side_hits(e.get("target"), shifted, src)
            return straight or swapped

        typed = [e for e in evs if plv_label(e["plover"]["type"]) == gold]
        type_any += bool(typed)
        sides_any += any(both(e) for e in evs)
        full += any(both(e) for e in typed)
    n = len(items) or 1
    return {"n": len(items), "type_and_sides": round(full / n, 4),
            "type_anywhere": round(type_any / n, 4), "sides_any_type": round(sides_any / n, 4),
            "no_event": round(none / n, 4)}


def evaluate_plv(path: Path, settings: Settings, part: str = "auto",
                 path_kind: str = "code", confusion_out: Path | None = None,
                 stderr=None) -> dict:
    """Score the settings' event coder on a PLV TSV, by the ``code`` or ``extract`` path.

    ``part``: ``locked``, ``open`` or ``all``; ``auto`` is ``locked`` for PLV_train (the
    part no model trained on) and ``all`` for any other file."""
    items = read_plv(path)
    if part == "auto":
        part = "locked" if path.name == "PLV_train.tsv" else "all"
    items = select_part(items, part)
    note = {"locked": "locked part: no model trained or tuned on it",
            "open": "open part: the shipped model trained on it (a training-set score)",
            "all": "the whole file"}[part]
    if path_kind == "extract":
        result = score_extract(items, settings)
        result.update({"file": str(path), "part": part, "path": "extract", "note": note,
                       "event_coder": settings.event_coder})
        return result
    pred = predict_code(items, settings)
    result = score([i.label for i in items], pred)
    result.update({"file": str(path), "part": part, "path": "code", "note": note,
                   "mode": f"{settings.event_coder} via `eventwire code`, {part} part",
                   "event_coder": settings.event_coder})
    if stderr is not None:
        stderr.print(confusion_table(result["confusion"], result["labels"]))
    if confusion_out is not None:
        write_confusion(result["confusion"], result["labels"], confusion_out)
    return result


def render_plv(result: dict):
    """A rich table of per-label P/R/F1/support with the overall scores in the caption
    (``extract`` path: the sentence-level rates)."""
    from rich.table import Table

    if result.get("path") == "extract":
        t = Table(title=f"PLV through extract — {result['part']} part (n={result['n']})",
                  caption=result.get("note", ""))
        t.add_column("measure")
        t.add_column("share of sentences", justify="right")
        for k in ("type_and_sides", "type_anywhere", "sides_any_type", "no_event"):
            t.add_row(k.replace("_", " "), f"{result[k]:.3f}")
        return t
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
