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
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .records import CleanArticle, Outcome, RawArticle, content_id
from .settings import Settings

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

_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_KEY_RE = re.compile(r"[\W_]+")
_TOKEN_RE = re.compile(r"[^\W\d_]+")
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class LineRule:
    """A boilerplate rule: ``pattern`` must match a whole line (stripped)."""

    name: str
    when: str  # "always" | "repeated"
    pattern: re.Pattern[str]
    note: str = ""


@lru_cache(maxsize=1)
def boilerplate_rules() -> tuple[LineRule, ...]:
    """The rules of ``knowledge/boilerplate.tsv``, in file order."""
    rules = []
    text = resources.files("eventwire.knowledge").joinpath("boilerplate.tsv").read_text("utf-8")
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    header = rows[0].split("\t")
    if header[:3] != ["rule", "when", "pattern"]:
        raise ValueError(f"boilerplate.tsv: unexpected header {header}")
    for n, row in enumerate(rows[1:], start=2):
        cols = row.split("\t")
        name, when, pattern = cols[0], cols[1], cols[2]
        if when not in ("always", "repeated"):
            raise ValueError(f"boilerplate.tsv row {n}: when must be always|repeated, got {when!r}")
        rules.append(LineRule(name, when, re.compile(pattern), cols[3] if len(cols) > 3 else ""))
    return tuple(rules)


@lru_cache(maxsize=1)
def language_words() -> dict[str, frozenset[str]]:
    """Function-word lists per language code from ``knowledge/ingest_language_words.tsv``."""
    text = (resources.files("eventwire.knowledge")
            .joinpath("ingest_language_words.tsv").read_text("utf-8"))
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return {lang: frozenset(words.split()) for lang, words in
            (row.split("\t", 1) for row in rows[1:])}


def line_key(line: str) -> str:
    """A line compared modulo case, spaces and punctuation."""
    return _KEY_RE.sub(" ", line.casefold()).strip()


def clean_text(text: str, title: str | None = None) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``(cleaned text, removed (rule, line) pairs)``; the input itself when nothing goes."""
    lines = _LINE_RE.findall(text)
    stripped = [line.strip() for line in lines]
    removed: dict[int, str] = {}
    rules = boilerplate_rules()
    for i, s in enumerate(stripped):
        if s:
            for rule in rules:
                if rule.when == "always" and rule.pattern.fullmatch(s):
                    removed[i] = rule.name
                    break
    keys = [line_key(s) if s else "" for s in stripped]
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
    cleaned, removed = clean_text(text, title)
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
                        language=language, removed=removed)
