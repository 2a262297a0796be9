"""Event modality from the parse: negated, hypothetical, future, reported-by, historical.

Cue words come from ``knowledge/modality.tsv`` (general English negators, conditionals,
modals and future/intent markers). A cue counts when it stands in the trigger's own
clause *before* the trigger (or is a ``neg``/``aux`` child of the trigger or of the verbs
it hangs from through ``xcomp``), so "X, who never met Y, attacked Z" does not negate the
attack. A condition counts when the trigger stands in an if/unless clause or one hangs from
its own verbs; a question (direct, or an indirect "asked whether …" around the trigger)
flags the event ``question`` and hypothetical — asked about, not done. Counterfactuals
("would have", "could have") are hypothetical; "rather than", "instead of" negate.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from ..records import Modality, Quote
from .codebook import knowledge_rows

_CLAUSE_DEPS = {"ccomp", "advcl", "relcl", "conj", "parataxis", "ROOT"}


@lru_cache(maxsize=1)
def modality_cues() -> dict[str, tuple[tuple[str, ...], ...]]:
    cues: dict[str, list[tuple[str, ...]]] = {}
    for r in knowledge_rows("modality.tsv"):
        cues.setdefault(r["kind"], []).append(tuple(r["text"].lower().split()))
    return {k: tuple(v) for k, v in cues.items()}


def _clause_start(trigger) -> int:
    """Token index where the trigger's clause starts (its clause head's left edge)."""
    head = trigger
    while head.dep_ not in _CLAUSE_DEPS and head.head is not head:
        head = head.head
    return head.left_edge.i


_OTHER_CLAUSES = frozenset({"relcl", "acl", "advcl", "ccomp", "parataxis", "appos"})


def _own_clause(tokens, trigger) -> list:
    """``tokens`` without those inside another clause ("Peru, which never met Chile,
    attacked …": "never" is the relative clause's)."""
    skip: set[int] = set()
    for t in tokens:
        if t.dep_ in _OTHER_CLAUSES and t.i not in skip and trigger not in t.subtree:
            skip.update(x.i for x in t.subtree)
    return [t for t in tokens if t.i not in skip]


def _has_cue(words: list[str], cues) -> bool:
    for cue in cues:
        n = len(cue)
        if any(tuple(words[i:i + n]) == cue for i in range(len(words) - n + 1)):
            return True
    return False


def _verb_chain(trigger) -> list:
    """The trigger and the verbs it hangs from by xcomp ("wants to stop attacking")."""
    chain = [trigger]
    t = trigger
    while t.dep_ in {"xcomp", "dobj", "pobj", "prep"} and t.head is not t:
        t = t.head
        chain.append(t)
        if t.pos_ in {"VERB", "AUX"} and t.dep_ not in {"xcomp"}:
            break
    return chain


def modality_for(trigger, sent, quotes: list[Quote] = (), event_date: str | None = None,
                 published: dt.date | None = None) -> Modality:
    doc = trigger.doc
    start = max(_clause_start(trigger), sent.start)
    before = [t.lower_ for t in _own_clause(doc[start:trigger.i], trigger)]
    chain = _verb_chain(trigger)
    deps = {c.dep_ for v in chain for c in v.children}
    child_words = {c.lower_ for v in chain for c in v.children}
    cues = modality_cues()
    negated = "neg" in deps or _has_cue(before, cues.get("negated", ()))
    question = _question(trigger, sent, before, cues)
    hypothetical = (_has_cue(before, cues.get("hypothetical", ()))
                    or _conditional(trigger, sent, chain) or question)
    future = (bool(child_words & {"will", "'ll", "shall"})
              or _has_cue(before, cues.get("future", ()))
              or _has_cue([t.lower_ for t in doc[trigger.i:sent.end]],
                          tuple(c for c in cues.get("future", ()) if c[0] in {"next", "tomorrow"})))
    reported_by = None
    for q in quotes:
        if q.span[0] <= trigger.idx < q.span[1] and q.speaker is not None:
            reported_by = q.speaker.actor
            break
    historical = _before_week(event_date, published)
    return Modality(negated=negated, hypothetical=hypothetical, future=future,
                    reported_by=reported_by, historical=historical, question=question)


_CONDITION_MARKS = frozenset({"if", "unless"})
_ASKING = frozenset({"ask", "wonder", "question", "inquire", "query"})


def _marked_by(tok, marks) -> bool:
    return any(c.dep_ == "mark" and c.lower_ in marks for c in tok.children)


def _conditional(trigger, sent, chain) -> bool:
    """The trigger inside an if/unless clause, or an if/unless clause hanging from the
    trigger's own verbs ("X will sanction Y if the talks fail") — not an "if" elsewhere in
    the sentence ("asked if", another clause's condition)."""
    for anc in (trigger, *trigger.ancestors):
        if anc.i < sent.start:
            break
        if anc.dep_ == "advcl" and _marked_by(anc, _CONDITION_MARKS):
            return True
    return any(c.dep_ == "advcl" and _marked_by(c, _CONDITION_MARKS)
               for v in chain for c in v.children)


def _question(trigger, sent, before: list[str], cues) -> bool:
    """Asked about, not done: a direct question ("Why won't he release his returns?") or
    the trigger inside an indirect one ("was asked whether she supports …")."""
    last = next((t for t in reversed(sent) if not t.is_space), None)
    if last is not None and last.text == "?":
        return True
    if _has_cue(before, cues.get("question", ())):
        return True
    for anc in (trigger, *trigger.ancestors):
        if anc.i < sent.start:
            break
        if _marked_by(anc, {"whether", "if"}) and anc.head.lemma_.lower() in _ASKING:
            return True
    return False


def _before_week(value: str | None, published: dt.date | None) -> bool:
    """True when an ISO date value lies before the week (Monday) of publication."""
    if not value or published is None:
        return False
    week_start = published - dt.timedelta(days=published.weekday())
    try:
        if len(value) == 4:
            end = dt.date(int(value), 12, 31)
        elif len(value) == 7 and value[4] == "-":
            y, m = int(value[:4]), int(value[5:7])
            end = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        elif "W" in value:
            end = dt.date.fromisocalendar(int(value[:4]), int(value.split("W")[1][:2]), 7)
        else:
            end = dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return end < week_start
