"""Events: PLOVER/CAMEO coding of who did what to whom, with Goldstein, sides, modality, date.

``code_events`` is the pipeline stage: it hands the parsed article to the event coder the
settings name (registry kind ``event_coder``; built-in ``minilm``, see ``coder.py``).
``coding.code_tsv`` codes single sentences for ``eventwire code`` with the same coder.
"""
from __future__ import annotations

from typing import Sequence

from ..records import Actor, CleanArticle, DateRef, Event, Quote


def code_events(doc, article: CleanArticle, actors: Sequence[Actor], dates: Sequence[DateRef],
                quotes: Sequence[Quote], coder) -> list[Event]:
    """Every event of a parsed article, in text order, by the given coder."""
    return coder.code_article(doc, article, actors, dates, quotes)


__all__ = ["code_events"]
