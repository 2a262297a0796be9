"""Decoded text or HTML (plus what the container knew) → one ``RawArticle``.

Every reader ends here, so title splitting, HTML extraction, date parsing and the
size/binary reject reasons are worded the same whatever the input format.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..layout import Header, read_header, site_names_of
from ..records import RawArticle
from .decode import DecodeError, decode_bytes
from .html import NO_BODY, declared_charset, extract_html, looks_like_html

def too_large(size: int, limit: int) -> str:
    return (f"too large: {size} bytes > limit {limit} "
            "(raise EVENTWIRE_MAX_ARTICLE_BYTES)")


def split_title(text: str) -> tuple[str | None, str]:
    """``(headline, rest)`` when the text opens with a header that has a headline, else
    ``(None, text)``; ``rest`` is the input after the header, unchanged."""
    header = read_header(text)
    if header.title is None:
        return None, text
    return header.title, text[header.body_start:]


def parse_published(value: Any) -> dt.date | None:
    """A date from ``date``/``datetime``/ISO string/None; ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"published must be an ISO date string, got {type(value).__name__}")
    s = value.strip()
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(s).date()
    except ValueError:
        raise ValueError(f"published {value!r} is not an ISO 8601 date or datetime") from None


def from_text(text: str, source: str, *, title: str | None = None, url: str | None = None,
              published: dt.date | None = None, meta: dict[str, Any] | None = None,
              author: str | None = None, site_name: str | None = None,
              header: bool = True, line_blocks: bool = False) -> RawArticle:
    """A plain-text article; its header (headline, standfirst, byline, date lines) is read
    off the top (``layout.read_header``) and the rest is the text, unchanged.

    What the container gave (``title``, ``published``, ``author``) wins over the header.
    ``header=False`` keeps the whole text (a JSON Lines record's ``text``);
    ``line_blocks``: every line is a block of its own (text extracted from HTML).
    """
    meta = dict(meta or {})
    meta.setdefault("format", "text")
    # Text from HTML: the page's metadata names the title; a headline is not guessed.
    found = (read_header(text, title=title, site_names=site_names_of(url, site_name),
                         line_blocks=line_blocks, find_title=not line_blocks)
             if header else Header())
    if header:
        meta["layout"] = {"find_title": not line_blocks, "line_blocks": line_blocks}
    if found.body_start:
        text = text[found.body_start:]
        meta["header"] = [role for role, _ in found.parts]
    if title is None and found.title is not None:
        title = found.title
        meta["title_from"] = "first line"
    if published is None and found.published is not None:
        published = found.published
        meta["published_from"] = "date line"
    return RawArticle(source=source, text=text, title=title, url=url, published=published,
                      meta=meta, author=author or found.author, standfirst=found.standfirst,
                      site_name=site_name)


def from_html(html: str, source: str, *, title: str | None = None, url: str | None = None,
              published: dt.date | None = None, meta: dict[str, Any] | None = None,
              author: str | None = None, site_name: str | None = None,
              published_fallback: dt.date | None = None) -> RawArticle:
    """An HTML page or fragment, extracted to text; the container's metadata wins, the
    page's own comes next (title, date, author, site name), ``published_fallback`` (a
    feed item's date) last."""
    meta = dict(meta or {})
    meta.setdefault("format", "html")
    meta["html_chars"] = len(html)
    got = extract_html(html, url=url)
    title = title or got.title
    url = url or got.url
    published = published or got.published or published_fallback
    author = author or got.author
    site_name = site_name or got.site_name
    if got.text is None:
        return RawArticle(source=source, title=title, url=url, published=published,
                          reject_reason=NO_BODY, meta=meta, author=author,
                          site_name=site_name)
    return from_text(got.text, source, title=title, url=url, published=published, meta=meta,
                     author=author, site_name=site_name, line_blocks=True)


def from_string(s: str, source: str, **kw: Any) -> RawArticle:
    """Text or HTML, told apart by sniffing the first characters."""
    if looks_like_html(s):
        return from_html(s, source, **kw)
    return from_text(s, source, **kw)


def from_bytes(data: bytes, source: str, *, html_hint: bool = False,
               declared: str | None = None, text_only: bool = False, **kw: Any) -> RawArticle:
    """Decode bytes (BOM, UTF-8, charset-normalizer) then treat as text or HTML.

    ``declared`` is a charset the container names (HTTP header); an HTML ``<meta>``
    charset is looked up when none is given. ``text_only`` keeps markup as text (``.txt``).
    """
    if declared is None and (html_hint or data.lstrip()[:1] == b"<"):
        declared = declared_charset(data)
    try:
        s, encoding = decode_bytes(data, declared=declared)
    except DecodeError as e:
        return RawArticle(source=source, reject_reason=str(e), **kw)
    meta = dict(kw.pop("meta", None) or {})
    meta["encoding"] = encoding
    if not text_only and (html_hint or looks_like_html(s)):
        return from_html(s, source, meta=meta, **kw)
    return from_text(s, source, meta=meta, **kw)
