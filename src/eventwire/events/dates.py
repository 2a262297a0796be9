"""The date of an event: the temporal expression that belongs to its trigger's clause.

The event takes the date in its own clause, else one in a temporal clause hanging from it
("after … in 2019"), else one of the verbs it hangs from ("said on Wednesday, rejecting
…"); a date in an unrelated clause ("the system it bought in 2019") is not used, and the
publication date is the fallback (``from_publication``).
"""
from __future__ import annotations

from ..records import CleanArticle, DateRef, EventDate

_TEMPORAL_MARKS = {"after", "before", "when", "since", "until", "once", "as", "while"}


def _clause_verb(tok):
    """The verb whose clause a token belongs to (the token itself when it is a verb)."""
    t = tok
    while t.pos_ not in {"VERB", "AUX"} and t.head is not t:
        t = t.head
    return t


def _date_rank(trigger, date_tok) -> int | None:
    """How closely a date belongs to the trigger's clause; None when it belongs elsewhere.

    0: the trigger's own clause ("imposed sanctions last month"); 1: a temporal clause
    hanging from it ("removed X after Y arrived in 2019"); 2 + k: the k-th verb the trigger
    hangs from ("said on Wednesday, rejecting …"). A date inside some other clause ("the
    system it bought in 2019") is not the event's date.
    """
    tv, dv = _clause_verb(trigger), _clause_verb(date_tok)
    if dv.i == tv.i:
        return 0
    if dv.dep_ == "advcl" and dv.head.i == tv.i and any(
            c.dep_ == "mark" and c.lower_ in _TEMPORAL_MARKS for c in dv.children):
        return 1
    for k, anc in enumerate(tv.ancestors):
        if anc.i == dv.i:
            return 2 + k
    return None


def event_date(trigger, sent, dates: list[DateRef], article: CleanArticle) -> EventDate | None:
    inside = [d for d in dates if sent.start_char <= d.span[0] and d.span[1] <= sent.end_char]
    ranked = []
    for d in inside:
        span = trigger.doc.char_span(d.span[0], d.span[1], alignment_mode="expand")
        if span is None:
            continue
        rank = _date_rank(trigger, span.root)
        if rank is not None:
            ranked.append((rank, abs(d.span[0] - trigger.idx), d))
    if ranked:
        d = min(ranked, key=lambda r: r[:2])[2]
        return EventDate(d.text, d.value, d.granularity, False)
    if article.published is not None:
        return EventDate(None, article.published.isoformat(), "day", True)
    return None
