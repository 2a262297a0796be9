"""The quote tagger (registry name ``crf``): a linear-chain CRF that tags Content / Source / Cue tokens.

Why a CRF: PolNeAR annotates every attribution (indirect speech, attitudes, "according
to", noun cues …), which a rule quoter over the parse reaches only at linked F1 ≈ 0.45.
A CRF over the spaCy tokens the pipeline already has costs a few microseconds a token
(python-crfsuite, C code), needs no second parser, trains in minutes on two CPU cores and
ships as a file of a few MB. Sequences are paragraphs (quotes rarely cross one, and
spaCy's sentences sometimes do); labels are BIO over ``C`` (content), ``S`` (source) and
``Q`` (cue). Features: the word and its neighbours, POS, dependency label and head, the
cue lexicon (``knowledge/cues.tsv``: how often a lemma is a cue in PolNeAR train), the
position inside quotation marks (``quotes.marks``), the dependency path to the
nearest cue word (the ccomp under "said", the nsubj of "told", the pobj of "according
to"), and the strongest cue word of the sentence with the side a token lies on (+0.011
content F1, +0.012 linked F1 on a held-out tenth of train). ``decode`` groups the tagged
spans into attributions: an unquoted content ends with its sentence, one running over a
coordinated cue verb ("… and refuses to …") is split in two, each content takes the
nearest cue of its paragraph, a split quote (content, cue, content) becomes one quote,
the cue takes the nearest source span or else its parsed subject. (Round 2 tried richer
features — ±2 lemmas, clause-head cue rate, sentence index in the paragraph, previous
paragraph had a cue — and they lowered held-out content F1 by 0.001–0.006, so the feature
set stayed; the decoding rules gave the gains.)

Trained on PolNeAR v1.0.0 train (Newell, Margolin & Ruths 2018), first annotator file per
article, by ``eventwire train quotes`` (``training/quotes.py``; reproducible for a fixed
seed). Hyper-parameters and decoding rules were tuned on a held-out tenth of train, never
on dev.

Thread safety: a ``pycrfsuite.Tagger`` holds the sequence being tagged between ``set``,
``tag`` and ``marginal``, so each thread gets its own tagger over the same model file
(web requests run in a thread pool).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np
from spacy.attrs import HEAD

from .cues import load_cues
from .marks import find_marked_quotes, quote_mask
from .syntax import noun_phrase, paragraph_runs, subject_token

log = logging.getLogger(__name__)

MODEL_FILE = "tagger.crfsuite"
# A lemma is a cue anchor for the path features when at least this share of its train
# occurrences are cues (0.15: below it "have", "make" … flood the paths).
ANCHOR_RATE = 0.15
# A paragraph is tagged only when it holds a cue word of these rate buckets or a token
# inside quotation marks (quote-mask value 2): skipping the others
# saves about a sixth of the tagging time; they hold 3% of the gold attributions but the
# tagger finds few of those anyway (content F1 0.6387 vs 0.6396 ungated, held-out tenth
# of train).
_GATE_BUCKETS = frozenset({"hi", "mid"})
_INSIDE_MARKS = 2
# Regularisation tuned on a held-out tenth of train (linked F1 0.566 / 0.578 / 0.588 /
# 0.597 / 0.595 for c1, c2 = 0.05, 0.01 / 0.1, 0.05 / 0.2, 0.2 / 0.4, 0.6 / 0.8, 1.5).
CRF_PARAMS = {"c1": 0.4, "c2": 0.6, "max_iterations": 100,
              "feature.possible_transitions": True}
# A coordinated verb splits a content when its cue rate is at least this (held-out tenth
# of train, content / linked F1: 0.6746 / 0.6070 at 0.5, 0.6758 / 0.6077 at 0.3, 0.6725 /
# 0.6032 at 0.15; 0.6730 / 0.6053 without the split).
_SPLIT_RATE = 0.3
# the most tokens between the two parts of a split quote around their cue
_SPLIT_GAP = 20




def default_model_file() -> Path:
    return Path(str(resources.files("eventwire").joinpath("models", "quotes", MODEL_FILE)))


def _bucket(rate: float) -> str:
    if rate >= 0.5:
        return "hi"
    if rate >= 0.15:
        return "mid"
    if rate >= 0.03:
        return "lo"
    return "no"


def _dist(d: int) -> str:
    return str(d) if d < 4 else ("4-7" if d < 8 else "8+")


class _TokenTable:
    """Per-token columns of one doc that the CRF features are made of, computed once.

    ``features(i)`` builds token ``i``'s feature strings; decoding asks only for the tokens
    of the paragraphs it tags, and the dependency path of a token is walked only then.
    """

    def __init__(self, doc, cues: dict[str, float], text: str | None = None,
                 marked=None) -> None:
        # ``doc.text`` joins every token anew (about 5 % of the parse's time): callers that
        # hold the text the doc was made from pass it in, and its marked quotes if found
        if text is None or (len(doc) and doc[-1].idx + len(doc[-1].text_with_ws) != len(text)):
            text, marked = doc.text, None
        mask = quote_mask(text, find_marked_quotes(text) if marked is None else marked)
        toks = list(doc)
        self.n = n = len(toks)
        self.low = low = [t.lower_ for t in toks]
        self.lem = lem = [t.lemma_.lower() for t in toks]
        self.pos = pos = [t.pos_ for t in toks]
        self.dep = [t.dep_ for t in toks]
        # HEAD holds offsets to the head as unsigned integers; int64 turns them signed
        self.head = (doc.to_array(HEAD).astype("int64") + np.arange(n)).tolist() if n else []
        self.rate = rate = [cues.get(x, 0.0) for x in lem]
        self.bucket = [_bucket(r) for r in rate]
        self.anchor = [r >= ANCHOR_RATE for r in rate]
        self.inq = [mask[t.idx] if t.idx < len(mask) else 0 for t in toks]
        self.sstart = [t.is_sent_start for t in toks]
        self.ent = [t.ent_type_ for t in toks]
        self.shape = [("X" if t.is_title else "x" if t.is_lower else "d" if t.is_digit else "o")
                      for t in toks]
        newline = [t.is_space and "\n" in t.text for t in toks]
        self.segments = paragraph_runs(newline)

        # token distance to the nearest anchor left / right inside the paragraph
        self.left = left = [99] * n
        self.right = right = [99] * n
        last = -99
        for i in range(n):
            if newline[i]:
                last = -99
            left[i] = i - last if last >= 0 else 99
            if self.anchor[i]:
                last = i
        last = -1
        for i in range(n - 1, -1, -1):
            if newline[i]:
                last = -1
            right[i] = last - i if last >= 0 else 99
            if self.anchor[i]:
                last = i

        # the strongest cue word of each sentence (token index, or -1), for every token
        self.sent_best = best_of = [-1] * n
        starts = [i for i in range(n) if i == 0 or self.sstart[i]] + [n]
        for a, b in zip(starts, starts[1:]):
            best, br = -1, 0.0
            for i in range(a, b):
                if rate[i] > br and pos[i] in ("VERB", "NOUN", "ADJ"):
                    best, br = i, rate[i]
            for i in range(a, b):
                best_of[i] = best

    def gated(self, s: int, e: int) -> bool:
        """Whether tokens ``[s, e)`` hold a likely cue word or a quotation-mark interior."""
        bucket, inq = self.bucket, self.inq
        return any(bucket[i] in _GATE_BUCKETS or inq[i] == _INSIDE_MARKS for i in range(s, e))

    def _path(self, i: int) -> tuple[str, str]:
        """The nearest anchor on the path to the root, with the dependency of the child
        under it (bucketed, and lexicalised)."""
        head, anchor, dep = self.head, self.anchor, self.dep
        j, child, steps = i, i, 0
        while steps < 12:
            h = head[j]
            if anchor[j] and j != i:
                return f"{dep[child]}|{self.bucket[j]}", f"{dep[child]}|{self.lem[j]}"
            if h == j:
                break
            child, j, steps = j, h, steps + 1
        return "none", "none"

    def features(self, i: int) -> list[str]:
        low, lem, pos, dep, head = self.low, self.lem, self.pos, self.dep, self.head
        bucket, inq, sstart = self.bucket, self.inq, self.sstart
        n, hd = self.n, head[i]
        path, path_lex = self._path(i)
        right = _dist(self.right[i])
        f = [
            "b", f"w={low[i]}", f"l={lem[i]}", f"p={pos[i]}", f"d={dep[i]}",
            f"hd={dep[i]}|{lem[hd]}", f"hp={pos[hd]}", f"hq={bucket[hd]}",
            f"cue={bucket[i]}", f"q={inq[i]}", f"path={path}",
            f"pathp={path}|{pos[i]}", f"pathl={path_lex}", f"sh={self.shape[i]}",
            f"e={self.ent[i]}", f"hh={dep[hd]}|{lem[head[hd]]}",
            f"L={_dist(self.left[i])}", f"R={right}", f"q|R={inq[i]}|{right}",
        ]
        if sstart[i]:
            f.append("ss")
        if i > 0:
            f += [f"w-1={low[i - 1]}", f"p-1={pos[i - 1]}", f"q-1={inq[i - 1]}",
                  f"ww={low[i - 1]}|{low[i]}", f"cue-1={bucket[i - 1]}"]
        else:
            f.append("BOS")
        if i > 1:
            f += [f"p-2={pos[i - 2]}", f"w-2={low[i - 2]}"]
        if i + 1 < n:
            f += [f"w+1={low[i + 1]}", f"p+1={pos[i + 1]}", f"q+1={inq[i + 1]}",
                  f"cue+1={bucket[i + 1]}", f"ss+1={sstart[i + 1]}"]
        else:
            f.append("EOS")
        if i + 2 < n:
            f += [f"p+2={pos[i + 2]}", f"w+2={low[i + 2]}"]
        best = self.sent_best[i]
        if best < 0:
            f.append("sa=none")
        else:
            side = "L" if i < best else ("R" if i > best else "A")
            f += [f"sa={lem[best]}", f"sas={side}|{bucket[best]}", f"sasp={side}|{pos[i]}"]
        return f


def featurize(doc, cues: dict[str, float] | None = None) -> list[list[str]]:
    """CRF features for every token of ``doc`` (see the module docstring)."""
    table = _TokenTable(doc, load_cues() if cues is None else cues)
    return [table.features(i) for i in range(table.n)]


@dataclass(frozen=True)
class TaggedAttribution:
    """Token ranges ``[start, end)`` of one decoded attribution."""

    content: tuple[int, int]
    cue: tuple[int, int] | None
    source: tuple[int, int] | None
    confidence: float


def _spans(tags: Sequence[str], offset: int) -> list[tuple[str, int, int]]:
    out, cur = [], None
    for k, tag in enumerate(tags):
        i = offset + k
        if tag == "O":
            if cur:
                out.append(cur)
                cur = None
            continue
        kind = tag[2:]
        if tag.startswith("B-") or cur is None or cur[0] != kind:
            if cur:
                out.append(cur)
            cur = (kind, i, i + 1)
        else:
            cur = (kind, cur[1], i + 1)
    if cur:
        out.append(cur)
    return out


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(b[0] - a[1], a[0] - b[1], 0)


def decode(doc, tagger, text: str | None = None, marked=None) -> list[TaggedAttribution]:
    """Tag every paragraph and group the spans into attributions (``text``: the text
    ``doc`` was made from, and ``marked`` its quotation marks, when the caller has them)."""
    table = _TokenTable(doc, load_cues(), text, marked)
    inq = [q != 0 for q in table.inq]
    rates = table.rate
    out: list[TaggedAttribution] = []
    for s, e in table.segments:
        if not table.gated(s, e):
            continue  # no cue word and no quotation mark: nothing to attribute
        tagger.set([table.features(i) for i in range(s, e)])
        tags = tagger.tag()
        spans = _spans(tags, s)
        conts = [c for a, b in ((a, b) for k, a, b in spans if k == "C")
                 for c in _cut_at_sentences(doc, a, b, inq)]
        cues = [(a, b) for k, a, b in spans if k == "Q"]
        conts, extra = _split_coordinated(doc, conts, inq, rates)
        cues = sorted(cues + extra)
        srcs = [(a, b) for k, a, b in spans if k == "S"]
        if not conts:
            continue
        owner: dict[int, list[tuple[int, int]]] = {}
        lone: list[tuple[int, int]] = []
        for c in conts:
            if not cues:
                lone.append(c)
                continue
            k = min(range(len(cues)), key=lambda k: (_gap(c, cues[k]), k))
            owner.setdefault(k, []).append(c)
        for c in lone:
            out.append(TaggedAttribution(c, None, None, _conf(tagger, tags, c, s)))
        extra_set = set(extra)
        for k, cs in owner.items():
            q = cues[k]
            src = _pick_source(doc, _split_origin(q, conts, owner, cues) if q in extra_set
                               else q, srcs)
            cs = sorted(cs)
            merged: list[tuple[int, int]] = []
            for c in cs:
                if merged and merged[-1][1] <= q[0] and c[0] >= q[1] and _gap(merged[-1], c) <= _SPLIT_GAP:
                    merged[-1] = (merged[-1][0], c[1])  # split quote: "…," she said, "…"
                else:
                    merged.append(c)
            for c in merged:
                out.append(TaggedAttribution(c, q, src, _conf(tagger, tags, c, s)))
    out.sort(key=lambda a: a.content)
    return out


def _split_origin(cue: tuple[int, int], conts, owner, cues) -> tuple[int, int]:
    """The cue a coordinated cue verb was split off from (the cue of the content just
    before it): "X said the sanctions were overdue and called on the bloc to …" — "called"
    is X's, though the parse may hang it on the reported clause."""
    before = [c for c in conts if c[1] <= cue[0]]
    if before:
        first = max(before, key=lambda c: c[1])
        for k, cs in owner.items():
            if first in cs and cues[k] != cue:
                return cues[k]
    return cue


def _cut_at_sentences(doc, a: int, b: int, inq: Sequence[bool]) -> list[tuple[int, int]]:
    """An unquoted content ends with its sentence: the tagger runs reported speech on
    into the narrator's next sentence (a sentence that opens inside quotation marks
    continues a quote and stays). Held-out tenth of train: content F1 +0.001, linked F1
    +0.003."""
    if inq[a]:
        return [(a, b)]
    for i in range(a + 1, b):
        if doc[i].is_sent_start and not inq[i] and not doc[i].is_punct:
            end = i
            while end > a and (doc[end - 1].is_space):
                end -= 1
            return [(a, end)] if end > a else []
    return [(a, b)]


def _split_coordinated(doc, conts, inq, rates):
    """``that he will fight on and refuses to answer questions``: an unquoted content that
    runs over a coordinated cue verb is two attributions; the first ends before the
    conjunction, the second is what follows the verb, with the verb as its cue. So does
    one running over a cue participle or an unlinked coordinated cue verb after a comma
    ("… a historic step, applauding America's leadership"; "…, attacked Rubio for …"):
    a quote never spans two attributions (held-out tenth of train: content F1 +0.002)."""
    out, extra = [], []
    for a, b in conts:
        cut = None
        for i in range(a + 1, b - 1):
            t = doc[i]
            if inq[i] or t.pos_ != "VERB" or rates[i] < _SPLIT_RATE:
                continue
            if t.dep_ == "conj":
                cc = [c.i for c in t.head.children if c.dep_ == "cc" and a < c.i < i]
                if cc:
                    cut = (cc[-1], i)
                    break
            if t.dep_ in ("conj", "advcl") and doc[i - 1].text == "," and i - 1 > a \
                    and (t.dep_ == "conj" or t.tag_ == "VBG"):
                cut = (i - 1, i)
                break
        if cut is None:
            out.append((a, b))
            continue
        out += [(a, cut[0]), (cut[1] + 1, b)]
        extra.append((cut[1], cut[1] + 1))
    return out, extra


def _pick_source(doc, q: tuple[int, int], srcs: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The tagged source span holding the cue's parsed subject, else the nearest tagged
    source of the cue's sentence, else the parsed subject itself, else none (a lone
    expletive "it" or relative "that" is never a speaker)."""
    # only a passive expletive is dropped from the tagged sources: PolNeAR does annotate
    # relative pronouns and referring "it" as sources (held-out tenth: filtering all of
    # _no_speaker costs 0.006 source accuracy)
    srcs = [sp for sp in srcs if not (sp[1] - sp[0] == 1 and doc[sp[0]].lower_ in ("it", "there")
                                      and doc[sp[0]].dep_ in ("expl", "nsubjpass"))]
    subj = subject_token(doc, q)
    if subj is not None:
        for sp in srcs:
            if sp[0] <= subj.i < sp[1]:
                return sp
    sent = doc[q[0]].sent
    near = [sp for sp in srcs if sent.start <= sp[0] < sent.end and _gap(q, sp) <= 25]
    if near:
        return min(near, key=lambda sp: (_gap(q, sp), sp))
    return noun_phrase(subj) if subj is not None else None


def _conf(tagger, tags: Sequence[str], span: tuple[int, int], offset: int) -> float:
    i = span[0] - offset
    try:
        return round(float(tagger.marginal(tags[i], i)), 3)
    except (ValueError, IndexError):
        return 0.5


class CrfQuoteTagger:
    """The built-in quote tagger: ``decode`` over the shipped CRF, one ``pycrfsuite.Tagger``
    per thread. ``available`` is false when the weights are missing (the quote stage then
    runs its rules alone)."""

    name = "crf"

    def __init__(self, model_file: str | None = None) -> None:
        self.model_file = Path(model_file) if model_file else default_model_file()
        self.available = self.model_file.is_file()
        if not self.available:
            log.warning("quote tagger weights not found at %s — run `eventwire train quotes`",
                        self.model_file)
        self._local = threading.local()

    def _tagger(self):
        t = getattr(self._local, "tagger", None)
        if t is None:
            import pycrfsuite

            t = pycrfsuite.Tagger()
            t.open(str(self.model_file))
            self._local.tagger = t
        return t

    def tag(self, doc, text: str | None = None, marked=None) -> list[TaggedAttribution]:
        """Decoded attributions of a parsed article (empty without weights)."""
        if not self.available:
            return []
        return decode(doc, self._tagger(), text, marked)


def make_crf_tagger(model_file: str | None = None) -> CrfQuoteTagger:
    return CrfQuoteTagger(model_file)
