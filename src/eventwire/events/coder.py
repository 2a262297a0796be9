"""The event coder: candidates from the parse, typed by the event model, with CAMEO codes,
sides, modality and dates — one model for articles (``code_article``) and for single
sentences with given sides (``code_sentences``, behind ``eventwire code``).

Flow per article: ``candidates.doc_candidates`` proposes every predicate with an actor
among its arguments; the model (``model.py``) reads each candidate with its dyad marked and
says a PLV label or NONE; a candidate is an event when its best label is not NONE and has
NONE probability is under the model's ``none_threshold`` (chosen in training on held-out
real-article candidates, precision first: ``training/events.py``). The sides are actors (a person, organisation,
state or group): a side that is a thing or a time was never proposed, and an event with no
actor side is not emitted. An act that is the content of another act of the same sentence
("urged Turkey to *release* …", "threatened to *strike*", "refused to *meet*") is flagged
hypothetical (negated under a refusal): it was asked for, threatened or refused, not done.

"""
from __future__ import annotations

import logging
from dataclasses import replace
from functools import cached_property
from typing import Sequence

from ..records import (Actor, CleanArticle, Cue, DateRef, Event, EventSide,
                       Modality, Quote)
from .cameo import cameo_for, trigger_hits
from .candidates import EventCandidate, doc_candidates, trigger_between
from .codebook import goldstein, quad_class
from .dates import event_date
from .encoding import mark
from .modality import modality_for
from .model import NONE, load_event_model
from .patterns import match_tokens

log = logging.getLogger(__name__)

_CONTENT_DEPS = frozenset({"xcomp", "ccomp"})
# acts whose complement is not done: asked for, threatened, promised, refused
_IRREALIS_PARENTS = frozenset({"REQUEST", "THREATEN", "AGREE", "REJECT"})


def _sentence_text(c: EventCandidate, text: str) -> tuple[str, int]:
    return text[c.sent.start_char:c.sent.end_char], c.sent.start_char


def marked_candidate(c: EventCandidate, text: str) -> str:
    """The candidate as the model reads it: its sentence with the dyad and trigger marked."""
    sent, off = _sentence_text(c, text)
    rel = (lambda sp: (sp[0] - off, sp[1] - off) if sp else None)
    return mark(sent, rel(c.source), rel(c.target), rel(c.trigger_span))


def _side(span, actor: Actor | None) -> EventSide | None:
    if actor is None:
        return None
    return EventSide(actor.id, actor.name, actor.country, tuple(actor.sectors), span)


def _content_of(c: EventCandidate, parents: dict[int, str]) -> str | None:
    """The type of the positive candidate whose complement clause holds this trigger."""
    t = c.trigger
    for _ in range(3):
        if t.dep_ not in _CONTENT_DEPS or t.head is t:
            return None
        t = t.head
        if t.i in parents:
            return parents[t.i]
    return None


class MiniLMEventCoder:
    """The built-in event coder (registry name ``minilm``)."""

    name = "minilm"

    def __init__(self, model_dir: str | None = None) -> None:
        self.model_dir = model_dir

    @cached_property
    def model(self):
        return load_event_model(self.model_dir)

    # -- articles ------------------------------------------------------------------------
    def code_article(self, doc, article: CleanArticle, actors: Sequence[Actor],
                     dates: Sequence[DateRef], quotes: Sequence[Quote]) -> list[Event]:
        """Every event of a parsed article, in text order."""
        cands = doc_candidates(doc, actors, quotes)
        if not cands:
            return []
        preds = self.model.predict([marked_candidate(c, article.text) for c in cands])
        bound = self.model.none_threshold
        chosen: list[tuple[EventCandidate, str, float]] = [
            (c, *p.best_event()) for c, p in zip(cands, preds) if p.probs[NONE] < bound]
        parents = {c.trigger.i: label for c, label, _ in chosen}
        events, seen = [], set()
        sentence_hits: dict[int, list] = {}   # the pattern lexicon, once per sentence
        for c, label, conf in chosen:
            source, target = _side(c.source, c.source_actor), _side(c.target, c.target_actor)
            if source is None and target is None:
                continue
            if c.sent.start not in sentence_hits:
                sentence_hits[c.sent.start] = match_tokens(c.sent)
            plover, cameo = cameo_for(label, trigger_hits(c.trigger, c.sent,
                                                          sentence_hits[c.sent.start]))
            key = (c.sent.start, plover, source.actor if source else None,
                   target.actor if target else None)
            if key in seen:  # "the attack killed five": one ASSAULT, not two
                continue
            seen.add(key)
            date = event_date(c.trigger, c.sent, dates, article)
            modality = modality_for(c.trigger, c.sent, quotes, date.value if date else None,
                                    article.published)
            parent = _content_of(c, parents)
            if parent in _IRREALIS_PARENTS:
                modality = replace(modality, hypothetical=modality.hypothetical or parent != "REJECT",
                                   negated=modality.negated or parent == "REJECT")
            trig = c.trigger
            events.append(Event(
                plover=plover, cameo=cameo, goldstein=goldstein(cameo),
                sentence=article.text[c.sent.start_char:c.sent.end_char],
                span=(c.sent.start_char, c.sent.end_char), confidence=round(conf, 4),
                quad_class=quad_class(cameo), source=source, target=target,
                modality=modality, date=date,
                trigger=Cue(trig.text, (trig.idx, trig.idx + len(trig)))))
        return events

    # -- single sentences ---------------------------------------------------------------
    def code_sentences(self, docs: Sequence, sides: Sequence[tuple]) -> list[dict | None]:
        """Forced choice per parsed sentence with given (source, target) character spans
        (either may be None): the most probable event type, its CAMEO code and Goldstein
        value, the model's confidence, and ``p_none`` — how likely the model finds that
        the sentence holds no event between those sides."""
        marked, keep = [], []
        for doc, (src, tgt) in zip(docs, sides):
            if not len(doc):
                keep.append(None)
                continue
            trig = trigger_between(doc, src, tgt)
            keep.append((doc, trig))
            marked.append(mark(doc.text, src, tgt, trig))
        preds = iter(self.model.predict(marked))
        out: list[dict | None] = []
        for item in keep:
            if item is None:
                out.append(None)
                continue
            doc, trig = item
            p = next(preds)
            label, conf = p.best_event()
            tok = next((t for t in doc if trig and t.idx == trig[0]), None)
            hits = trigger_hits(tok, doc[:]) if tok is not None else []
            plover, cameo = cameo_for(label, hits)
            out.append({"plover": plover, "cameo": cameo, "goldstein": goldstein(cameo),
                        "confidence": round(conf, 4), "p_none": round(p.probs.get(NONE, 0.0), 4),
                        "trigger": tok.text if tok is not None else None})
        return out


def make_minilm_coder(model_dir: str | None = None) -> MiniLMEventCoder:
    return MiniLMEventCoder(model_dir)


__all__ = ["MiniLMEventCoder", "marked_candidate", "Modality"]
