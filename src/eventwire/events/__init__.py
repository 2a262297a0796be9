"""Events: PLOVER/CAMEO coding of who did what to whom."""
from __future__ import annotations

from ..records import Actor, CleanArticle, DateRef, Event, Quote


def code_events(doc, article: CleanArticle, actors: list[Actor], dates: list[DateRef],
                quotes: list[Quote]) -> list[Event]:
    return []
