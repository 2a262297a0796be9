"""Dates: temporal expressions resolved against the publication date."""
from __future__ import annotations

from .records import CleanArticle, DateRef


def resolve_dates(doc, article: CleanArticle) -> list[DateRef]:
    return []
