"""HTML → article text: trafilatura for whole pages, a small block-aware converter for fragments.

Whole pages go through ``trafilatura.bare_extraction`` with ``favor_precision=True`` and no
comments: navigation, promos, footers and "most read" boxes must not reach the event
coder, and a missed paragraph costs less than a sidebar coded as news. Metadata (title,
date, canonical URL, author, site name) come from the same call (trafilatura's metadata,
htmldate for the date); the date only when the page states it.

Fragments (an RSS ``content:encoded``, a JSONL ``html`` field) are already the article
body; trafilatura's main-content heuristics throw short fragments away, so they are
converted by :func:`fragment_to_text`, a hand-written walk over the standard library's
``HTMLParser`` that keeps text, drops scripts and styles, and starts a new line at block
elements.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser

log = logging.getLogger(__name__)

NO_BODY = "no article body found in HTML"
# trafilatura falls back to any visible text when it finds no article (a lone "Home" nav
# link on an empty page); fewer words than this is no article body.
MIN_BODY_WORDS = 5

_PAGE_RE = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]", re.I)
_HTML_TAG_RE = re.compile(
    r"<(?:!doctype\s+html|html|head|body|article|div|p|span|a|h[1-6]|ul|ol|li|table|br|"
    r"section|main|header|footer|nav|script|style|meta|title|em|strong|b|i|img|figure|"
    r"blockquote)[\s/>]", re.I)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section table tbody td th thead tr ul".split())
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "head", "iframe"))
# No "extensive search": htmldate would otherwise guess a date from text such as a
# "Copyright 2021" footer (→ 2021-01-01), a guess dressed as a fact. Only dates the page
# states in its metadata or markup count; the publication date, not the last update.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}
_SPACES_RE = re.compile(r"[ \t\r\f\v\u00a0]+")


@dataclass(frozen=True)
class Extracted:
    """What an HTML document yielded: text (None when no body) and its metadata."""

    text: str | None
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    author: str | None = None
    site_name: str | None = None


def looks_like_html(text: str) -> bool:
    """True when ``text`` starts (after whitespace) with markup of a known HTML tag."""
    head = text.lstrip("\ufeff \t\r\n")[:2048]
    return head.startswith("<") and bool(_HTML_TAG_RE.search(head))


def is_full_page(html: str) -> bool:
    """True for a whole document (doctype/html/head/body), False for a body fragment."""
    return bool(_PAGE_RE.search(html[:4096]))


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a ``<meta>`` tag within its first 4 KB."""
    m = _META_CHARSET_RE.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def extract_html(html: str, url: str | None = None) -> Extracted:
    """Main text and metadata of an HTML page or fragment."""
    if not is_full_page(html):
        text = fragment_to_text(html)
        return Extracted(text if len(text.split()) >= MIN_BODY_WORDS else None)
    import trafilatura  # heavy import (lxml, htmldate): only when a page arrives

    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, favor_precision=True,
            include_tables=False, include_images=False,
            date_extraction_params=_DATE_PARAMS)
    except Exception as e:  # noqa: BLE001 — a page that breaks the parser is a bad input
        log.warning("trafilatura failed on %s: %s", url or "<html>", e)
        doc = None
    if doc is None:
        return Extracted(None)
    meta = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = meta.get("text") or ""
    return Extracted(
        text if len(text.split()) >= MIN_BODY_WORDS else None,
        title=(meta.get("title") or None),
        url=(meta.get("url") or None),
        published=_iso_date(meta.get("date")),
        author=_author(meta.get("author")),
        site_name=(meta.get("sitename") or None),
    )


def fragment_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one line per block element."""
    parser = _TextCollector()
    parser.feed(html)
    parser.close()
    lines = (_SPACES_RE.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data.replace("\n", " "))


def _author(value) -> str | None:
    """trafilatura joins several authors with "; "; the record joins them with ", "."""
    if not value:
        return None
    names = [n.strip() for n in str(value).split(";") if n.strip()]
    return ", ".join(dict.fromkeys(names)) or None


def _iso_date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
