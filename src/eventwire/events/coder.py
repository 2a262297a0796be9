"""Code the events of a parsed article: candidates from the parse, types from lexicon + model.

Per sentence, candidate predicates are (a) tokens whose lemma hits the pattern lexicon and
(b) verbs whose subject and object both resolve to actors. A candidate governed by another
candidate ("refused to *release*", "condemned the *attack*", "urged … to *stop*") is
dropped: CAMEO codes the governing act. Statement verbs (lexicon type ``-``) are never
candidates — what is said stays a quote.

Typing: every candidate goes through the embedding-free ``fast`` classifier head (lemma
bag + lexicon; the MiniLM head cost 3–4× the parse time on PolNeAR dev). A lexicon
trigger takes the most probable of its lexicon types, unless the model is at least
``OVERRIDE_THRESHOLD`` (0.7) sure of another type; it is dropped when the chosen type's
probability is under ``LEXICON_FLOOR`` (0.05: generic trigger words such as "hold" or
"return" in a sentence that reads like no event type). A structural candidate (no lexicon
hit) becomes an event only at ``NO_EVENT_THRESHOLD`` (0.55) or more; otherwise the
sentence has no event. A candidate under that threshold whose sides are not actors is
dropped too (a doubtful event between nobody in particular). These thresholds were set by hand on hand-written sentences, not
tuned on data. Without installed weights the lexicon alone types unambiguous triggers with
confidence ``LEXICON_CONFIDENCE`` (0.63: accuracy of a lexicon-only classifier in 5-fold
CV on PLV_train).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from ..records import (Actor, CleanArticle, Cue, DateRef, Event, EventDate, EventSide,
                       Quote)
from .codebook import cameo_fits, default_cameo, goldstein, plv_label, quad_class
from .features import Candidate, build_views
from .modality import modality_for
from .patterns import PatternHit, match_tokens
from .sides import Sides, find_sides, np_span

log = logging.getLogger(__name__)

LEXICON_CONFIDENCE = 0.63
NO_EVENT_THRESHOLD = 0.55
OVERRIDE_THRESHOLD = 0.7
LEXICON_FLOOR = 0.05
_GOVERNING_DEPS = {"xcomp", "dobj", "pobj", "prep", "acl", "ccomp", "pcomp", "nsubjpass"}


def _actor_for_span(actors: list[Actor], span):
    try:
        from ..actors import actor_for_span
    except ImportError:  # actors stage without the helper: fall back to overlap
        for a in actors:
            if any(ms < span[1] and span[0] < me for ms, me in a.mentions):
                return a
        return None
    return actor_for_span(actors, span)


@dataclass
class _Cand:
    trigger: object  # spaCy Token
    sent: object
    hits: list[PatternHit]
    sides: Sides
    structural: bool = False


def _governed(tok, triggers: set[int]) -> bool:
    """Whether a candidate token hangs (through complements/objects) from another one."""
    t = tok
    for _ in range(5):
        if t.dep_ not in _GOVERNING_DEPS or t.head is t:
            return False
        t = t.head
        if t.i in triggers:
            return True
    return False


def _candidates(sent, actors: list[Actor]) -> list[_Cand]:
    hits_by: dict[int, list[PatternHit]] = {}
    statements: set[int] = set()
    for h in match_tokens(sent):
        i = h.start + sent.start
        if h.plover == "-":
            statements.add(i)
        else:
            hits_by.setdefault(i, []).append(h)
    doc = sent.doc
    cands = {i: _Cand(doc[i], sent, hs, find_sides(doc[i]))
             for i, hs in hits_by.items() if i not in statements}
    for tok in sent:
        if tok.i in cands or tok.i in statements or tok.pos_ != "VERB":
            continue
        sides = find_sides(tok)
        if sides.source is None or sides.target is None:
            continue
        if (_actor_for_span(actors, np_span(sides.source)) is None
                or not any(_actor_for_span(actors, np_span(t)) is not None
                           for t in (sides.target, *sides.alternates))):
            continue
        cands[tok.i] = _Cand(tok, sent, [], sides, structural=True)
    # Only lexicon triggers govern; a structural candidate above a lexicon trigger ("plans
    # to meet", "wants to attack") is an intent/modality verb, not an event of its own.
    lexical = {i for i, c in cands.items() if not c.structural}
    kept = [c for i, c in sorted(cands.items()) if not _governed(c.trigger, lexical - {i})]
    return [c for c in kept if not (c.structural and any(
        _governed(cands[j].trigger, {c.trigger.i}) for j in lexical))]


def _side(tok, actors: list[Actor]) -> EventSide | None:
    if tok is None:
        return None
    span = np_span(tok)
    actor = _actor_for_span(actors, span)
    if actor is None:
        if tok.pos_ == "PRON":
            return None  # an unresolved pronoun names nobody
        # Span text, not ``doc.text``: the latter rebuilds the whole article per call.
        name = "".join(t.text_with_ws for t in tok.doc[_tok_at(tok, span[0]):tok.i + 1]) \
            if span[1] <= tok.idx + len(tok) else None
        if name is None:
            span_obj = tok.doc.char_span(span[0], span[1], alignment_mode="expand")
            name = span_obj.text if span_obj is not None else tok.text
        return EventSide(None, name.strip(), None, (), span)
    return EventSide(actor.id, actor.name, actor.country, tuple(actor.sectors), span)


def _tok_at(tok, char: int) -> int:
    """Token index (at or before ``tok``) that starts at a character offset."""
    i = tok.i
    while i > 0 and tok.doc[i].idx > char:
        i -= 1
    return i


def _pick_target(sides: Sides, actors: list[Actor]) -> EventSide | None:
    """The first target candidate that is an actor, else the first candidate."""
    options = [t for t in (sides.target, *sides.alternates) if t is not None]
    resolved = [s for s in (_side(t, actors) for t in options) if s is not None]
    return next((s for s in resolved if s.actor is not None), resolved[0] if resolved else None)


def _event_date(trigger, sent, dates: list[DateRef], article: CleanArticle) -> EventDate | None:
    inside = [d for d in dates if sent.start_char <= d.span[0] and d.span[1] <= sent.end_char]
    if inside:
        d = min(inside, key=lambda d: min(abs(d.span[0] - trigger.idx),
                                          abs(d.span[1] - trigger.idx)))
        return EventDate(d.text, d.value, d.granularity, False)
    if article.published is not None:
        return EventDate(None, article.published.isoformat(), "day", True)
    return None


def _cameo_for(label: str, hits: list[PatternHit]) -> tuple[str, str]:
    """PLOVER type (YIELD split into CONCEDE/RETREAT) and the finest fitting CAMEO code."""
    plover = label
    if label == "YIELD":
        plover = "RETREAT" if any(h.plover == "RETREAT" for h in hits) else "CONCEDE"
    fitting = [h for h in hits if plv_label(h.plover) == label and cameo_fits(plover, h.cameo)]
    if fitting:
        best = max(fitting, key=lambda h: (h.pattern.specificity, len(h.cameo)))
        return plover, best.cameo
    return plover, default_cameo(plover)


def _type_candidates(cands: list[_Cand], actors: list[Actor]
                     ) -> list[tuple[str, float] | None]:
    """(PLV label, confidence) per candidate, or None for no event."""
    out: list[tuple[str, float] | None] = [None] * len(cands)
    if not cands:
        return out
    from .classifier import ModelMissing, load_classifier, predict

    try:
        clf = load_classifier("fast")
    except ModelMissing as e:
        log.warning("%s; event types come from the lexicon alone", e)
        for k, c in enumerate(cands):
            labels = {plv_label(h.plover) for h in c.hits}
            if len(labels) == 1:
                out[k] = (labels.pop(), LEXICON_CONFIDENCE)
        return out
    views = []
    for c in cands:
        src = np_span(c.sides.source) if c.sides.source is not None else None
        picked = _pick_target(c.sides, actors)
        tgt = picked.span if picked is not None else None
        views.append(build_views(Candidate(c.sent, src, tgt, c.trigger.i)))
    for k, pred in enumerate(predict(clf, views)):
        allowed = {plv_label(h.plover) for h in cands[k].hits}
        if not allowed:
            if pred.confidence >= NO_EVENT_THRESHOLD:
                out[k] = (pred.label, pred.confidence)
            continue
        label = max(allowed, key=lambda lab: pred.probs.get(lab, 0.0))
        if pred.label not in allowed and pred.confidence >= OVERRIDE_THRESHOLD:
            label = pred.label  # the context overrules a misleading trigger word
        conf = pred.probs.get(label, 0.0)
        if conf >= LEXICON_FLOOR:
            out[k] = (label, conf)
    return out


def code_events(doc, article: CleanArticle, actors: list[Actor], dates: list[DateRef],
                quotes: list[Quote]) -> list[Event]:
    """Every event in every sentence of a parsed article, in text order."""
    cands = [c for sent in doc.sents for c in _candidates(sent, actors)]
    typed = _type_candidates(cands, actors)
    events: list[Event] = []
    seen: set[tuple] = set()
    for c, t in zip(cands, typed):
        if t is None:
            continue
        label, conf = t
        plover, cameo = _cameo_for(label, c.hits)
        source, target = _side(c.sides.source, actors), _pick_target(c.sides, actors)
        if (conf < NO_EVENT_THRESHOLD and not (source and source.actor)
                and not (target and target.actor)):
            continue  # an unsure event between nobody in particular is noise, not a fact
        key = (c.sent.start, plover, source.name if source else None,
               target.name if target else None)
        if key in seen:  # "the attack killed five": one ASSAULT, not two
            continue
        seen.add(key)
        date = _event_date(c.trigger, c.sent, dates, article)
        modality = modality_for(c.trigger, c.sent, quotes, date.value if date else None,
                                article.published)
        trig = c.trigger
        events.append(Event(
            plover=plover, cameo=cameo, goldstein=goldstein(cameo),
            sentence=article.text[c.sent.start_char:c.sent.end_char],
            span=(c.sent.start_char, c.sent.end_char), confidence=round(conf, 4),
            quad_class=quad_class(cameo), source=source, target=target,
            modality=modality, date=date,
            trigger=Cue(trig.text, (trig.idx, trig.idx + len(trig)))))
    return events
