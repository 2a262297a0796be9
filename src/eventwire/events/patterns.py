"""Verb/noun pattern lexicon: finds event triggers in parsed tokens by lemma.

The lexicon (``knowledge/event_patterns.tsv``) was written from the CAMEO 1.1b3 and PLOVER
definitions. A pattern is a trigger lemma, optionally followed within a short window
(3 tokens) by other lemmas ("impose … sanctions", "call on"). spaCy's Matcher would do the
same; the hand-written matcher is kept because it is a few lines, takes alternatives per
slot straight from the TSV and reports which pattern fired (the CAMEO code of the act, ``cameo.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .codebook import knowledge_rows

WINDOW = 3  # tokens allowed between pattern items ("imposed new economic sanctions")
_VERB_POS = {"VERB", "AUX"}
_NOUN_POS = {"NOUN", "PROPN"}


@dataclass(frozen=True)
class Pattern:
    plover: str
    cameo: str
    items: tuple[frozenset[str], ...]
    pos: str  # "V", "N" or "*"
    text: str

    @property
    def specificity(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class PatternHit:
    pattern: Pattern
    start: int  # token index of the trigger (in the token sequence given)
    end: int    # one past the last matched token

    @property
    def plover(self) -> str:
        return self.pattern.plover

    @property
    def cameo(self) -> str:
        return self.pattern.cameo


@lru_cache(maxsize=1)
def load_patterns() -> tuple[Pattern, ...]:
    out = []
    for r in knowledge_rows("event_patterns.tsv"):
        items = tuple(frozenset(alt.lower() for alt in item.split("|"))
                      for item in r["pattern"].split())
        out.append(Pattern(r["plover"], r["cameo"], items, r["pos"], r["pattern"]))
    return tuple(out)


@lru_cache(maxsize=1)
def _by_trigger() -> dict[str, tuple[Pattern, ...]]:
    index: dict[str, list[Pattern]] = {}
    for p in load_patterns():
        for lemma in p.items[0]:
            index.setdefault(lemma, []).append(p)
    return {k: tuple(v) for k, v in index.items()}


def _pos_ok(pattern: Pattern, pos: str) -> bool:
    if pattern.pos == "V":
        return pos in _VERB_POS
    if pattern.pos == "N":
        return pos in _NOUN_POS
    return True


def _norms(tok) -> tuple[str, str]:
    return tok.lemma_.lower(), tok.lower_


def match_tokens(tokens: Sequence) -> list[PatternHit]:
    """Every pattern hit in a token sequence (spaCy ``Doc``/``Span`` or list of tokens).

    Multi-word patterns must match their later items within ``WINDOW`` tokens each.
    Returns hits in token order; for one trigger token, every matching pattern is listed.
    """
    index = _by_trigger()
    toks = list(tokens)
    norms = [_norms(t) for t in toks]
    hits: list[PatternHit] = []
    for i, tok in enumerate(toks):
        lemma, lower = norms[i]
        cands = index.get(lemma, ()) or index.get(lower, ())
        for p in cands:
            if not _pos_ok(p, tok.pos_):
                continue
            end = _match_rest(p, norms, i + 1)
            if end is not None:
                hits.append(PatternHit(p, i, end))
    return hits


def _match_rest(p: Pattern, norms: list[tuple[str, str]], j: int) -> int | None:
    for item in p.items[1:]:
        for k in range(j, min(j + WINDOW + 1, len(norms))):
            if norms[k][0] in item or norms[k][1] in item:
                j = k + 1
                break
        else:
            return None
    return j

