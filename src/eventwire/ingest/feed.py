"""RSS / Atom feeds (feedparser) → one article per item that carries its text.

An item's text is its ``content`` (``content:encoded`` in RSS, ``<content>`` in Atom),
else its ``summary``/``description``; HTML is converted as a fragment. Items that only
carry a headline or a one-line teaser are reported as rejected (the article is on the
linked page) rather than dropped. Any ``<!ENTITY`` declaration refuses the whole file
before a parser sees it: news feeds never need one, and entity-expansion ("billion
laughs") bombs are built from them. feedparser needs the whole document, so a feed file is
held to ``max_article_bytes`` like a single article (5 MB by default, far above real feeds).
"""
from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from typing import Iterator

from ..records import RawArticle
from .articles import from_html, from_text
from .html import looks_like_html

log = logging.getLogger(__name__)

# A feed summary under this many words is a teaser, not the article (hand-set: teasers
# run one or two sentences, 10-25 words; the shortest wire brief is about 40 words).
MIN_ITEM_WORDS = 25
_ENTITY_RE = re.compile(rb"<!ENTITY", re.I)
_ROOT_RE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*"
    rb"<([A-Za-z_][\w:.-]*)", re.S)
FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "rdf"})


def xml_root(data: bytes) -> str | None:
    """Lower-cased name of the root element of an XML document (from its first 8 KB)."""
    m = _ROOT_RE.match(data[:8192])
    return m.group(1).decode("ascii", "replace").lower() if m else None


def is_feed(data: bytes) -> bool:
    """True when the document's root element is ``rss``, ``feed`` or ``rdf:RDF``."""
    return xml_root(data) in FEED_ROOTS


def entity_bomb_reason(data: bytes) -> str | None:
    """Reject reason when the XML declares entities, else None."""
    m = _ENTITY_RE.search(data)
    if m is None:
        return None
    return (f"XML declares entities (<!ENTITY at byte {m.start()}): refused as a possible "
            "entity-expansion bomb")


def read_feed(data: bytes, source: str) -> Iterator[RawArticle]:
    """Articles from the bytes of an RSS/Atom document; ``source`` = ``path:itemN``."""
    bomb = entity_bomb_reason(data)
    if bomb:
        yield RawArticle(source=source, reject_reason=bomb, meta={"format": "feed"})
        return
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        why = parsed.get("bozo_exception") or "no items"
        yield RawArticle(source=source, meta={"format": "feed"},
                         reject_reason=f"not a readable RSS/Atom feed: {why}")
        return
    if parsed.bozo:
        log.warning("%s: feed is not well-formed (%s); reading what parses",
                    source, parsed.get("bozo_exception"))
    version = parsed.get("version") or "feed"
    for n, entry in enumerate(parsed.entries, start=1):
        yield item_article(entry, f"{source}:item{n}", n, version)


def item_article(entry, source: str, n: int, version: str) -> RawArticle:
    title = (entry.get("title") or "").strip() or None
    url = entry.get("link") or None
    published = entry_date(entry)
    meta = {"format": version, "item": n}
    if entry.get("id"):
        meta["id"] = entry["id"]
    author = (entry.get("author") or "").strip() or None
    body, kind = _entry_body(entry)
    words = len(body.split()) if body else 0
    kw = dict(title=title, url=url, published=published, meta=meta, author=author)
    if kind == "html":
        article = from_html(body, source, **kw)
        words = len(article.text.split()) if article.text else 0
    else:
        article = from_text(body, source, **kw)
    if words < MIN_ITEM_WORDS:
        return RawArticle(
            source=source, title=title, url=url, published=published, meta=meta,
            reject_reason=(f"feed item {n} has no article text, only a title or a {words}-word "
                           "teaser (fetch the linked page to ingest it)"))
    return article


def _entry_body(entry) -> tuple[str, str]:
    """Longest of the item's content and summary, and whether it is ``html`` or ``text``."""
    candidates = []
    for c in entry.get("content") or ():
        candidates.append((c.get("value") or "", c.get("type") or ""))
    if entry.get("summary"):
        detail = entry.get("summary_detail") or {}
        candidates.append((entry["summary"], detail.get("type") or ""))
    if not candidates:
        return "", "text"
    value, ctype = max(candidates, key=lambda vc: len(vc[0]))
    is_html = "html" in ctype or looks_like_html(value)
    return value, "html" if is_html else "text"


def entry_date(entry) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            return dt.datetime.fromtimestamp(calendar.timegm(t), dt.timezone.utc).date()
    return None
