"""``eventwire watch``: poll RSS/Atom feeds and sitemaps, fetch new items, store them.

One poll, per feed: a conditional GET of the feed (304: unchanged); its items, newest
first; those already handled are skipped by URL (``feed_items``), a fetched page whose
text was already fetched under another URL is skipped by content hash; the new pages are
fetched (``fetch.Fetcher``: robots.txt, per-host rate limit, timeouts, size cap), run
through the pipeline together (chrome learned per site, the store remembering what it
learned) and written to the store; then each item's fate is recorded. The feed's
validators (ETag, Last-Modified) are saved only once all its items were handled, so a
poll stopped midway (Ctrl-C, a crash) fetches the feed in full next time and resumes
with the items that were not yet handled; nothing is stored twice (the store is keyed by
content hash, items by URL).

An item that fails (HTTP error, timeout, not HTML, rejected by the pipeline) is tried
again on later polls, ``watch_max_attempts`` times in all. A page without a date takes
the feed item's; without a title, the feed item's.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator, Sequence

from ..ingest.articles import from_bytes
from ..ingest.links import Link, LinksError, read_links
from ..records import ArticleRecord, RawArticle, content_id
from ..settings import Settings
from ..store import Store
from ..store import state
from .fetch import Fetched, Fetcher

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_CHILD_SITEMAPS = 5   # newest children of a sitemap index read per poll
_EVERY_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

#: Runs raw articles through the pipeline: records out, one per article, in order.
Run = Callable[[Iterable[RawArticle]], Iterator[ArticleRecord]]


@dataclass
class PollReport:
    """What one poll did, for its summary line."""

    feeds: int = 0
    feeds_unchanged: int = 0
    new: int = 0
    near_duplicates: int = 0
    unchanged: int = 0
    duplicates: int = 0
    deferred: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)   # (url, reason)

    def line(self) -> str:
        """One summary line: counts, then failures grouped by reason."""
        s = (f"{self.feeds} feeds ({self.feeds_unchanged} unchanged): {self.new} new, "
             f"{self.unchanged} unchanged, {self.duplicates} duplicates, "
             f"{len(self.failed)} failed")
        if self.near_duplicates:
            s += f" ({self.near_duplicates} of the new linked as near-copies)"
        if self.deferred:
            s += f", {self.deferred} left for the next poll"
        if self.failed:
            reasons = Counter(_short_reason(r) for _, r in self.failed)
            s += " — " + "; ".join(f"{r} ×{n}" if n > 1 else r
                                   for r, n in reasons.most_common())
        return s


def _short_reason(reason: str) -> str:
    return reason if len(reason) <= 90 else reason[:87] + "…"


def parse_every(value: str) -> float:
    """Seconds in "15m", "30s", "1h", "2d" or a bare number of seconds; ValueError else."""
    v = value.strip().lower()
    unit = v[-1:] if v[-1:] in _EVERY_UNITS else "s"
    number = v[:-1] if v[-1:] in _EVERY_UNITS else v
    try:
        seconds = float(number) * _EVERY_UNITS[unit]
    except ValueError:
        raise ValueError(f"--every must look like 15m, 30s, 1h or 2d, got {value!r}") from None
    if seconds <= 0:
        raise ValueError(f"--every must be positive, got {value!r}")
    return seconds


def poll(feed_urls: Sequence[str], store: Store, settings: Settings, run: Run,
         fetcher: Fetcher | None = None) -> PollReport:
    """Poll every feed once (see the module docstring)."""
    report = PollReport()
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings)
    try:
        for url in feed_urls:
            report.feeds += 1
            _poll_feed(url, store, settings, run, fetcher, report)
    finally:
        if own:
            fetcher.close()
    return report


def watch(feed_urls: Sequence[str], store: Store, settings: Settings, run: Run, every: float,
          say: Callable[[str], None], once: bool = False,
          sleep: Callable[[float], None] = time.sleep) -> PollReport:
    """Poll, say the summary line, wait ``every`` seconds, again; ``once``: one poll.
    Returns the last poll's report. Ctrl-C (KeyboardInterrupt) goes up to the caller
    between or inside polls; what was stored stays."""
    while True:
        started = time.monotonic()
        report = poll(feed_urls, store, settings, run)
        stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        say(f"{stamp} {report.line()}")
        if once:
            return report
        sleep(max(0.0, every - (time.monotonic() - started)))


def _poll_feed(url: str, store: Store, settings: Settings, run: Run, fetcher: Fetcher,
               report: PollReport) -> None:
    before = state.feed_state(store, url)
    got = fetcher.get(url, before.etag, before.last_modified)
    if got.not_modified:
        report.feeds_unchanged += 1
        state.save_feed(store, url, kind=None, status="unchanged", error=None,
                        keep_validators=True)
        return
    try:
        if not got.ok:
            raise LinksError(got.error or f"HTTP {got.status}")
        links = read_links(got.body, url)
        items = list(links.items)
        if links.kind == "sitemapindex":
            items = _child_items(items, fetcher, report)
    except LinksError as e:
        report.failed.append((url, f"feed: {e}"))
        state.save_feed(store, url, kind=None, status="failed", error=str(e),
                        keep_validators=True)
        return
    complete = _handle_items(url, items, store, settings, run, fetcher, report)
    # Validators only once every item was handled: a 304 next time must not hide the rest.
    state.save_feed(store, url, kind=links.kind, status="ok", error=None,
                    etag=got.etag if complete else None,
                    last_modified=got.last_modified if complete else None)


def _child_items(sitemaps: list[Link], fetcher: Fetcher, report: PollReport) -> list[Link]:
    items: list[Link] = []
    for child in sitemaps[:MAX_CHILD_SITEMAPS]:
        got = fetcher.get(child.url)
        if not got.ok:
            report.failed.append((child.url, f"sitemap: {got.error or got.status}"))
            continue
        try:
            items.extend(read_links(got.body, child.url).items)
        except LinksError as e:
            report.failed.append((child.url, f"sitemap: {e}"))
    return items


def _item_key(feed_url: str, link: Link) -> str:
    return link.url or f"{feed_url}#{link.item_id or link.title or ''}"


def _handle_items(feed_url: str, items: list[Link], store: Store, settings: Settings, run: Run,
                  fetcher: Fetcher, report: PollReport) -> bool:
    """Fetch, run and store the new items; True when none was left for a later poll."""
    known = state.known_items(store, [_item_key(feed_url, i) for i in items])
    todo: list[Link] = []
    for link in items:
        status = known.get(_item_key(feed_url, link))
        if status is None or (status == "failed" and state.failed_attempts(
                store, _item_key(feed_url, link)) < settings.watch_max_attempts):
            todo.append(link)
        else:
            report.unchanged += 1
    deferred = max(0, len(todo) - settings.watch_max_items)
    report.deferred += deferred
    todo = todo[:settings.watch_max_items]
    batch: list[tuple[str, RawArticle, str | None]] = []
    seen_hashes: dict[str, str] = {}
    for link in todo:
        key = _item_key(feed_url, link)
        raw = _raw_article(feed_url, link, fetcher)
        if isinstance(raw, str):
            report.failed.append((key, raw))
            state.save_item(store, key, feed_url, status="failed", reason=raw)
            continue
        digest = content_id(raw.text) if raw.text else None
        twin = seen_hashes.get(digest) or (state.item_with_hash(store, digest) if digest else None)
        if twin and twin != key:
            report.duplicates += 1
            state.save_item(store, key, feed_url, status="duplicate", content_hash=digest,
                            reason=f"same text as {twin}")
            continue
        if digest:
            seen_hashes[digest] = key
        batch.append((key, raw, digest))
    if batch:
        _store_batch(feed_url, batch, store, run, report)
    return deferred == 0


def _raw_article(feed_url: str, link: Link, fetcher: Fetcher) -> RawArticle | str:
    """The item's article, or why it could not be had."""
    if link.article is not None:  # the feed carries the text and links nowhere
        return replace(link.article, meta={**link.article.meta, "feed": feed_url})
    page = fetcher.get(link.url)
    if not page.ok:
        return page.error or f"HTTP {page.status}"
    if not _is_html(page):
        return f"not an HTML page ({page.content_type or 'no content type'})"
    raw = from_bytes(page.body, link.url, html_hint=True, declared=page.charset, url=link.url,
                     published_fallback=link.published,
                     meta={"format": "html", "feed": feed_url, "fetched_url": page.url})
    if raw.title is None and link.title:
        raw = replace(raw, title=link.title)
    return raw


def _is_html(page: Fetched) -> bool:
    if page.content_type in HTML_TYPES:
        return True
    if page.content_type:
        return False
    head = page.body.lstrip()[:512].lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _store_batch(feed_url: str, batch: list[tuple[str, RawArticle, str | None]],
                 store: Store, run: Run, report: PollReport) -> None:
    records = list(run(raw for _, raw, _ in batch))
    result = store.write(records)
    report.new += result.stored + result.near_duplicates
    report.near_duplicates += result.near_duplicates
    report.unchanged += result.unchanged
    for (key, _, digest), rec in zip(batch, records):
        if rec.ok:
            state.save_item(store, key, feed_url, status="stored", content_hash=digest,
                            article_id=rec.id)
        else:
            reason = f"{rec.outcome.status}: {rec.outcome.reason}"
            report.failed.append((key, reason))
            state.save_item(store, key, feed_url, status="failed", content_hash=digest,
                            article_id=rec.id, reason=reason)
