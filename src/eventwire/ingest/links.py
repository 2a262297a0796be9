"""What a feed or sitemap points to: the items to fetch, newest first.

RSS/Atom items (feedparser) give a link, a date, a title and sometimes the text itself;
sitemaps (``<urlset>``, Google News ``<news:news>``) give a location and a date; a
sitemap index (``<sitemapindex>``) gives more sitemaps. Any ``<!ENTITY`` declaration
refuses the document before a parser sees it (see ``feed``). A document that is none of
these is an error that says what it was.
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from ..records import RawArticle
from .feed import entry_date, item_article, entity_bomb_reason, is_feed, xml_root

SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
_NS_RE = re.compile(r"^\{[^}]*\}")


class LinksError(ValueError):
    """The document is not a readable feed or sitemap."""


@dataclass(frozen=True)
class Link:
    """One item: the page to fetch (``url``), what the feed says of it, and the
    article itself when the feed carries its whole text (an item without a link)."""

    url: str | None
    published: dt.date | None = None
    title: str | None = None
    item_id: str | None = None
    article: RawArticle | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Links:
    kind: str                                   # rss | atom | sitemap | sitemapindex
    items: tuple[Link, ...] = ()


def read_links(data: bytes, source: str) -> Links:
    """The items of a feed or sitemap, newest first (undated items last, in their order)."""
    bomb = entity_bomb_reason(data)
    if bomb:
        raise LinksError(bomb)
    root = xml_root(data)
    if root in SITEMAP_ROOTS:
        return _sitemap(data, root)
    if not is_feed(data):
        what = f"an XML document with root <{root}>" if root else _describe(data)
        raise LinksError(f"not an RSS/Atom feed or a sitemap: {what}")
    import feedparser

    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        raise LinksError(f"not a readable RSS/Atom feed: {parsed.get('bozo_exception')}")
    version = parsed.get("version") or "feed"
    items = []
    for n, entry in enumerate(parsed.entries, start=1):
        url = entry.get("link") or None
        article = None if url else item_article(entry, f"{source}:item{n}", n, version)
        items.append(Link(url, entry_date(entry), (entry.get("title") or "").strip() or None,
                          entry.get("id") or None, article))
    return Links("atom" if version.startswith("atom") else "rss", _newest_first(items))


def _sitemap(data: bytes, root: str) -> Links:
    try:
        tree = ET.fromstring(data)
    except ET.ParseError as e:
        raise LinksError(f"not a readable sitemap: {e}") from None
    items = []
    for node in tree:
        fields = _children(node)
        loc = (fields.get("loc") or "").strip()
        if not loc:
            continue
        news = next((c for c in node if _local(c.tag) == "news"), None)
        news_fields = _children(news) if news is not None else {}
        when = _w3c_date(news_fields.get("publication_date") or fields.get("lastmod"))
        items.append(Link(loc, when, (news_fields.get("title") or "").strip() or None))
    return Links("sitemap" if root == "urlset" else "sitemapindex", _newest_first(items))


def _children(node: Any) -> dict[str, str]:
    return {_local(c.tag): (c.text or "") for c in node}


def _local(tag: str) -> str:
    return _NS_RE.sub("", tag)


def _w3c_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _newest_first(items: list[Link]) -> tuple[Link, ...]:
    order = sorted(range(len(items)),
                   key=lambda i: (items[i].published is None,
                                  -(items[i].published.toordinal() if items[i].published else 0),
                                  i))
    return tuple(items[i] for i in order)


def _describe(data: bytes) -> str:
    head = data.lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if head.startswith((b"{", b"[")):
        return "JSON"
    if not head:
        return "an empty document"
    return "not XML"
