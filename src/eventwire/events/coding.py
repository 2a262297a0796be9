"""Code single sentences from a TSV (``eventwire code``): one event per data row.

Each row is a forced choice (the PLV task: every sentence holds one event) by the same
event coder ``extract`` runs (``Settings.event_coder``), applied to the given sides: the
sentence is read with the given source and target marked and the predicate between them as
trigger. Given source/target text is located in the sentence; a missing side stays
unmarked. Besides the type the result carries ``p_none``, the model's probability that the
sides hold no event at all. Rows are parsed and coded in batches.
"""
from __future__ import annotations

import csv
from itertools import chain, islice
from pathlib import Path
from typing import Iterable, Iterator

from ..settings import Settings
from .sides import locate_text

csv.field_size_limit(10**8)
_BATCH = 256


class CodingInputError(ValueError):
    """The TSV cannot be coded (unreadable, no header, missing sentence column)."""


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


def code_tsv(path: Path, settings: Settings, coder, sentence_col: str = "sentence",
             source_col: str = "source", target_col: str = "target") -> Iterator[dict]:
    """Yield one result dict per data row, in input order (see CONTRACT.md, ``code``);
    ``coder`` is the event coder the settings name (``pipeline.components``)."""
    rows = _rows(Path(path), sentence_col)
    first = next(rows, None)  # surface header errors before loading any model
    if first is None:
        return
    yield from code_rows(chain([first], rows), settings, coder, sentence_col, source_col,
                         target_col)


def code_rows(rows: Iterable[dict[str, str]], settings: Settings, coder,
              sentence_col: str = "sentence", source_col: str = "source",
              target_col: str = "target") -> Iterator[dict]:
    """The coding of ``code_tsv`` over rows already read (also the PLV gate's path)."""
    from ..nlp import get_nlp

    nlp = get_nlp(settings)
    known = {sentence_col, source_col, target_col, "sentence_id"}
    n = 0
    stream = iter(rows)
    while batch := list(islice(stream, _BATCH)):
        sentences = [(r.get(sentence_col) or "").strip() for r in batch]
        docs = list(nlp.pipe(sentences, batch_size=settings.batch_size))
        sides = [(locate_text(doc.text, r.get(source_col)), locate_text(doc.text, r.get(target_col)))
                 for r, doc in zip(batch, docs)]
        for r, coded in zip(batch, coder.code_sentences(docs, sides)):
            out = {"row": n, "sentence_id": r.get("sentence_id") or None}
            if coded is None:
                out.update({"plover": None, "cameo": None, "goldstein": None,
                            "confidence": None})
            else:
                out.update(coded)
            out["input"] = {k: v for k, v in r.items() if k not in known and k is not None}
            n += 1
            yield out
