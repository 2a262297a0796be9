"""Clean: boilerplate removal (placeholder until the cleaning rules land)."""
from __future__ import annotations

from .records import CleanArticle, Outcome, RawArticle, content_id
from .settings import Settings


def clean_article(raw: RawArticle, settings: Settings) -> CleanArticle | Outcome:
    if raw.reject_reason:
        return Outcome("rejected", raw.reject_reason)
    text = raw.text or raw.html or ""
    if not text.strip():
        return Outcome("rejected", "empty: no text")
    return CleanArticle(id=content_id(text), source=raw.source, text=text, title=raw.title,
                        url=raw.url, published=raw.published)
