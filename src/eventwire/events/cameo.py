"""The CAMEO code of a typed event: the finest code of the pattern lexicon that fits.

The event model gives the PLOVER type; the pattern lexicon (``knowledge/event_patterns.tsv``,
written from the CAMEO 1.1b3 definitions) gives the sub-code that fits the act: patterns
that start at the trigger and belong to the type, the most specific first ("demand …
resignation" → 1041 over "demand" → 100; "urge" → 020, an appeal, not a demand). Without
a fitting pattern the type's default code is used (``plover.tsv``). PLV's merged YIELD is
split here: RETREAT when a retreat pattern starts at the trigger, else CONCEDE.
"""
from __future__ import annotations

from .codebook import cameo_fits, default_cameo, plv_label
from .patterns import PatternHit, match_tokens


def trigger_hits(trigger, sent, hits: list[PatternHit] | None = None) -> list[PatternHit]:
    """Pattern hits that start at the trigger token (indices relative to ``sent``);
    ``hits``: the sentence's hits when the caller has them already."""
    if hits is None:
        hits = match_tokens(sent)
    return [h for h in hits if h.start + sent.start == trigger.i]


def cameo_for(label: str, hits: list[PatternHit]) -> tuple[str, str]:
    """(PLOVER type, CAMEO code) for a PLV label and the trigger's pattern hits."""
    plover = label
    if label == "YIELD":
        plover = "RETREAT" if any(h.plover == "RETREAT" for h in hits) else "CONCEDE"
    fitting = [h for h in hits if h.plover != "-" and plv_label(h.plover) == plv_label(plover)
               and cameo_fits(plover, h.cameo)]
    if fitting:
        best = max(fitting, key=lambda h: (h.pattern.specificity, len(h.cameo)))
        return plover, best.cameo
    return plover, default_cameo(plover)
