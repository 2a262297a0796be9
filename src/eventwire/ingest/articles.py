"""Decoded text or HTML (plus what the container knew) → one ``RawArticle``.

Every reader ends here, so title splitting, HTML extraction, date parsing and the
size/binary reject reasons are worded the same whatever the input format.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..records import RawArticle
from .decode import DecodeError, decode_bytes
from .html import NO_BODY, declared_charset, extract_html, looks_like_html

# A headline: one line, under 200 characters, no final sentence punctuation, followed by
# a blank line and more text. Wire copy and scraped pages put the headline there.
MAX_TITLE_CHARS = 200
_TITLE_RE = re.compile(r"\A[ \t]*([^\n]{1,%d}?)[ \t]*\r?\n(?:[ \t]*\r?\n)+(?=[ \t]*\S)" % MAX_TITLE_CHARS)
_NOT_A_HEADLINE_END = (".", ",", ";", ":", "\u2026")
# A dateline of the page itself, right after the headline: "Published: 5 February 2021",
# "Posted Feb. 5, 2021", "Date: 2021-02-05". Scraped text often keeps it; it is metadata.
_PUBLISHED_RE = re.compile(
    r"\A[ \t]*(?:published|posted|updated|date)(?:[ \t]+on)?[ \t]*:?[ \t]*"
    r"([^\n]{6,40}?)[ \t]*\r?\n(?:[ \t]*\r?\n)*(?=[ \t]*\S)", re.I)


def too_large(size: int, limit: int) -> str:
    return (f"too large: {size} bytes > limit {limit} "
            "(raise EVENTWIRE_MAX_ARTICLE_BYTES)")


def split_title(text: str) -> tuple[str | None, str]:
    """``(headline, rest)`` when the first line is a headline, else ``(None, text)``.

    ``rest`` is the input after the headline and its blank line(s), unchanged.
    """
    m = _TITLE_RE.match(text)
    if not m:
        return None, text
    line = m.group(1).strip()
    if (not line or line.endswith(_NOT_A_HEADLINE_END) or len(line.split()) < 2
            or not any(ch.isalpha() for ch in line)):
        return None, text
    return line, text[m.end():]


def split_published_line(text: str) -> tuple[dt.date | None, str]:
    """``(date, rest)`` when the text opens with a "Published: <full date>" line, else
    ``(None, text)``; ``rest`` is the input after that line, unchanged."""
    m = _PUBLISHED_RE.match(text)
    if not m:
        return None, text
    value = m.group(1).strip()
    try:
        return dt.date.fromisoformat(value), text[m.end():]
    except ValueError:
        pass
    if not re.search(r"\b\d{4}\b", value):  # a full date names its year ("yesterday" is no date)
        return None, text
    import dateparser

    when = dateparser.parse(value, languages=["en"], settings={
        "STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]})
    return (when.date(), text[m.end():]) if when else (None, text)


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
              published: dt.date | None = None, meta: dict[str, Any] | None = None
              ) -> RawArticle:
    """A plain-text article; the headline line is split off when no title is given."""
    meta = dict(meta or {})
    meta.setdefault("format", "text")
    if title is None:
        title, text = split_title(text)
        if title is not None:
            meta["title_from"] = "first line"
    line_date, text = split_published_line(text)
    if line_date is not None:
        meta["published_from"] = "published line"
        published = published or line_date
    return RawArticle(source=source, text=text, title=title, url=url, published=published,
                      meta=meta)


def from_html(html: str, source: str, *, title: str | None = None, url: str | None = None,
              published: dt.date | None = None, meta: dict[str, Any] | None = None
              ) -> RawArticle:
    """An HTML page or fragment, extracted to text; the container's metadata wins."""
    meta = dict(meta or {})
    meta.setdefault("format", "html")
    meta["html_chars"] = len(html)
    got = extract_html(html, url=url)
    title = title or got.title
    url = url or got.url
    published = published or got.published
    if got.text is None:
        return RawArticle(source=source, title=title, url=url, published=published,
                          reject_reason=NO_BODY, meta=meta)
    return RawArticle(source=source, text=got.text, title=title, url=url,
                      published=published, meta=meta)


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
