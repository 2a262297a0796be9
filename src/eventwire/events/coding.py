"""Code single sentences from a TSV (``eventwire code``): one event per data row.

Each row is a forced choice (the PLV task: every sentence holds one event), coded by the
full head (same views it was trained on) averaged with the fine-tuned MiniLM head (the
marked sentence), see ``finetune.py``. Given source/target text is located in
the sentence; when a column is missing or empty, the side comes from the parse (subject /
object of the first lexicon trigger that no other trigger governs, else of the root).
Rows are parsed and classified in batches of ``settings.batch_size``.
"""
from __future__ import annotations

import csv
from itertools import chain, islice
from pathlib import Path
from typing import Iterator

from ..settings import Settings
from .codebook import goldstein
from .coder import _cameo_for, _governed
from .features import Candidate, build_views
from .patterns import match_tokens
from .sides import find_sides, locate_text, np_span

csv.field_size_limit(10**8)
_BATCH = 256


class CodingInputError(ValueError):
    """The TSV cannot be coded (unreadable, no header, missing sentence column)."""


def _main_trigger(sent):
    hits = [h for h in match_tokens(sent) if h.plover != "-"]
    idx = sorted({h.start + sent.start for h in hits})
    for i in idx:
        if not _governed(sent.doc[i], set(idx) - {i}):
            return sent.doc[i], [h for h in hits if h.start + sent.start == i]
    return sent.root, []


def _rows(path: Path, sentence_col: str) -> Iterator[dict[str, str]]:
    try:
        f = open(path, encoding="utf-8", newline="")
    except OSError as e:
        raise CodingInputError(f"cannot read {path}: {e.strerror or e}") from e
    with f:
        try:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            if not reader.fieldnames:
                raise CodingInputError(f"{path} is empty: expected a TSV with a header row")
            if sentence_col not in reader.fieldnames:
                raise CodingInputError(
                    f"{path} has no {sentence_col!r} column (columns: "
                    f"{', '.join(reader.fieldnames)}) — name it with --sentence-col")
            yield from reader
        except (UnicodeDecodeError, csv.Error) as e:
            raise CodingInputError(f"cannot read {path} as UTF-8 TSV: {e}") from e


def code_tsv(path: Path, settings: Settings, sentence_col: str = "sentence",
             source_col: str = "source", target_col: str = "target") -> Iterator[dict]:
    """Yield one result dict per data row, in input order (see CONTRACT.md, ``code``)."""
    from ..nlp import get_nlp
    from .classifier import load_classifier
    from .finetune import load_tuned, predict_combined

    rows = _rows(Path(path), sentence_col)
    first = next(rows, None)  # surface header errors before loading any model
    if first is None:
        return
    clf = load_classifier()
    tuned = load_tuned()
    nlp = get_nlp(settings)
    known = {sentence_col, source_col, target_col, "sentence_id"}
    n = 0
    stream = chain([first], rows)
    while batch := list(islice(stream, _BATCH)):
        sentences = [(r.get(sentence_col) or "").strip() for r in batch]
        docs = list(nlp.pipe(sentences, batch_size=settings.batch_size))
        views, hit_lists, triples = [], [], []
        for r, doc in zip(batch, docs):
            sent = doc[:]
            src = locate_text(doc.text, r.get(source_col))
            tgt = locate_text(doc.text, r.get(target_col))
            trig, hits = _main_trigger(sent) if len(doc) else (None, [])
            if trig is not None and (src is None or tgt is None):
                sides = find_sides(trig)
                if src is None and sides.source is not None:
                    src = np_span(sides.source)
                if tgt is None and sides.target is not None:
                    tgt = np_span(sides.target)
            views.append(build_views(Candidate(sent, src, tgt)) if len(doc) else None)
            if len(doc):
                triples.append((doc.text, src, tgt))
            hit_lists.append(list(views[-1].hits) if views[-1] else [])
        preds = iter(predict_combined([v for v in views if v is not None], triples,
                                      full=clf, tuned=tuned))
        for r, v, hits in zip(batch, views, hit_lists):
            out = {"row": n, "sentence_id": r.get("sentence_id") or None}
            if v is None:
                out.update({"plover": None, "cameo": None, "goldstein": None,
                            "confidence": None})
            else:
                p = next(preds)
                plover, cameo = _cameo_for(p.label, hits)
                out.update({"plover": plover, "cameo": cameo, "goldstein": goldstein(cameo),
                            "confidence": round(p.confidence, 4)})
            out["input"] = {k: v for k, v in r.items() if k not in known and k is not None}
            n += 1
            yield out
