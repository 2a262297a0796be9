"""Source and target of an event predicate from the dependency parse.

Rules (CAMEO's "who did what to whom", read off spaCy's ClearNLP-style labels):
subject (``nsubj``, or the subject of the verb an ``xcomp`` hangs from) → source; a
passive's ``agent`` ("attacked by X") → source and its ``nsubjpass`` → target; direct
object / dative / object of to·with·against·on·at·into·from → target ("X urged Y to …":
Y); without an object, the subject of a complement clause ("X demanded that Y …": Y). For a noun trigger ("an attack on Y", "Russia's attack"), the possessor or the subject
of the governing light verb ("launched an attack") is the source. Symmetric events
("talks between X and Y", "X and Y agreed") take the first conjunct as source and the
second as target.
"""
from __future__ import annotations

from dataclasses import dataclass

Span = tuple[int, int]
_TARGET_PREPS = {"to", "with", "against", "on", "at", "into", "from", "over", "toward",
                 "towards", "upon", "for"}
_SYMMETRIC_PREPS = {"between", "among"}
_PRONOUN_SKIP = {"it", "there", "that", "which", "this"}
_NOT_A_SIDE = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"})


@dataclass(frozen=True)
class Sides:
    source: object | None  # spaCy Token heading the NP
    target: object | None
    symmetric: bool = False
    alternates: tuple = ()  # other target candidates, preferred when they are actors


def np_span(tok) -> Span:
    """Character span of the noun phrase a token heads (without trailing clauses)."""
    left = tok.left_edge
    while left.i < tok.i and (left.dep_ in {"det", "predet"} or left.is_punct
                              or left.is_space):
        left = tok.doc[left.i + 1]
    right = tok
    for c in tok.rights:
        if c.dep_ in {"compound", "flat", "appos", "nummod", "amod"} or (
                c.dep_ == "prep" and c.lower_ == "of"):
            right = c.right_edge
    return left.idx, right.idx + len(right)


def _conj(tok):
    return [c for c in tok.children if c.dep_ == "conj"]


def _subject(verb):
    v = verb
    for _ in range(4):
        for c in v.children:
            if c.dep_ in {"nsubj", "csubj"} and c.lower_ not in _PRONOUN_SKIP:
                return c, False
            if c.dep_ == "nsubjpass":
                return c, True
        if v.dep_ in {"xcomp", "conj", "advcl"} and v.head is not v:
            # "X refused to meet Y": the subject of "meet" is X; for "urged Y to stop"
            # the controller is the object of the head verb.
            if v.dep_ == "xcomp":
                obj = next((c for c in v.head.children if c.dep_ in {"dobj", "dative"}), None)
                if obj is not None:
                    return obj, False
            v = v.head
            continue
        if v.dep_ == "relcl" and v.head is not v:
            return v.head, False
        break
    return None, False


def _pobjs(tok, preps=_TARGET_PREPS):
    return [g for c in tok.children if c.dep_ == "prep" and c.lower_ in preps
            for g in c.children if g.dep_ == "pobj"]


def _objects(verb, deep: bool = True) -> list:
    """Target candidates in preference order: objects, prepositional objects (also those
    hanging from the direct object: "imposed sanctions on Y"), then complements' objects.
    A date, time, amount or number ("on Tuesday", "$50 million") is never a target."""
    direct = [c for c in verb.children if c.dep_ in {"dobj", "dative", "iobj"}]
    out = list(direct)
    for d in direct:
        out += _pobjs(d)
    out += _pobjs(verb)
    if deep:
        for c in verb.children:
            if c.dep_ == "xcomp":  # "agreed to meet Y", "urged … to release Y"
                out += _objects(c)
        if not direct:  # "demanded that Y reopen the border": Y is asked
            out += [g for c in verb.children if c.dep_ == "ccomp"
                    for g in c.children if g.dep_ in {"nsubj", "nsubjpass"}]
    return [t for t in out if t.ent_type_ not in _NOT_A_SIDE]


def _agent(verb):
    for c in verb.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    return None


def _noun_sides(noun):
    source = next((c for c in noun.children if c.dep_ == "poss"), None)
    target = None
    for c in noun.children:
        if c.dep_ == "prep" and c.lower_ in _SYMMETRIC_PREPS:
            pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if pobj is not None:
                conj = _conj(pobj)
                return Sides(pobj, conj[0] if conj else None, symmetric=True)
        if c.dep_ == "prep" and c.lower_ in _TARGET_PREPS | {"by"} and (
                target is None or c.lower_ == "by"):
            pobj = next((g for g in c.children
                         if g.dep_ == "pobj" and g.ent_type_ not in _NOT_A_SIDE), None)
            if c.lower_ == "by":
                source = source or pobj
            else:
                target = pobj
    if source is None and noun.dep_ in {"dobj", "attr", "nsubjpass"}:
        source, _ = _subject(noun.head)
    if source is None:
        source = next((c for c in noun.children
                       if c.dep_ in {"compound", "amod"} and c.ent_type_ in {"NORP", "GPE", "ORG"}),
                      None)
    return Sides(source, target)


def find_sides(trigger) -> Sides:
    """Source and target tokens for a trigger token (either may be None)."""
    if trigger.pos_ in {"NOUN", "PROPN"}:
        return _noun_sides(trigger)
    subj, passive = _subject(trigger)
    if passive:
        return Sides(_agent(trigger), subj)
    targets = _objects(trigger)
    if subj is not None and not _objects(trigger, deep=False):
        conj = _conj(subj)
        if conj:  # "X and Y agreed (to …)"
            return Sides(subj, conj[0], symmetric=True)
    if targets and subj is None and trigger.dep_ == "xcomp":
        subj, _ = _subject(trigger.head)
    return Sides(subj, targets[0] if targets else None, alternates=tuple(targets[1:]))


def locate_text(sentence: str, text: str | None) -> tuple[int, int] | None:
    """Where a given source/target text stands in the sentence (exact, then ignoring case);
    None when it is empty or absent."""
    text = (text or "").strip()
    if not text:
        return None
    i = sentence.find(text)
    if i < 0:
        i = sentence.lower().find(text.lower())
    return (i, i + len(text)) if i >= 0 else None
