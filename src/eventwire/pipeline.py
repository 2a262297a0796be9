"""The flow, in one screen: ingest → clean → nlp → actors → dates → quotes → events,
then, for whatever writes to a store, link near-duplicates → store.

Every article leaves as an ``ArticleRecord`` with an outcome: ``ok``, ``rejected``
(bad input, with the reason) or ``failed`` (an error inside a stage). One bad article
never stops a batch, and records come out in input order.

Before a store, :func:`link_near_duplicates` links near-copies (MinHash of word
5-shingles, estimated Jaccard ≥ ``near_dup_threshold``). One policy, input order: each ok
record links to the **earliest** near-copy that is canonical — stored articles first (in
the order they were ingested), then the records before it in this run — and otherwise
becomes canonical itself. A linked record keeps its text and loses its facts, so facts
are counted once. ``eventwire ingest`` and the web write through it; the Spark runner
applies the same policy (``dedup.link_one``) to the pairs it finds.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any, Iterable, Iterator

from .actors import quoted_speakers, resolve_actors
from .clean import clean_article, learn_chrome
from .dates import resolve_dates
from . import dedup
from .events import code_events
from .ingest import raw_from_string
from .limits import ArticleTimeout, time_limit
from .nlp import get_nlp
from .quotes import attribute_quotes
from .records import ArticleRecord, CleanArticle, Outcome, RawArticle
from .registry import resolve
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Components:
    """The named components the settings choose, resolved once through the registry."""

    event_coder: Any
    quote_tagger: Any


@lru_cache(maxsize=4)
def components(settings: Settings) -> Components:
    return Components(event_coder=resolve("event_coder", settings.event_coder)(),
                      quote_tagger=resolve("quote_tagger", settings.quote_tagger)())


def analyze(doc, article: CleanArticle, settings: Settings) -> ArticleRecord:
    """Run the NLP-facing stages over one parsed article."""
    parts = components(settings)
    actors = resolve_actors(doc, article)
    dates = resolve_dates(doc, article)
    quotes = attribute_quotes(doc, article, actors, settings, parts.quote_tagger)
    actors = quoted_speakers(doc, actors, quotes)      # "I" in a direct quote: its speaker
    events = code_events(doc, article, actors, dates, quotes, parts.event_coder)
    return _record(article, Outcome("ok"), actors=actors, dates=dates, quotes=quotes,
                   events=events)


def process(raws: Iterable[RawArticle], settings: Settings | None = None) -> Iterator[ArticleRecord]:
    """Stream records for raw articles, in input order, batching the parse."""
    settings = settings or Settings.load()
    nlp = get_nlp(settings)
    _warm_up(settings)
    it = iter(raws)
    while batch := list(islice(it, max(1, settings.batch_size))):  # 0 would drop all
        cleaned = [clean_article(raw, settings) for raw in batch]
        parseable = [c for c in cleaned if isinstance(c, CleanArticle)]
        docs = iter(_parse(nlp, parseable, settings))
        for raw, c in zip(batch, cleaned):
            if isinstance(c, Outcome):
                yield _rejected(raw, c)
                continue
            yield _analyze_safely(next(docs), c, settings)


def extract(text_or_html: str, published: dt.date | str | None = None, url: str | None = None,
            title: str | None = None, settings: Settings | None = None) -> ArticleRecord:
    """Extract one article record from text or HTML."""
    return next(process([raw_from_string(text_or_html, published=published, url=url,
                                         title=title)], settings))


def extract_many(items: Iterable[RawArticle | str], settings: Settings | None = None
                 ) -> Iterator[ArticleRecord]:
    """Batch form of :func:`extract`: takes raw articles or strings, streams records
    (page chrome is learned across the articles of each source)."""
    return process(learn_chrome(i if isinstance(i, RawArticle) else raw_from_string(i)
                                for i in items), settings)


_WARM_TEXT = ("Officials in Ankara said on Monday that Turkey would meet NATO envoys next "
              "week. \"We urge restraint,\" the spokesman told reporters.")


@lru_cache(maxsize=4)
def _warm_up(settings: Settings) -> None:
    """Load every model the stages use once per process, before any article's time limit
    starts: stages load lazily, and a cold load must not count as one article's time."""
    nlp = get_nlp(settings)
    doc = nlp(_WARM_TEXT)
    analyze(doc, CleanArticle(id="warm-up", source="<warm-up>", text=_WARM_TEXT,
                              published=dt.date(2021, 2, 5)), settings)


# Articles over this many characters are parsed one by one under the time limit; the
# rest share nlp.pipe batches (a batch cannot be timed per article).
_SOLO_PARSE_CHARS = 100_000


def _parse(nlp, articles: list[CleanArticle], settings: Settings) -> list:
    """Parse a batch, big articles alone under the time limit; if the batch fails, parse
    one by one so only the culprit fails. A slot holds a Doc or the exception raised."""
    docs: list = [None] * len(articles)
    small = [i for i, a in enumerate(articles) if len(a.text) <= _SOLO_PARSE_CHARS]
    try:
        for i, doc in zip(small, nlp.pipe((articles[i].text for i in small),
                                          batch_size=max(1, settings.batch_size))):
            docs[i] = doc
    except Exception:  # noqa: BLE001 — isolate the failing article below
        log.exception("batch parse failed; retrying article by article")
        small = [i for i in small if docs[i] is None]
    for i, a in enumerate(articles):
        if docs[i] is not None:
            continue
        try:
            with time_limit(settings.article_timeout_s if i not in small else 0):
                docs[i] = nlp(a.text)
        except Exception as e:  # noqa: BLE001 — ArticleTimeout included
            docs[i] = e
    return docs


def _timeout(article: CleanArticle, settings: Settings, what: str) -> ArticleRecord:
    return _record(article, Outcome(
        "rejected", f"timeout: {what} took over {settings.article_timeout_s:g} s "
        "(raise EVENTWIRE_ARTICLE_TIMEOUT_S to allow more)"))


def _analyze_safely(doc, article: CleanArticle, settings: Settings) -> ArticleRecord:
    if isinstance(doc, ArticleTimeout):
        return _timeout(article, settings, "parsing")
    if isinstance(doc, Exception):
        return _record(article, Outcome("failed", f"parse error: {type(doc).__name__}: {doc}"))
    if sum(1 for _ in doc.sents) > settings.max_sentences:
        return _record(article, Outcome(
            "rejected", f"too many sentences (over the limit of {settings.max_sentences}; "
            "raise EVENTWIRE_MAX_SENTENCES to accept it)"))
    try:
        with time_limit(settings.article_timeout_s):
            return analyze(doc, article, settings)
    except ArticleTimeout:
        return _timeout(article, settings, "analysis")
    except Exception as e:  # noqa: BLE001 — a stage bug fails one article, not the batch
        log.exception("article %s failed", article.source)
        return _record(article, Outcome("failed", f"{type(e).__name__}: {e}"))


def _record(article: CleanArticle, outcome: Outcome, **stages) -> ArticleRecord:
    return ArticleRecord(id=article.id, source=article.source, text=article.text,
                         outcome=outcome, title=article.title, url=article.url,
                         published=article.published, language=article.language,
                         author=article.author, standfirst=article.standfirst,
                         site_name=article.site_name, dateline=article.dateline,
                         **{k: tuple(v) for k, v in stages.items()})


def _rejected(raw: RawArticle, outcome: Outcome) -> ArticleRecord:
    from .records import content_id

    basis = raw.text or raw.html or raw.source
    return ArticleRecord(id=content_id(f"{raw.source}\0{basis}"), source=raw.source, text="",
                         outcome=outcome, title=raw.title, url=raw.url,
                         published=raw.published, language=None)


def link_near_duplicates(records: Iterable[ArticleRecord], index: dedup.NearDuplicateIndex
                         ) -> Iterator[dedup.LinkedRecord]:
    """The link step before a store (policy in the module docstring): records in input
    order in, ``LinkedRecord`` out, lazily; ``index`` is the store's
    (``Store.near_duplicate_index()``) and learns each new canonical article."""
    return dedup.link_near_duplicates(records, index)
