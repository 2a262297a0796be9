"""Event candidates from the parse: a predicate with at least one actor among its arguments.

A predicate is a verb, or a noun the pattern lexicon lists as an event noun ("talks",
"sanctions", "attack"). Its sides come from ``sides.find_sides`` (the agent as source; the
patient, recipient or an oblique actor as target, or the possessor of a thing targeted:
"condemned North Korea's test"). A candidate is kept when the source or a target resolves
to an actor that can act (a person, an organisation, a state, a group — a
place named as a place is not a side); a side that is not an actor (a thing, a time, an
amount) is dropped, so a candidate may have one side only.

Reporting verbs ("said", "told") add a second kind of candidate: the speaker as source and
the first actor of the reported clause as target, with the reported clause's predicate as
trigger ("X said Y lied": ACCUSE by X at Y). Whether a candidate is an event, and of which
type, is the event model's call (``model.py``); this module only proposes.

Light verbs that carry no act of their own (be, have, seem, become …) are never
predicates; their complements are.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from ..records import Actor, Quote
from ..wordlists import verb_class
from .codebook import knowledge_rows
from .sides import find_sides, np_span

Span = tuple[int, int]

# kinds of actor that can be an event's side
SIDE_KINDS = frozenset({"person", "organization", "country", "group"})


@dataclass(frozen=True)
class EventCandidate:
    """One predicate with its sides, in a sentence of a parsed doc."""

    sent: object                   # spaCy Span (the sentence)
    trigger: object                # spaCy Token
    source: Span | None            # character span of the source noun phrase
    target: Span | None
    source_actor: Actor | None
    target_actor: Actor | None
    reported: bool = False         # made from a reporting verb and its reported clause

    @property
    def trigger_span(self) -> Span:
        t = self.trigger
        return t.idx, t.idx + len(t)


@lru_cache(maxsize=1)
def event_nouns() -> frozenset[str]:
    """Lemmas the pattern lexicon lists as noun (or either-part) triggers."""
    out = set()
    for r in knowledge_rows("event_patterns.tsv"):
        if r["pos"] in {"N", "*"} and r["plover"] != "-":
            out.update(r["pattern"].split()[0].split("|"))
    return frozenset(out)


_FIRST_PERSON = frozenset({"i", "me", "we", "us"})


def _quoted_speaker(tok, actors: Sequence[Actor], quotes: Sequence[Quote]) -> Actor | None:
    """``"We urge Turkey …," Price said``: a first-person pronoun inside a direct quote is
    the quote's speaker (for "we", the speaker stands for the group they speak for)."""
    if tok.lower_ not in _FIRST_PERSON:
        return None
    for q in quotes:
        if (q.kind == "direct" and q.speaker is not None and q.speaker.actor is not None
                and q.span[0] <= tok.idx < q.span[1]):
            return next((a for a in actors if a.id == q.speaker.actor), None)
    return None


def _actor_at(actors: Sequence[Actor], tok, quotes: Sequence[Quote] = ()
              ) -> tuple[Span, Actor | None]:
    from ..actors import actor_for_span

    span = np_span(tok)
    actor = actor_for_span(list(actors), span)
    if actor is None and tok.pos_ == "PRON":
        actor = _quoted_speaker(tok, actors, quotes)
    if actor is not None and actor.kind not in SIDE_KINDS:
        actor = None
    return span, actor


def is_predicate(tok) -> bool:
    if tok.pos_ == "VERB":
        return tok.lemma_.lower() not in verb_class("light")
    return tok.pos_ == "NOUN" and tok.lemma_.lower() in event_nouns()


def _reported_candidates(verb, actors: Sequence[Actor], sent, quotes: Sequence[Quote]
                         ) -> list[EventCandidate]:
    """"X said (that) Y …": the speaker as source, and as target the first actor of the
    reported clause — its subject, else an object ("X said the policies expose him as a
    fraud"); the reported clause's verb is the trigger, a copula included ("X said
    Democrats are the ones …")."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    comp = next((c for c in verb.children if c.dep_ in {"ccomp", "xcomp"}), None)
    if subj is None or comp is None:
        return []
    sspan, sactor = _actor_at(actors, subj, quotes)
    if sactor is None:
        return []
    inner = find_sides(comp)
    for tok in (inner.source, inner.target, *inner.alternates):
        if tok is None:
            continue
        tspan, tactor = _actor_at(actors, tok, quotes)
        if tactor is not None and tactor.id != sactor.id:
            return [EventCandidate(sent, comp, sspan, tspan, sactor, tactor, reported=True)]
    return []


def _with_owners(*toks):
    """Target tokens in preference order, each followed by its possessor: "condemned North
    Korea's test" is aimed at North Korea when the test itself is no actor."""
    for t in toks:
        if t is None:
            continue
        yield t
        yield from (c for c in t.children if c.dep_ == "poss")


def find_candidates(sent, actors: Sequence[Actor], quotes: Sequence[Quote] = ()
                    ) -> list[EventCandidate]:
    """Every event candidate of one sentence, in token order."""
    out: list[EventCandidate] = []
    for tok in sent:
        if not is_predicate(tok):
            continue
        lemma = tok.lemma_.lower()
        if tok.pos_ == "VERB" and lemma in verb_class("reporting"):
            out += _reported_candidates(tok, actors, sent, quotes)
            continue
        sides = find_sides(tok)
        src = tgt = None
        sactor = tactor = None
        if sides.source is not None:
            src, sactor = _actor_at(actors, sides.source, quotes)
            if sactor is None:
                src = None
        for t in _with_owners(sides.target, *sides.alternates):
            span, actor = _actor_at(actors, t, quotes)
            if actor is not None and (sactor is None or actor.id != sactor.id):
                tgt, tactor = span, actor
                break
        if sactor is None and tactor is None:
            continue
        out.append(EventCandidate(sent, tok, src, tgt, sactor, tactor))
    return out


def doc_candidates(doc, actors: Sequence[Actor], quotes: Sequence[Quote] = ()
                   ) -> list[EventCandidate]:
    return [c for sent in doc.sents for c in find_candidates(sent, actors, quotes)]


def _head(doc, span: Span):
    toks = [t for t in doc if t.idx < span[1] and t.idx + len(t) > span[0]]
    if not toks:
        return None
    ids = {t.i for t in toks}
    return next((t for t in toks if t.head.i not in ids or t.head.i == t.i), toks[0])


def trigger_between(doc, source: Span | None, target: Span | None):
    """The predicate that links two given sides (``eventwire code``, PLV training data):
    their lowest common governor outside both sides that is a predicate; for "X said Y
    lied", the reported predicate, as ``find_candidates`` proposes it. Returns a character
    span, or None when the sentence has no verb or event noun above the sides."""
    heads = [h for h in (_head(doc, s) for s in (source, target) if s) if h is not None]
    if not heads:
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        return (root.idx, root.idx + len(root)) if root is not None else None
    chains = [[h, *h.ancestors] for h in heads]
    common = [t for t in chains[0] if all(t in c for c in chains[1:])]
    inside = set()
    for s in (source, target):
        if s:
            inside |= {t.i for t in doc if t.idx >= s[0] and t.idx + len(t) <= s[1]}
    trig = next((t for t in common if t.i not in inside
                 and (is_predicate(t) or t.pos_ == "VERB")), None)
    if trig is None:
        trig = next((t for t in chains[0][1:] if t.pos_ in {"VERB", "NOUN"}), None)
    if trig is None:
        return None
    if trig.lemma_.lower() in verb_class("reporting") and len(heads) == 2:
        comp = next((c for c in trig.children if c.dep_ == "ccomp"
                     and any(a in c.subtree for a in heads[1:])), None)
        if comp is not None:
            trig = comp
    return trig.idx, trig.idx + len(trig)
