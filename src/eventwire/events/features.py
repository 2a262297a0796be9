"""Feature views of one candidate event: texts to embed and lexicon-hit indicators.

A candidate is a parsed sentence plus (optionally) the character spans of its source and
target. Three text views are embedded with MiniLM: the sentence, the *predicate* (text
between source and target — on PLV this view alone is worth ~5 points of accuracy over the
sentence) and the dependency *path* from the source head to the target head with its
negation/auxiliary children (the event predicate without the noise of long NPs). Lexicon
hits from ``event_patterns.tsv`` are one-hot per PLOVER type and region (sentence,
predicate, path), plus a negation-on-path flag (refusals).
"""
from __future__ import annotations

from dataclasses import dataclass

from .codebook import plover_table
from .patterns import PatternHit, match_tokens

Span = tuple[int, int]
REGIONS = ("sentence", "predicate", "path")
_ATTACH = {"neg", "aux", "auxpass", "prt", "xcomp", "dobj", "prep", "pobj", "acomp", "attr"}
_SUBJ = {"nsubj", "nsubjpass", "csubj", "expl"}


@dataclass(frozen=True)
class Candidate:
    """One event candidate: a sentence span of a parsed doc, optional sides and trigger."""

    sent: object  # spaCy Span
    source: Span | None = None
    target: Span | None = None
    trigger: int | None = None  # doc token index


@dataclass(frozen=True)
class Views:
    sentence: str
    predicate: str
    path: str
    lexicon: tuple[float, ...]
    hits: tuple[PatternHit, ...]  # with doc token indices
    path_tokens: tuple[int, ...]
    bag: tuple[str, ...] = ()  # lemma features for the fast (embedding-free) head


def lexicon_names() -> list[str]:
    names = [f"{region}:{t}" for region in REGIONS for t in plover_table()]
    return names + ["path:negated"]


def _tokens_in(sent, span: Span | None):
    if span is None:
        return None
    toks = [t for t in sent if t.idx < span[1] and t.idx + len(t) > span[0]]
    return toks or None


def _head_of(toks) -> object:
    ids = {t.i for t in toks}
    for t in toks:
        if t.head.i not in ids or t.head.i == t.i:
            return t
    return toks[0]


def _ancestors_path(a, b) -> list:
    """Tokens on the dependency path between tokens a and b (inclusive)."""
    up_a = [a] + list(a.ancestors)
    ids_a = {t.i: n for n, t in enumerate(up_a)}
    up_b = [b]
    for t in b.ancestors:
        if t.i in ids_a:
            break
        up_b.append(t)
    meet = up_b[-1].head if up_b[-1].i not in ids_a else up_b[-1]
    if b.i in ids_a:
        return up_a[: ids_a[b.i] + 1]
    stop = ids_a.get(meet.i, len(up_a) - 1)
    return up_a[: stop + 1] + up_b


def _root_predicate(sent, trigger: int | None):
    if trigger is not None:
        return sent.doc[trigger]
    return sent.root


def _expand(tokens, exclude: set[int]) -> list:
    """Path tokens plus their negation/auxiliary/particle/complement children."""
    keep = {t.i: t for t in tokens}
    for t in tokens:
        for c in t.children:
            if c.dep_ in {"neg", "aux", "auxpass", "prt"} and c.i not in exclude:
                keep[c.i] = c
    return [keep[i] for i in sorted(keep) if i not in exclude]


def build_views(c: Candidate) -> Views:
    sent = c.sent
    src = _tokens_in(sent, c.source)
    tgt = _tokens_in(sent, c.target)
    side_ids = {t.i for t in (src or [])} | {t.i for t in (tgt or [])}
    pred_tok = _root_predicate(sent, c.trigger)
    if src and tgt:
        path = _ancestors_path(_head_of(src), _head_of(tgt))
        first, second = sorted([src, tgt], key=lambda ts: ts[0].i)
        lo, hi = first[-1].i + 1, second[0].i
        if hi <= lo:  # overlapping or adjacent sides: fall back to the path words
            lo, hi = min(t.i for t in path), max(t.i for t in path) + 1
    else:
        anchor = _head_of(src) if src else (_head_of(tgt) if tgt else pred_tok)
        path = _ancestors_path(anchor, pred_tok) if anchor is not pred_tok else [pred_tok]
        path += [ch for ch in pred_tok.children if ch.dep_ in _ATTACH]
        lo = (src[-1].i + 1) if src else min(
            [pred_tok.i] + [ch.i for ch in pred_tok.children if ch.dep_ in {"neg", "aux", "auxpass"}])
        obj_end = max([pred_tok.i] + [ch.right_edge.i for ch in pred_tok.children
                                      if ch.dep_ in {"dobj", "xcomp", "prt", "dative"}
                                      and ch.i > pred_tok.i])
        hi = (tgt[0].i if tgt and tgt[0].i > lo else min(obj_end, pred_tok.i + 12) + 1)
    path_toks = _expand(path, side_ids)
    doc = sent.doc
    predicate = doc[lo:hi].text.strip() if hi > lo else ""
    if not predicate:
        predicate = " ".join(t.text for t in path_toks) or sent.text
    path_text = " ".join(t.text for t in path_toks) or predicate

    hits = tuple(PatternHit(h.pattern, h.start + sent.start, h.end + sent.start)
                 for h in match_tokens(sent))
    types = list(plover_table())
    vec = [0.0] * (len(REGIONS) * len(types) + 1)
    path_ids = {t.i for t in path_toks}
    for h in hits:
        if h.plover not in types:  # statement verbs ('-') carry no event type
            continue
        k = types.index(h.plover)
        vec[k] = 1.0
        if lo <= h.start < hi:
            vec[len(types) + k] = 1.0
        if h.start in path_ids:
            vec[2 * len(types) + k] = 1.0
    if any(t.dep_ == "neg" or t.lower_ in {"never", "refuse", "refused", "declined"}
           for t in path_toks):
        vec[-1] = 1.0
    bag = [f"path:{t.lemma_.lower()}" for t in path_toks]
    bag += [f"pred:{t.lemma_.lower()}" for t in doc[lo:hi]] if hi > lo else []
    bag += [f"path2:{a.lemma_.lower()}_{b.lemma_.lower()}"
            for a, b in zip(path_toks, path_toks[1:])]
    bag += [f"hit:{h.pattern.text}" for h in hits]
    return Views(sent.text, predicate, path_text, tuple(vec), hits,
                 tuple(sorted(path_ids)), tuple(bag))
