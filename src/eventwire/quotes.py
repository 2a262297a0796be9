"""Quotes: direct, indirect and mixed quotes attributed to speakers."""
from __future__ import annotations

from .records import Actor, CleanArticle, Quote
from .settings import Settings


def attribute_quotes(doc, article: CleanArticle, actors: list[Actor], settings: Settings) -> list[Quote]:
    return []
