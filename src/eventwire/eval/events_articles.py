"""Events in whole articles against a hand gold (``eventwire eval events-articles``).

The gold is ``data/polnear/dev_events.gold.json`` (or one of the same format), coded by
``shared/docs/EVENTS_GUIDE.md``. Every article runs through the pipeline users run
(``pipeline.process``, the settings' event coder), with its publication date from
``metadata.tsv``. Scoring follows the guide:

* a predicted event matches a gold event when its evidence span overlaps the gold sentence,
  its PLOVER type is the gold type or one of ``alt_types``, and each gold side that is not
  null is met — the predicted side shares a content word with the gold side's text, or
  carries the gold side's country with the GOV sector; sides may be swapped for CONSULT,
  AGREE and COOPERATE; one-to-one, greedily in text order;
* predicted events flagged negated or hypothetical are not counted;
* optional and headline gold events are never missed when absent, and a prediction that
  matches one is neither right nor wrong;
* precision = matched predictions / counted predictions; recall over required gold events.

"Type alone" repeats the match without the side test. The locked half
(``gold/locked.json``: ``polnear_events``) is reported first, then the open half; only the
open half's misses and false positives are listed (the locked half's errors are never read
while writing rules).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..records import ArticleRecord, Event, RawArticle
from ..settings import Settings

SYMMETRIC = frozenset({"CONSULT", "AGREE", "COOPERATE"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_STOP = frozenset("""the a an of and or to in on at for with by from his her their its our
my your he she they it we i you him them us mr mrs ms dr former president senator sen rep
campaign party official officials""".split())


def content_words(text: str | None) -> set[str]:
    return {w.lower().strip("'") for w in _WORD.findall(text or "")} - _STOP


@dataclass
class Gold:
    file: str
    start: int
    end: int
    types: frozenset[str]
    source: str | None
    target: str | None
    source_country: str | None
    target_country: str | None
    required: bool
    raw: dict


def load_gold(path: Path) -> tuple[list[str], list[Gold]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    files = sorted(data["articles"])
    gold = []
    for e in data["events"]:
        gold.append(Gold(e["file"], e["sent_start"], e["sent_end"],
                         frozenset([e["type"], *e.get("alt_types", [])]), e.get("source"),
                         e.get("target"), e.get("source_country"), e.get("target_country"),
                         not e.get("optional") and not e.get("headline"), e))
    return files, gold


def published_dates(metadata: Path) -> dict[str, dt.date]:
    out = {}
    if not metadata.is_file():
        return out
    with open(metadata, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            try:
                out[r["filename"]] = dt.date.fromisoformat(r["publication_date"])
            except (KeyError, ValueError):
                continue
    return out


def side_met(gold_text: str | None, gold_country: str | None, side) -> bool:
    """Whether a predicted side meets a gold side (the guide's test)."""
    if gold_text is None and gold_country is None:
        return True
    if side is None:
        return False
    names = content_words(side.get("name"))
    if names & content_words(gold_text):
        return True
    return bool(gold_country) and side.get("country") == gold_country and \
        "GOV" in (side.get("sectors") or [])


def event_matches(ev: dict, g: Gold, with_sides: bool = True) -> bool:
    if ev["plover"]["type"] not in g.types:
        return False
    if not with_sides:
        return True
    src, tgt = ev.get("source"), ev.get("target")
    straight = (side_met(g.source, g.source_country, src)
                and side_met(g.target, g.target_country, tgt))
    if straight or not (g.types & SYMMETRIC):
        return straight
    return (side_met(g.source, g.source_country, tgt)
            and side_met(g.target, g.target_country, src))


def raw_span(raw: str, rec: ArticleRecord, span: Sequence[int]) -> tuple[int, int]:
    """A record span mapped onto the raw file: the record's text is the raw text or a
    tail of it (a title line split off)."""
    off = raw.find(rec.text) if rec.text else -1
    if off >= 0:
        return span[0] + off, span[1] + off
    piece = rec.text[span[0]:span[1]]
    i = raw.find(piece)
    return (i, i + len(piece)) if i >= 0 else (span[0], span[1])


def counted(ev: Event) -> bool:
    return not (ev.modality.negated or ev.modality.hypothetical)


def score_article(raw: str, rec: ArticleRecord, gold: list[Gold], with_sides: bool
                  ) -> dict:
    preds = []
    for ev in rec.events:
        if not counted(ev):
            continue
        s, e = raw_span(raw, rec, ev.span)
        preds.append((s, e, ev.to_dict()))
    used: set[int] = set()
    tp = fp = neutral = 0
    matched_gold: set[int] = set()
    # required gold first, so a prediction goes to the event that counts
    order = sorted(range(len(gold)), key=lambda k: (not gold[k].required, gold[k].start))
    pred_to_gold: dict[int, int] = {}
    for k in order:
        g = gold[k]
        for p, (s, e, ev) in enumerate(preds):
            if p in used or not (s < g.end and g.start < e):
                continue
            if event_matches(ev, g, with_sides):
                used.add(p)
                matched_gold.add(k)
                pred_to_gold[p] = k
                break
    misses, false = [], []
    for p, (s, e, ev) in enumerate(preds):
        if p in pred_to_gold:
            if gold[pred_to_gold[p]].required:
                tp += 1
            else:
                neutral += 1
        else:
            fp += 1
            false.append({"sentence": raw[s:e], "type": ev["plover"]["type"],
                          "source": (ev.get("source") or {}).get("name"),
                          "target": (ev.get("target") or {}).get("name"),
                          "trigger": (ev.get("trigger") or {}).get("text")})
    fn = 0
    for k, g in enumerate(gold):
        if g.required and k not in matched_gold:
            fn += 1
            misses.append({"sentence": raw[g.start:g.end], "type": sorted(g.types),
                           "source": g.source, "target": g.target})
    return {"tp": tp, "fp": fp, "fn": fn, "neutral": neutral, "misses": misses,
            "false": false}


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "fp": fp, "fn": fn}


def run_articles(files: Iterable[str], text_dir: Path, dates: dict[str, dt.date],
                 settings: Settings) -> dict[str, tuple[str, ArticleRecord]]:
    """Each article through the pipeline users run."""
    from ..pipeline import process

    files = list(files)
    raws = {f: (text_dir / f).read_text(encoding="utf-8") for f in files}
    items = [RawArticle(source=f, text=raws[f], published=dates.get(Path(f).stem))
             for f in files]
    return {r.source: (raws[r.source], r) for r in process(items, settings)}


def evaluate_events_articles(gold_path: Path, settings: Settings,
                             text_dir: Path | None = None, metadata: Path | None = None,
                             parts: Sequence[str] = ("locked", "open")) -> dict:
    from .splits import locked

    files, gold = load_gold(gold_path)
    text_dir = text_dir or gold_path.parent / "dev" / "text"
    dates = published_dates(metadata or gold_path.parent / "metadata.tsv")
    records = run_articles(files, text_dir, dates, settings)
    lock = set(locked("polnear_events"))
    result: dict = {"gold": str(gold_path), "event_coder": settings.event_coder, "parts": {}}
    for part in parts:
        chosen = [f for f in files if (f in lock) == (part == "locked")] if part != "all" \
            else files
        out = {"articles": len(chosen)}
        for name, sides in (("type_and_sides", True), ("type_only", False)):
            tot = {"tp": 0, "fp": 0, "fn": 0}
            misses, false = [], []
            for f in chosen:
                raw, rec = records[f]
                sc = score_article(raw, rec, [g for g in gold if g.file == f], sides)
                for k in tot:
                    tot[k] += sc[k]
                misses += [dict(m, file=f) for m in sc["misses"]]
                false += [dict(x, file=f) for x in sc["false"]]
            out[name] = _prf(**tot)
            if sides and part != "locked":  # the locked part's errors are not for reading
                out["misses"] = misses
                out["false_positives"] = false
        out["events_counted"] = sum(sum(1 for e in records[f][1].events if counted(e))
                                    for f in chosen)
        out["events_flagged"] = sum(sum(1 for e in records[f][1].events if not counted(e))
                                    for f in chosen)
        result["parts"][part] = out
    return result


def render_events_articles(result: dict):
    from rich.table import Table

    t = Table(title=f"Events in articles — {result['gold']} (coder {result['event_coder']})")
    for col in ("part", "articles", "match", "precision", "recall", "F1", "tp", "fp", "fn"):
        t.add_column(col, justify="right" if col not in ("part", "match") else "left")
    for part, out in result["parts"].items():
        for name in ("type_and_sides", "type_only"):
            m = out[name]
            t.add_row(part, str(out["articles"]), name.replace("_", " "),
                      f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
                      str(m["tp"]), str(m["fp"]), str(m["fn"]))
    return t
