"""Clean: drop page-chrome lines and repeated headlines, check length and language.

Text that arrives already scraped still carries furniture ("Install our app", "Share this
article", "© 2021 …", a headline repeated mid-page, a byline printed twice, "Reporting by
…; Editing by …"). Whole lines are dropped by the rules in ``knowledge/boilerplate.tsv``
(each pattern must match the entire line, so news sentences that merely mention sharing
or cookies stay). Nothing inside a kept line is rewritten: when nothing is removed the
text comes back byte-for-byte, so the spans of later stages point into the input itself;
when lines are removed the rest keeps its own line breaks and only runs of blank lines
left behind are collapsed to one.

The language check is deliberately cheap because it runs on every article: the share of
word tokens that are common English function words (``knowledge/ingest_language_words.tsv``).
English news scores 0.28-0.48 on the 84 PolNeAR dev texts and 0.36-0.42 on the bundled
samples; news paragraphs written in German, French, Spanish, Italian, Portuguese, Dutch and
Turkish score 0.00-0.07 (and 0.23-0.45 on their own list). A text is called non-English
below 0.20 when another language's list fits it better, or below 0.08 with 30+ tokens, or
when most letters are not Latin script. A library was not used: the small offline detectors on PyPI either
ship large models or are unmaintained, and this distinction needs no model.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from itertools import islice
from pathlib import PurePath
from typing import Iterable, Iterator, Protocol

from .layout import (LineRule, boilerplate_rules, classify_line, find_dateline,
                     is_body_sentence, line_key, read_header, site_names_of, url_host)
from .records import CleanArticle, Outcome, RawArticle, content_id
from .settings import Settings

__all__ = ["LineRule", "boilerplate_rules", "line_key", "clean_text", "clean_article",
           "english_check", "LEARNED_CHROME", "SourceChrome", "learn_chrome", "source_key"]

log = logging.getLogger(__name__)

REPEATED_HEADLINE = "repeated_headline"
# A first line longer than this is a paragraph, not a headline (same bound as ingest).
MAX_HEADLINE_CHARS = 200
# Language check calibration (see module docstring).
MIN_TOKENS_FOR_LANGUAGE = 8
ENGLISH_MIN_RATIO = 0.20
ENGLISH_FLOOR_RATIO = 0.08
FLOOR_MIN_TOKENS = 30
LANGUAGE_SAMPLE_TOKENS = 2000
MIN_LATIN_SHARE = 0.5

LEARNED_CHROME = "source_chrome"
_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_TOKEN_RE = re.compile(r"[^\W\d_]+")
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


@lru_cache(maxsize=1)
def language_words() -> dict[str, frozenset[str]]:
    """Function-word lists per language code from ``knowledge/ingest_language_words.tsv``."""
    text = (resources.files("eventwire.knowledge")
            .joinpath("ingest_language_words.tsv").read_text("utf-8"))
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return {lang: frozenset(words.split()) for lang, words in
            (row.split("\t", 1) for row in rows[1:])}


def clean_text(text: str, title: str | None = None, *, chrome: frozenset[str] = frozenset(),
               site_names: frozenset[str] = frozenset()
               ) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``(cleaned text, removed (rule, line) pairs)``; the input itself when nothing goes.

    ``chrome``: keys of lines learned as chrome for the article's source (never a body
    sentence); ``site_names``: keys of the site's names (its name alone on a line goes).
    """
    lines = _LINE_RE.findall(text)
    stripped = [line.strip() for line in lines]
    removed: dict[int, str] = {}
    rules = boilerplate_rules()
    keys = [line_key(s) if s else "" for s in stripped]
    for i, s in enumerate(stripped):
        if s:
            rule = classify_line(s, site_names)
            if rule is None and keys[i] in chrome and not is_body_sentence(s):
                rule = LEARNED_CHROME
            if rule is not None:
                removed[i] = rule
    counts = Counter(k for i, k in enumerate(keys) if k and i not in removed)
    for i, s in enumerate(stripped):
        if s and i not in removed and counts[keys[i]] > 1:
            for rule in rules:
                if rule.when == "repeated" and rule.pattern.fullmatch(s):
                    removed[i] = rule.name
                    break
    _mark_repeated_headlines(stripped, keys, removed, title)
    if not removed:
        return text, ()
    kept = [line for i, line in enumerate(lines) if i not in removed]
    audit = tuple((removed[i], stripped[i]) for i in sorted(removed))
    return _join_kept(kept), audit


def _mark_repeated_headlines(stripped: list[str], keys: list[str], removed: dict[int, str],
                             title: str | None) -> None:
    title_key = line_key(title) if title else ""
    if len(title_key.split()) < 2:
        title_key = ""
    # The first line that stays: a leading copy of the title goes, the next line leads.
    first = next((i for i, s in enumerate(stripped)
                  if s and i not in removed and not (title_key and keys[i] == title_key)), None)
    first_key = ""
    if first is not None and len(stripped[first]) <= MAX_HEADLINE_CHARS:
        first_key = keys[first] if len(keys[first].split()) >= 2 else ""
    for i, s in enumerate(stripped):
        if not s or i in removed or len(s) > MAX_HEADLINE_CHARS:
            continue
        if title_key and keys[i] == title_key:
            removed[i] = REPEATED_HEADLINE
        elif first_key and i != first and keys[i] == first_key:
            removed[i] = REPEATED_HEADLINE


def _join_kept(kept: list[str]) -> str:
    """Kept lines with their own endings; leading/trailing blanks dropped, blank runs → one."""
    out: list[str] = []
    blank_run = 0
    for line in kept:
        if line.strip():
            out.append(line)
            blank_run = 0
        elif out and blank_run == 0:
            out.append(line)
            blank_run = 1
    while out and not out[-1].strip():
        out.pop()
    return "".join(out)


def english_check(text: str) -> tuple[bool, str | None, str]:
    """``(is_english, language code or None, evidence)`` from function-word shares."""
    letters = [ch for ch in text[:20000] if ch.isalpha()]
    if len(letters) >= 20:
        latin = sum(1 for ch in letters if ord(ch) < 0x250)
        if latin / len(letters) < MIN_LATIN_SHARE:
            script = _main_script(letters)
            return False, None, f"{1 - latin / len(letters):.0%} of letters are {script} script"
    tokens = _TOKEN_RE.findall(text.casefold())[:LANGUAGE_SAMPLE_TOKENS]
    n = len(tokens)
    if n < MIN_TOKENS_FOR_LANGUAGE:
        return True, "en", f"{n} words: too few to check"
    words = language_words()
    shares = {lang: sum(1 for t in tokens if t in ws) / n for lang, ws in words.items()}
    en = shares.pop("en")
    best, best_share = max(shares.items(), key=lambda kv: kv[1])
    evidence = f"{en:.0%} English function words"
    if en >= ENGLISH_MIN_RATIO:
        return True, "en", evidence
    if best_share > en:
        return False, best, f"{evidence}, {best_share:.0%} {best}"
    if n >= FLOOR_MIN_TOKENS and en < ENGLISH_FLOOR_RATIO:
        return False, None, evidence
    return True, "en", evidence


def _main_script(letters: list[str]) -> str:
    scripts = Counter(unicodedata.name(ch, "UNKNOWN ?").split()[0] for ch in letters[:2000]
                      if ord(ch) >= 0x250)
    return scripts.most_common(1)[0][0].title() if scripts else "non-Latin"


def _unstorable(text: str, title: str | None, url: str | None) -> str | None:
    """Reject reason for characters no store or JSON printer accepts, else None.

    A NUL (readers sniff only a file's head for binary; PostgreSQL text cannot hold NUL)
    or a lone surrogate (a JSON ``"\\ud800"`` escape, not valid Unicode).
    """
    for name, value in (("text", text), ("title", title), ("url", url)):
        m = _UNSTORABLE_RE.search(value or "")
        if m is None:
            continue
        if m.group() == "\x00":
            return f"binary content, not text (NUL character at character {m.start()} of the {name})"
        return (f"invalid {name}: unpaired surrogate U+{ord(m.group()):04X} at character "
                f"{m.start()} (re-export the input as valid UTF-8)")
    return None


def clean_article(raw: RawArticle, settings: Settings) -> CleanArticle | Outcome:
    """Cleaned article, or ``Outcome("rejected", reason)`` for unusable input."""
    if raw.reject_reason:
        return Outcome("rejected", raw.reject_reason)
    text, title = raw.text, raw.title
    if text is None and raw.html is not None:
        # Readers extract HTML themselves; this serves a RawArticle built by hand with html.
        from .ingest.html import NO_BODY, extract_html

        got = extract_html(raw.html, url=raw.url)
        if got.text is None:
            return Outcome("rejected", NO_BODY)
        text, title = got.text, title or got.title
    if text is None or not text.strip():
        return Outcome("rejected", "empty input")
    unusable = _unstorable(text, title, raw.url)
    if unusable:
        return Outcome("rejected", unusable)
    cleaned, removed = clean_text(text, title, chrome=raw.chrome,
                                  site_names=site_names_of(raw.url, raw.site_name))
    if not cleaned.strip():
        return Outcome("rejected", "empty: no text after removing boilerplate")
    # The language check first: Chinese or Japanese text has no spaces and would
    # otherwise be reported as "too short" instead of "not English".
    english, language, evidence = english_check(cleaned)
    if not english:
        guess = f"looks like {language}; " if language else ""
        return Outcome("rejected", f"not English ({guess}{evidence})")
    # A word holds a letter or digit: emoji, punctuation and entity debris are not words.
    words = sum(1 for w in cleaned.split() if _WORD_CHAR_RE.search(w))
    if words < settings.min_words:
        return Outcome("rejected", f"too short: {words} words (minimum {settings.min_words}; "
                                   "set EVENTWIRE_MIN_WORDS to change)")
    if removed:
        log.debug("%s: removed %d boilerplate lines", raw.source, len(removed))
    return CleanArticle(id=content_id(cleaned), source=raw.source, text=cleaned,
                        title=title, url=raw.url, published=raw.published,
                        language=language, removed=removed, author=raw.author,
                        standfirst=raw.standfirst, site_name=raw.site_name,
                        dateline=find_dateline(cleaned))


# -- chrome learned per source ------------------------------------------------------------

#: A short line in this many articles of one source is that source's chrome.
MIN_SOURCE_ARTICLES = 3
#: Articles read ahead to learn from: a line repeated within the window counts at once.
CHROME_WINDOW = 64
MAX_CHROME_LINE_CHARS = 200
_ITEM_SUFFIX_RE = re.compile(r":(?:item)?\d+$")


class LineMemory(Protocol):
    """Where per-source line counts live: in memory for one batch, or in the store
    (``Store.remember_lines`` / ``Store.line_counts``) so that later batches learn too."""

    def remember_lines(self, rows: list[tuple[str, str, str]]) -> None:
        """Record ``(source, article id, line key)`` rows; a row seen before is ignored."""

    def line_counts(self, source: str, keys: set[str]) -> dict[str, int]:
        """How many distinct articles of ``source`` hold each of ``keys``."""


class SourceChrome:
    """Per-source line counts held in memory (one batch's worth)."""

    def __init__(self) -> None:
        self._articles: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def remember_lines(self, rows: list[tuple[str, str, str]]) -> None:
        for source, article, key in rows:
            seen = self._articles[source][key]
            if len(seen) < MIN_SOURCE_ARTICLES:  # more is never needed
                seen.add(article)

    def line_counts(self, source: str, keys: set[str]) -> dict[str, int]:
        known = self._articles.get(source, {})
        return {k: len(known[k]) for k in keys if k in known}


def source_key(raw: RawArticle) -> str | None:
    """What an article's chrome is learned across: its site (URL host), else the feed or
    JSON Lines file it came in, else its folder; None for stdin and strings."""
    host = url_host(raw.url)
    if host:
        return f"host:{host}"
    feed = raw.meta.get("feed")
    if feed:
        return f"feed:{feed}"
    source = raw.source
    if not source or source.startswith("<"):
        return None
    inner = _ITEM_SUFFIX_RE.sub("", source)
    if inner != source:
        return f"feed:{inner}"
    folder = str(PurePath(source).parent)
    return f"folder:{folder}"


def chrome_candidates(text: str | None) -> set[str]:
    """Keys of the lines that may be learned as chrome: short, and not body sentences."""
    if not text:
        return set()
    out = set()
    for line in text.splitlines():
        s = line.strip()
        if s and len(s) <= MAX_CHROME_LINE_CHARS and not is_body_sentence(s):
            key = line_key(s)
            if key:
                out.add(key)
    return out


def learn_chrome(raws: Iterable[RawArticle], memory: LineMemory | None = None,
                 window: int = CHROME_WINDOW) -> Iterator[RawArticle]:
    """The articles, each with ``chrome`` set to the lines learned as its source's chrome.

    Lines are counted per source over windows of ``window`` articles (and everything
    ``memory`` already holds); a short line that is no body sentence and stands in at
    least ``MIN_SOURCE_ARTICLES`` articles of one source is chrome for all of them.
    """
    memory = memory if memory is not None else SourceChrome()
    it = iter(raws)
    while batch := list(islice(it, max(1, window))):
        found = []
        rows: list[tuple[str, str, str]] = []
        for raw in batch:
            source = source_key(raw) if raw.reject_reason is None else None
            keys = chrome_candidates(raw.text) if source else set()
            found.append((source, keys))
            if keys:
                article = content_id(raw.text or "")
                rows.extend((source, article, k) for k in sorted(keys))
        if rows:
            memory.remember_lines(rows)
        learned: dict[str, frozenset[str]] = {}
        for source in {s for s, k in found if s and k}:
            keys = set().union(*(k for s, k in found if s == source))
            learned[source] = frozenset(
                k for k, n in memory.line_counts(source, keys).items() if n >= MIN_SOURCE_ARTICLES)
        for raw, (source, keys) in zip(batch, found):
            chrome = learned.get(source, frozenset()) & keys if source else frozenset()
            yield _reread_header(replace(raw, chrome=chrome | raw.chrome)) if chrome else raw


def _reread_header(raw: RawArticle) -> RawArticle:
    """The header read again with the chrome learned for its source: a site's own name
    over the headline, unknown until its other pages showed it, no longer hides it."""
    opts = raw.meta.get("layout")
    if not opts or not raw.text:
        return raw
    header = read_header(raw.text, title=raw.title, find_title=opts["find_title"],
                         line_blocks=opts["line_blocks"], chrome=raw.chrome,
                         site_names=site_names_of(raw.url, raw.site_name))
    if not header.body_start:
        return raw
    meta = {**raw.meta, "header": raw.meta.get("header", []) + [r for r, _ in header.parts]}
    if raw.title is None and header.title:
        meta["title_from"] = "first line"
    return replace(raw, text=raw.text[header.body_start:], title=raw.title or header.title,
                   author=raw.author or header.author, standfirst=raw.standfirst or header.standfirst,
                   published=raw.published or header.published, meta=meta)
