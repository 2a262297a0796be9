"""How one event candidate is shown to the event model: the sentence with its dyad marked.

The source, the target and the trigger are wrapped in marker tokens (BERT's unused
vocabulary rows ``[unused1]``…``[unused6]``, registered as special tokens so that each is one
word piece), the PLV-style ``<s>…</s>``/``<t>…</t>`` marking plus a trigger mark so that two
predicates of one sentence with the same sides stay apart. The model reads the states at
``[CLS]`` and at the three opening markers. Sentences longer than ``MAX_LEN`` word pieces are
cut to a window around the markers.

Shared by training (``training/events.py``) and inference (``model.py``) so both see the
same input. Pure Python and ``tokenizers``; no torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

Span = tuple[int, int]

MAX_LEN = 64
SOURCE_OPEN, SOURCE_CLOSE = "[unused1]", "[unused2]"
TARGET_OPEN, TARGET_CLOSE = "[unused3]", "[unused4]"
TRIGGER_OPEN, TRIGGER_CLOSE = "[unused5]", "[unused6]"
MARKERS = (SOURCE_OPEN, SOURCE_CLOSE, TARGET_OPEN, TARGET_CLOSE, TRIGGER_OPEN, TRIGGER_CLOSE)
OPENERS = (SOURCE_OPEN, TARGET_OPEN, TRIGGER_OPEN)


@dataclass(frozen=True)
class Encoded:
    """Word-piece ids of one marked candidate and the positions the model pools."""

    ids: tuple[int, ...]
    positions: tuple[int, int, int]  # source, target, trigger opener; 0 ([CLS]) when absent


def mark(text: str, source: Span | None, target: Span | None, trigger: Span | None) -> str:
    """``text`` with marker tokens around the given character spans (spans into ``text``)."""
    inserts: list[tuple[int, int, str]] = []
    # at one position: closers before openers; a wider span opens first and closes last
    for rank, (span, op, cl) in enumerate(((source, SOURCE_OPEN, SOURCE_CLOSE),
                                           (target, TARGET_OPEN, TARGET_CLOSE),
                                           (trigger, TRIGGER_OPEN, TRIGGER_CLOSE))):
        if span is None or span[1] <= span[0]:
            continue
        inserts.append((span[0], 1, -(span[1] - span[0]), f" {op} "))
        inserts.append((span[1], 0, span[1] - span[0], f" {cl} "))
    out, last = [], 0
    for pos, _, _, m in sorted(inserts, key=lambda x: (x[0], x[1], x[2])):
        out.append(text[last:pos])
        out.append(m)
        last = pos
    out.append(text[last:])
    return " ".join("".join(out).split())


def load_tokenizer(path: str):
    """A ``tokenizers.Tokenizer`` from ``tokenizer.json`` with the markers as special tokens."""
    from tokenizers import AddedToken, Tokenizer

    tok = Tokenizer.from_file(path)
    tok.add_special_tokens([AddedToken(m, single_word=False, normalized=False) for m in MARKERS])
    tok.no_truncation()
    tok.no_padding()
    return tok


def encode(tokenizer, marked: Sequence[str], max_len: int = MAX_LEN) -> list[Encoded]:
    """Encode marked texts, cutting each to a ``max_len`` window around its markers."""
    opener_ids = [tokenizer.token_to_id(m) for m in OPENERS]
    closer_ids = {tokenizer.token_to_id(m) for m in (SOURCE_CLOSE, TARGET_CLOSE, TRIGGER_CLOSE)}
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    out = []
    for enc in tokenizer.encode_batch(list(marked), add_special_tokens=False):
        ids = enc.ids
        body = max_len - 2
        if len(ids) > body:
            marks = [i for i, t in enumerate(ids) if t in opener_ids or t in closer_ids]
            trig = next((i for i, t in enumerate(ids) if t == opener_ids[2]),
                        marks[0] if marks else 0)
            lo, hi = (min(marks), max(marks) + 1) if marks else (0, 1)
            if hi - lo <= body:  # all markers fit: centre the window on them
                start = max(0, min(lo - (body - (hi - lo)) // 2, len(ids) - body))
            else:  # they do not: centre on the trigger
                start = max(0, min(trig - body // 2, len(ids) - body))
            ids = ids[start:start + body]
        ids = [cls_id, *ids, sep_id]
        pos = tuple(next((i for i, t in enumerate(ids) if t == o), 0) for o in opener_ids)
        out.append(Encoded(tuple(ids), pos))  # type: ignore[arg-type]
    return out


def batch_arrays(items: Sequence[Encoded]):
    """Padded ``input_ids``, ``attention_mask`` and ``positions`` arrays (numpy int64)."""
    import numpy as np

    width = max(len(e.ids) for e in items)
    ids = np.zeros((len(items), width), dtype=np.int64)
    mask = np.zeros((len(items), width), dtype=np.int64)
    for k, e in enumerate(items):
        ids[k, :len(e.ids)] = e.ids
        mask[k, :len(e.ids)] = 1
    pos = np.array([e.positions for e in items], dtype=np.int64)
    return ids, mask, pos
