"""PolNeAR evaluation: read brat attributions and score predicted quotes against them.

The metric is the one fixed in the quotes issue:

* gold = the ``E`` lines of the **first** ``.ann`` file per article (sorted names; an
  article has several when several annotators worked on it). A text-bound span that is
  discontinuous (``10 20;25 40``) counts as ``min start .. max end``; an ``E`` line with a
  ``Content2`` role is merged into its ``Content`` the same way. ``E`` lines without any
  Content (34 in train) cannot be matched and are left out.
* a predicted quote matches a gold attribution when their content ranges have
  intersection / union ≥ 0.5, one-to-one, greedily from the highest IoU down.
* content P/R/F1 over those matches; **source accuracy** over matched pairs: right when the
  predicted speaker span overlaps the gold Source span, or the speaker's name shares a
  capitalised word with the gold source text (a few capitalised function words such as
  "The" or "He" do not count, so that the name rule is not looser than the span rule);
  a gold attribution with no Source is right only when the prediction has no speaker.
* **strict source test**: the speaker must be the *head* of the gold source phrase — its
  text before the first comma, after a possessive "'s" of the head's own noun phrase ("Y's
  aides" → "aides"; "X, a fellow at Y" → "X"; not "a document on Y's website"), or, when
  that text names no one, the name in the next comma segment ("a lawyer for Y, X," → "X"
  too) — not another name inside it: the predicted speaker span overlaps a head's span, or
  the speaker's name shares a capitalised word with a head's text.
  ``strict_source_accuracy`` and ``strict_linked`` use it; the loose test is kept beside.
* **linked F1**: matches whose source is also right, over all predictions / all gold.
* **cue F1**: predicted cue spans against gold Cue spans, a match being any overlap,
  one-to-one, greedily by overlap length.

``evaluate_polnear`` runs the real stages on each file: it builds a ``CleanArticle`` whose
``text`` is the whole file content (so every offset is already in the file's coordinates
and no mapping is needed — the cleaner would split the title line off), parses the batch
with ``nlp.pipe`` and calls ``resolve_actors`` and ``attribute_quotes`` with the quote
tagger the settings name, resolved through the registry exactly as ``pipeline.analyze``
does (dates and events do not influence quotes and are skipped). On PolNeAR dev the
locked 30 % of articles (``gold/locked.json``: ``polnear_dev``) is scored apart from the
open rest.
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..records import QUOTE_KINDS, CleanArticle, Quote, Span, content_id
from ..settings import Settings

log = logging.getLogger(__name__)

IOU_THRESHOLD = 0.5
_CAP_WORD = re.compile(r"\b[A-Z][A-Za-z'’.\-]*")
# Capitalised words that say nothing about who spoke.
_NOT_NAMES = frozenset({"The", "A", "An", "He", "She", "It", "They", "We", "I", "You", "His",
                        "Her", "Its", "Their", "This", "That", "These", "Those", "Mr", "Mr.",
                        "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "In", "On", "According",
                        "Another", "One", "Some", "Many", "Several", "Other", "Both"})


@dataclass(frozen=True)
class GoldAttribution:
    content: Span
    source: Span | None = None
    source_text: str | None = None
    cue: Span | None = None
    content_pieces: tuple[Span, ...] = ()  # the discontinuous parts, for training
    cue_pieces: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Predicted:
    """What the metric needs from a predicted quote."""

    content: Span
    speaker_span: Span | None = None
    speaker_name: str | None = None
    cue: Span | None = None
    kind: str = "indirect"

    @classmethod
    def from_quote(cls, q: Quote) -> "Predicted":
        return cls(q.span, q.speaker.span if q.speaker else None,
                   q.speaker.name if q.speaker else None, q.cue.span if q.cue else None, q.kind)


def _parse_offsets(field: str) -> Span:
    starts, ends = [], []
    for part in field.split(";"):
        s, e = part.split()
        starts.append(int(s))
        ends.append(int(e))
    return min(starts), max(ends)


def read_ann(path: Path, text: str | None = None) -> list[GoldAttribution]:
    """Gold attributions of one brat ``.ann`` file (see the module docstring)."""
    spans: dict[str, tuple[str, Span, list[Span]]] = {}
    events: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            cols = line.split("\t")
            if len(cols) < 2 or " " not in cols[1]:
                continue
            label, offsets = cols[1].split(" ", 1)
            try:
                pieces = [_parse_offsets(p) for p in offsets.split(";")]
            except ValueError:
                log.warning("%s: cannot read offsets in %r", path.name, line[:80])
                continue
            spans[cols[0]] = (label, _parse_offsets(offsets), pieces)
        elif line.startswith("E"):
            cols = line.split("\t")
            if len(cols) < 2:
                continue
            roles: dict[str, str] = {}
            for arg in cols[1].split():
                if ":" in arg:
                    role, ref = arg.split(":", 1)
                    roles.setdefault(role, ref)
            events.append(roles)
    out = []
    for roles in events:
        parts = [spans[roles[r]] for r in ("Content", "Content2") if roles.get(r) in spans]
        if not parts:
            continue
        content = (min(p[1][0] for p in parts), max(p[1][1] for p in parts))
        src = spans[roles["Source"]][1] if roles.get("Source") in spans else None
        cue = spans[roles["Cue"]] if roles.get("Cue") in spans else None
        src_text = text[src[0]:src[1]] if (src and text is not None) else None
        out.append(GoldAttribution(content, src, src_text, cue[1] if cue else None,
                                   tuple(sp for p in parts for sp in p[2]),
                                   tuple(cue[2]) if cue else ()))
    return out


def read_split(root: Path, limit: int | None = None) -> list[tuple[Path, str, list[GoldAttribution]]]:
    """``(txt path, text, gold)`` per article of a PolNeAR split, in sorted order."""
    anns: dict[str, Path] = {}
    for ann in sorted((root / "attributions").glob("*.ann")):
        anns.setdefault(ann.stem.rsplit("_", 1)[0], ann)
    out = []
    for txt in sorted((root / "text").glob("*.txt")):
        if limit is not None and len(out) >= limit:
            break
        text = txt.read_text(encoding="utf-8")
        ann = anns.get(txt.stem)
        out.append((txt, text, read_ann(ann, text) if ann else []))
    return out


def iou(a: Span, b: Span) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def greedy_match(pred: Sequence[Span], gold: Sequence[Span], score, threshold: float
                 ) -> list[tuple[int, int]]:
    """One-to-one pairs ``(pred index, gold index)``, best score first, score ≥ threshold."""
    cands = [(score(p, g), i, j) for i, p in enumerate(pred) for j, g in enumerate(gold)
             if _overlap(p, g) > 0]
    cands = [c for c in cands if c[0] >= threshold]
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_p, used_g, pairs = set(), set(), []
    for _, i, j in cands:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((i, j))
    return pairs


def _cap_words(s: str) -> set[str]:
    return {w.rstrip(".'’") for w in _CAP_WORD.findall(s)} - _NOT_NAMES - {""}


def source_right(pred: Predicted, gold: GoldAttribution) -> bool:
    """The source rule of the metric (see the module docstring)."""
    if gold.source is None:
        return pred.speaker_span is None
    if pred.speaker_span is None:
        return False
    if _overlap(pred.speaker_span, gold.source) > 0:
        return True
    return bool(pred.speaker_name and gold.source_text
                and _cap_words(pred.speaker_name) & _cap_words(gold.source_text))


_POSSESSIVE = re.compile(r"['\u2019]s\b")
# a possessive after one of these belongs to a modifier of the head, not to the head
# ("A document on the Trump campaign's website" is a document)
_PREPOSITION = re.compile(r"\b(?:of|on|for|at|in|from|with|by|to|about)\b")


def source_heads(gold: GoldAttribution) -> list[tuple[Span, str]]:
    """The heads of a gold source phrase: its text before the first comma, after a
    possessive "'s" of the head's own noun phrase ("Y's aides" → "aides"); and, when that
    text names no one ("A lawyer for the outlets, David Schulz,"), the name the next
    comma segment gives (the role's holder is the same speaker)."""
    if gold.source is None or not gold.source_text:
        return []
    text = gold.source_text
    start, end = 0, len(text)
    comma = text.find(",")
    if comma > 0:
        end = comma
    last = None
    for m in _POSSESSIVE.finditer(text, 0, end):
        last = m
    if last is not None and text[last.end():end].strip() \
            and not _PREPOSITION.search(text, 0, last.start()):
        start = last.end()
    while start < end and text[start].isspace():
        start += 1
    heads = [((gold.source[0] + start, gold.source[0] + end), text[start:end])]
    if comma > 0 and not _cap_words(text[start:end]):
        nxt = text.find(",", comma + 1)
        nxt = len(text) if nxt < 0 else nxt
        s2 = comma + 1
        while s2 < nxt and text[s2].isspace():
            s2 += 1
        if _cap_words(text[s2:nxt]):
            heads.append(((gold.source[0] + s2, gold.source[0] + nxt), text[s2:nxt]))
    return heads


def source_head(gold: GoldAttribution) -> tuple[Span, str] | None:
    """The first head of a gold source phrase (see :func:`source_heads`)."""
    heads = source_heads(gold)
    return heads[0] if heads else None


def source_right_strict(pred: Predicted, gold: GoldAttribution) -> bool:
    """The strict source test (see the module docstring)."""
    if gold.source is None:
        return pred.speaker_span is None
    if pred.speaker_span is None:
        return False
    for span, text in source_heads(gold):
        if _overlap(pred.speaker_span, span) > 0:
            return True
        if pred.speaker_name and _cap_words(pred.speaker_name) & _cap_words(text):
            return True
    return False


def score_article(pred: Sequence[Predicted], gold: Sequence[GoldAttribution]) -> Counter:
    """Counts for one article; add them up and pass to :func:`metrics`."""
    c: Counter = Counter()
    c["pred"] += len(pred)
    c["gold"] += len(gold)
    pairs = greedy_match([p.content for p in pred], [g.content for g in gold], iou, IOU_THRESHOLD)
    c["matched"] += len(pairs)
    for i, j in pairs:
        ok = source_right(pred[i], gold[j])
        c["source_right"] += ok
        c["source_right_strict"] += source_right_strict(pred[i], gold[j])
        c[f"matched_{pred[i].kind}"] += 1
    for p in pred:
        c[f"pred_{p.kind}"] += 1
    pc = [p.cue for p in pred if p.cue]
    gc = [g.cue for g in gold if g.cue]
    c["pred_cue"] += len(pc)
    c["gold_cue"] += len(gc)
    c["matched_cue"] += len(greedy_match(pc, gc, _overlap, 1))
    return c


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def metrics(c: Counter, articles: int) -> dict:
    kinds = QUOTE_KINDS
    return {
        "articles": articles,
        "gold": c["gold"], "predicted": c["pred"], "matched": c["matched"],
        "content": _prf(c["matched"], c["pred"], c["gold"]),
        "source_accuracy": round(c["source_right"] / c["matched"], 4) if c["matched"] else 0.0,
        "linked": _prf(c["source_right"], c["pred"], c["gold"]),
        "strict_source_accuracy": (round(c["source_right_strict"] / c["matched"], 4)
                                   if c["matched"] else 0.0),
        "strict_linked": _prf(c["source_right_strict"], c["pred"], c["gold"]),
        "cue": _prf(c["matched_cue"], c["pred_cue"], c["gold_cue"]),
        "kinds": {k: {"predicted": c[f"pred_{k}"], "matched": c[f"matched_{k}"]} for k in kinds},
    }


def evaluate_predictions(items: Iterable[tuple[Sequence[Predicted], Sequence[GoldAttribution]]]
                         ) -> dict:
    total: Counter = Counter()
    n = 0
    for pred, gold in items:
        total += score_article(pred, gold)
        n += 1
    return metrics(total, n)


def evaluate_polnear(dir: Path, settings: Settings, limit: int | None = None,
                     part: str = "auto") -> dict:
    """Run the actor and quote stages over a PolNeAR split and score them.

    ``part``: ``locked`` / ``open`` (PolNeAR dev's locked 30 % and the rest), ``all``, or
    ``auto`` — on a folder named ``dev``, both parts (locked first) plus the whole; else all.
    """
    from ..actors import resolve_actors
    from ..nlp import get_nlp
    from ..pipeline import components
    from ..quotes import attribute_quotes
    from .splits import locked

    data = read_split(Path(dir), limit)
    tagger = components(settings).quote_tagger
    nlp = get_nlp(settings)
    t0 = time.perf_counter()
    docs = list(nlp.pipe((text for _, text, _ in data), batch_size=settings.batch_size))
    t_parse = time.perf_counter() - t0
    items = []
    t_quotes = 0.0
    for (path, text, gold), doc in zip(data, docs):
        article = CleanArticle(id=content_id(text), source=str(path), text=text)
        actors = resolve_actors(doc, article)
        t1 = time.perf_counter()
        quotes = attribute_quotes(doc, article, actors, settings, tagger)
        t_quotes += time.perf_counter() - t1
        items.append((path.name, [Predicted.from_quote(q) for q in quotes], gold))
    result = evaluate_predictions((p, g) for _, p, g in items)
    result["quote_tagger"] = settings.quote_tagger
    if part == "auto":
        part = "both" if Path(dir).name == "dev" else "all"
    if part in {"both", "locked", "open"}:
        lock = set(locked("polnear_dev"))
        result["parts"] = {
            name: evaluate_predictions((p, g) for f, p, g in items if (f in lock) == want)
            for name, want in (("locked", True), ("open", False))
            if part == "both" or part == name}
    result["seconds"] = {"parse": round(t_parse, 2), "quotes": round(t_quotes, 2),
                         "quotes_over_parse": round(t_quotes / t_parse, 4) if t_parse else None}
    return result


def render_polnear(result: dict):
    """The metrics as a rich table."""
    from rich.table import Table

    t = Table(title=f"PolNeAR — {result['articles']} articles, {result['gold']} gold, "
                    f"{result['predicted']} predicted attributions")
    t.add_column("metric")
    t.add_column("precision", justify="right")
    t.add_column("recall", justify="right")
    t.add_column("F1 / value", justify="right")
    rows = [("", result)] + [(f"{k} part ({v['articles']} articles): ", v)
                             for k, v in (result.get("parts") or {}).items()]
    for prefix, r in rows[1:] + rows[:1]:  # parts first, the locked one leading
        for name in ("content", "strict_linked", "linked", "cue"):
            m = r[name]
            t.add_row(prefix + name.replace("_", " "), f"{m['precision']:.3f}",
                      f"{m['recall']:.3f}", f"{m['f1']:.3f}")
        t.add_row(prefix + "source accuracy, strict / loose", "", "",
                  f"{r['strict_source_accuracy']:.3f} / {r['source_accuracy']:.3f}")
    for k, v in result["kinds"].items():
        t.add_row(f"kind {k}", "", "", f"{v['matched']}/{v['predicted']} matched")
    secs = result.get("seconds") or {}
    if secs.get("quotes_over_parse") is not None:
        t.add_row("quote stage time / parse time", "", "", f"{secs['quotes_over_parse']:.3f}")
    return t
