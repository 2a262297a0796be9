"""The header of a plain-text article: headline, standfirst, byline and date lines.

Scraped and saved news text opens with a header block before the story: the headline (a
short first paragraph followed by a blank line), sometimes a standfirst (the summary
line under it), a byline ("By Marta Kowalczyk, Brussels correspondent"), date lines
("Published: 5 February 2021", "Updated 10:32 GMT, Mon 6 Feb 2023", "Feb. 5, 2021") and
page chrome. :func:`read_header` reads that block off and says where the body begins; the
body is the rest of the input, unchanged, so spans into it stay spans into the input.

A headline is told from a lead sentence by its layout and its form: one line, at most
200 characters, followed by a blank line and more text, not opening with a dateline, not
ending in a comma or colon. A final full stop is allowed (PolNeAR's texts end every
headline with one), but a long sentence-case line (over 16 words), or one of 12 words or
more with what leads have and headlines leave out (a reporting verb, a day, three
articles), is the story's first sentence, not its headline. Tuned on PolNeAR train: 828
of 840 headlines found; on the same texts with the headline cut off, 94 of 840 first
paragraphs are still taken for one, most of them decks and section labels ("ABSTRACT.",
"Sources come in from fringe to help perpetuate questionable contentions."). A single
paragraph has no headline: the whole input is the body.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .dateline import DATELINE
from .lines import classify_line, is_body_sentence, line_key, media_site_keys, site_key

MAX_TITLE_CHARS = 200
MAX_STANDFIRST_WORDS = 80
# A headline over this many words (ending in a full stop, in sentence case) is a lead.
MAX_SENTENCE_CASE_TITLE_WORDS = 16
MAX_TITLE_WORDS = 30
LEAD_SIGNAL_MIN_WORDS = 12
TITLE_CASE_SHARE = 0.6
# The header is read within the first paragraphs only.
HEADER_MAX_PARAGRAPHS = 12
HEADER_MAX_CHARS = 4000

_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_BLANK_LINES = re.compile(r"(?:[ \t\r\f\v]*\n)*")
_WORD_RE = re.compile(r"[^\W_][\w'’.-]*")
_SMALL_WORDS = frozenset(
    "a an the and or but nor for of in on at to by from with as vs vs. via over into "
    "after before about up out off is are be".split())
_CONTINUES = (",", ":", "…", "...", "-", "–", "—", "(")
_ABBREVIATION_END = re.compile(r"(?:\b[A-Z]\.)+$|\b(?:Inc|Corp|Co|Ltd|Jr|Sr|St|Gov|Sen|Rep|"
                               r"Gen|Dr|Mr|Mrs|Ms|No|vs|etc)\.$")
_WEEKDAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
# What a lead sentence has and a headline leaves out: a reporting verb, a day, articles.
_LEAD_SIGNAL = re.compile(
    rf"\b(?:said|says|told|announced|according to)\b|(?<!Super )\b{_WEEKDAYS}\b"
    r"|\b(?:yesterday|today|tonight|last (?:week|night|month))\b")
_ARTICLE = re.compile(r"(?i)\b(?:the|a|an)\b")
LEAD_ARTICLES = 3
# A headline's label: a few words and a colon ("Poll: …", "Ah, friends once more: …").
_LABEL = re.compile(r"^(?:[^\s:]+\s+){0,4}[^\s:]+:\s")

# -- bylines ------------------------------------------------------------------------------
_PARTICLE = r"(?:de|del|della|der|den|van|von|da|di|du|la|le|al|bin|ibn|el|y|ter)"
_NAME = rf"[A-Z][\w'’.-]*(?:\s+(?:{_PARTICLE}\s+)*[A-Z][\w'’.-]*){{0,4}}"
_BYLINE = re.compile(
    rf"(?i:by|written\s+by|words\s+by|text\s+by|authors?\s*:)\s+"
    rf"(?P<names>{_NAME}(?:\s*(?:,|\band\b|&)\s*{_NAME})*)"
    rf"(?:\s*[,|·•–—-]\s*(?P<role>[^\n]{{0,80}}))?")
_NAME_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*")
_SEGMENT_SPLIT = re.compile(r"\s+[|·•]\s+|\s*\|\s*")

# -- date lines ---------------------------------------------------------------------------
_DATE_PREFIX = re.compile(
    r"(?i)^(?P<kind>(?:first\s+)?published|posted|updated|last\s+updated|last\s+modified|"
    r"modified|date|dated|created)(?:\s+(?:on|at))?\s*:?\s*")
_UPDATED_KINDS = ("updated", "last updated", "last modified", "modified")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE_TOKEN = re.compile(
    rf"(?i)\b{_MONTH}(?!\w)|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?(?!\w)|"
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?|"
    r"\b\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?\s?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?(?!\w)|"
    r"\b\d{1,4}(?:st|nd|rd|th)?\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}\.\d{1,2}\.\d{4}\b|"
    r"\b(?:[A-Z]{2,4}T|GMT|UTC|ET|PT|CT|BST|CET|CEST|EST|EDT|PST|PDT|IST|JST|MSK|AEST)\b|"
    r"\b(?:at|on|of|the|utc|gmt)\b|[,|·•/–—-]")
_YEAR = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")
_RELATIVE = re.compile(r"(?i)^\d+\s+(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?)\s+ago$")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_OR_ZONE = re.compile(
    r"(?i)\b\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?\s?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?(?!\w)|"
    r"\b(?:[A-Z]{2,4}T|GMT|UTC|ET|PT|CT|BST|CET|CEST|EST|EDT|PST|PDT|IST|JST|MSK|AEST)\b|"
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?(?!\w)|\bat\b|\bon\b|[|·•]")


@dataclass(frozen=True)
class PageDate:
    """A line that gives a date: its value (None when relative or partial) and whether it
    is the publication date or an update."""

    value: dt.date | None
    updated: bool = False


@dataclass(frozen=True)
class Header:
    """What :func:`read_header` found; ``body_start`` is where the body begins."""

    title: str | None = None
    standfirst: str | None = None
    author: str | None = None
    published: dt.date | None = None
    body_start: int = 0
    parts: tuple[tuple[str, str], ...] = ()   # (role, line): title, standfirst, byline, date, chrome


@dataclass
class _Para:
    start: int
    end: int                          # after the paragraph's last line break
    lines: list[tuple[int, str]]      # (offset of the line, the line stripped)


def _paragraphs(text: str, line_blocks: bool = False) -> list[_Para]:
    paras: list[_Para] = []
    current: _Para | None = None
    for m in _LINE_RE.finditer(text, 0, min(len(text), HEADER_MAX_CHARS)):
        s = m.group().strip()
        if not s or line_blocks:
            current = None
        if not s:
            continue
        if current is None:
            if len(paras) == HEADER_MAX_PARAGRAPHS:
                break
            current = _Para(m.start(), m.end(), [])
            paras.append(current)
        current.lines.append((m.start(), s))
        current.end = m.end()
    return paras


# -- the parts of a header ---------------------------------------------------------------

def byline_author(line: str) -> str | None:
    """The author names of a byline ("By A B and C D, Brussels correspondent" → "A B, C D")."""
    m = _BYLINE.fullmatch(line.strip())
    if m is None:
        return None
    names = []
    for name in _NAME_SPLIT.split(m.group("names")):
        name = name.strip()
        if not name or site_key(name) in media_site_keys():
            continue  # "By John Smith, Reuters": the agency is not an author
        names.append(name.title() if name.isupper() else name)
    return ", ".join(names) or None


def date_line(line: str) -> PageDate | None:
    """A date line ("Published: 5 February 2021", "Feb. 5, 2021, 10:32 AM ET",
    "Updated 3 hours ago"), or None for any other line."""
    s = line.strip()
    m = _DATE_PREFIX.match(s)
    kind = m.group("kind").lower() if m else None
    rest = s[m.end():] if m else s
    if not rest or len(rest) > 80:
        return None
    updated = bool(kind) and " ".join(kind.split()) in _UPDATED_KINDS
    if _RELATIVE.match(rest):
        return PageDate(None, updated) if kind else None
    if _DATE_TOKEN.sub(" ", rest).strip(" .,;:()"):
        return None  # words that are not parts of a date
    if not _YEAR.search(rest):
        return None  # "Feb. 5" alone names no year: not a date to publish under
    return PageDate(_parse_date(rest), updated)


def _parse_date(s: str) -> dt.date | None:
    iso = _ISO.search(s)
    if iso:
        try:
            return dt.date.fromisoformat(iso.group())
        except ValueError:
            return None
    value = " ".join(_TIME_OR_ZONE.sub(" ", s).replace(",", " ").split()).strip(" .-–—/")
    import dateparser  # slow to import: only when a date line needs it

    when = dateparser.parse(value, languages=["en"], settings={
        "STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"],
        "PREFER_DATES_FROM": "past"})
    return when.date() if when else None


def _segments(line: str) -> list[str]:
    return [seg for seg in _SEGMENT_SPLIT.split(line) if seg.strip()]


def header_item(line: str, site_names: frozenset[str] = frozenset(),
                chrome: frozenset[str] = frozenset()
                ) -> tuple[str, str | PageDate | None] | None:
    """``(role, value)`` when a line belongs to a header: ``("byline", author)``,
    ``("date", PageDate)`` or ``("chrome", rule)``; a line of several segments
    ("By A B | Published 5 Feb 2021") counts when each of them does. ``chrome``: keys of
    lines learned as the source's chrome (a body sentence never is)."""
    if chrome and line_key(line) in chrome and not is_body_sentence(line):
        return "chrome", "source_chrome"
    author = byline_author(line)
    if author:
        return "byline", author
    when = date_line(line)
    if when is not None:
        return "date", when
    rule = classify_line(line, site_names)
    if rule:
        return "chrome", rule
    segments = _segments(line)
    if len(segments) < 2:
        return None
    found = [header_item(seg, site_names) for seg in segments]
    if not all(found):
        return None
    by = [v for r, v in found if r == "byline"]
    if by:
        return "byline", ", ".join(by)  # its dates are read again by read_header
    dates = [v for r, v in found if r == "date"]
    return ("date", dates[0]) if dates else ("chrome", "chrome")


def _line_dates(line: str) -> list[PageDate]:
    """Every date a header line gives ("Updated … | Published …" gives two)."""
    out = []
    for seg in _segments(line) or [line]:
        item = date_line(seg)
        if item is not None:
            out.append(item)
    return out


def _title_case_share(words: list[str]) -> float:
    content = [w for w in words[1:] if w.lower() not in _SMALL_WORDS and w[0].isalpha()]
    return sum(1 for w in content if w[0].isupper()) / len(content) if content else 1.0


def is_headline(line: str) -> bool:
    """True when one line can be a headline (see the module docstring)."""
    s = line.strip()
    words = _WORD_RE.findall(s)
    if (len(words) < 2 or len(s) > MAX_TITLE_CHARS or s.endswith(_CONTINUES)
            or s[0].islower() or DATELINE.match(s)):
        return False
    if not s.rstrip("\"'”’)").endswith((".", "!", "?")):
        return len(words) <= MAX_TITLE_WORDS
    if len(words) > MAX_TITLE_WORDS:
        return False
    if len(words) > MAX_SENTENCE_CASE_TITLE_WORDS and _title_case_share(words) < TITLE_CASE_SHARE:
        return False
    if _title_case_share(words) >= TITLE_CASE_SHARE or _LABEL.match(s):
        return True  # "Barack Obama Just Nominated …", "Ah, friends once more: …"
    return not (len(words) >= LEAD_SIGNAL_MIN_WORDS
                and (_LEAD_SIGNAL.search(s) or len(_ARTICLE.findall(s)) >= LEAD_ARTICLES))


def _is_strong_headline(line: str) -> bool:
    """A headline that cannot be a sentence: no final punctuation."""
    return is_headline(line) and not line.rstrip("\"'”’)").endswith((".", "!", "?"))


def headline_text(line: str) -> str:
    """The headline as a title: NYT's "Headline; " and PolNeAR's final full stop dropped
    ("… helps the U.S." keeps its abbreviation)."""
    s = line.strip().rstrip(";").rstrip()
    if s.endswith(".") and not s.endswith("..") and not _ABBREVIATION_END.search(s):
        s = s[:-1].rstrip()
    return s


# -- the header ----------------------------------------------------------------------------

class _Reader:
    def __init__(self, text: str, title: str | None, find_title: bool,
                 site_names: frozenset[str], line_blocks: bool,
                 chrome: frozenset[str] = frozenset()) -> None:
        self.text = text
        self.chrome = chrome
        self.line_blocks = line_blocks
        self.given_title_key = line_key(title) if title else ""
        self.find_title = find_title and not title
        self.site_names = site_names
        self.title: str | None = None
        self.standfirst: str | None = None
        self.authors: list[str] = []
        self.dates: list[PageDate] = []
        self.parts: list[tuple[str, str]] = []
        self.body_start = 0

    def header_paragraph(self, p: _Para) -> list[tuple[str, object]] | None:
        items = [header_item(line, self.site_names, self.chrome) for _, line in p.lines]
        return items if all(items) else None

    def leading_items(self, p: _Para) -> list:
        items = []
        for _, line in p.lines:
            item = header_item(line, self.site_names, self.chrome)
            if item is None:
                break
            items.append(item)
        return items

    def take_items(self, lines, items) -> bool:
        """Record header lines; True when one of them is a byline or a date."""
        real = False
        for (_, line), (role, value) in zip(lines, items):
            self.parts.append((role, line))
            if role == "byline":
                self.authors.append(value)
            if role in ("byline", "date"):
                self.dates.extend(_line_dates(line))
                real = True
        return real

    def read(self) -> Header:
        paras = _paragraphs(self.text, self.line_blocks)
        i = 0
        while i < len(paras):
            p = paras[i]
            items = self.header_paragraph(p)
            if items:
                if self.take_items(p.lines, items):
                    self.body_start = p.end
                i += 1
                continue
            lead = self.leading_items(p)
            if lead and any(role in ("byline", "date") for role, _ in lead):
                # "Date: 2021-02-05" over the first body line, with no blank line between
                self.take_items(p.lines[:len(lead)], lead)
                self.body_start = p.lines[len(lead)][0]
                break
            if self.title is None and not self.given_title_key and self.find_title:
                if self.take_title(p, has_next=i + 1 < len(paras)):
                    i += 1
                    if self.body_start < p.end:  # the body began inside the paragraph
                        break
                    continue
            elif self.given_title_key and self.title is None and len(p.lines) == 1 \
                    and line_key(p.lines[0][1]) == self.given_title_key:
                self.title = p.lines[0][1]  # the given title printed over the text
                self.parts.append(("title", p.lines[0][1]))
                self.body_start = p.end
                i += 1
                continue
            if (self.standfirst is None and (self.title or self.given_title_key)
                    and self.is_standfirst(p, paras[i + 1] if i + 1 < len(paras) else None)):
                self.standfirst = " ".join(line for _, line in p.lines)
                self.parts.append(("standfirst", self.standfirst))
                self.body_start = p.end
                i += 1
                continue
            break
        if self.body_start:
            self.body_start = _BLANK_LINES.match(self.text, self.body_start).end()
        if self.body_start and not self.text[self.body_start:].strip():
            return Header()  # all header, no body: the input is the body
        return Header(
            title=headline_text(self.title) if self.title and not self.given_title_key else None,
            standfirst=self.standfirst,
            author=", ".join(dict.fromkeys(self.authors)) or None,
            published=self.published(), body_start=self.body_start, parts=tuple(self.parts))

    def take_title(self, p: _Para, has_next: bool) -> bool:
        first = p.lines[0][1]
        if not is_headline(first) or header_item(first, self.site_names, self.chrome):
            return False
        rest = p.lines[1:]
        items, standfirst, body_at = [], None, None
        for j, (off, line) in enumerate(rest):
            item = header_item(line, self.site_names, self.chrome)
            if item:
                items.append(((off, line), item))
                continue
            last = j == len(rest) - 1
            if (standfirst is None and last and has_next and not DATELINE.match(line)
                    and len(line.split()) <= MAX_STANDFIRST_WORDS and not line[:1].islower()
                    and not _looks_wrapped(first, line)):
                standfirst = line
                continue
            body_at = off
            break
        if body_at is not None:
            # One newline between headline and body: only an unmistakable headline over
            # a paragraph of prose.
            body_line = next(line for off, line in rest if off == body_at)
            if not (_is_strong_headline(first) and (DATELINE.match(body_line)
                                                     or len(body_line.split()) >= 15)):
                return False
        elif not has_next:
            return False
        self.title = first
        self.parts.append(("title", first))
        if standfirst:
            self.standfirst = standfirst
            self.parts.append(("standfirst", standfirst))
        self.take_items([line for line, _ in items], [item for _, item in items])
        self.body_start = body_at if body_at is not None else p.end
        return True

    def is_standfirst(self, p: _Para, nxt: _Para | None) -> bool:
        """A summary paragraph under the headline: only when more header lines (a byline
        or a date) follow it, so a short lead paragraph is never taken for one."""
        if nxt is None or DATELINE.match(p.lines[0][1]):
            return False
        words = sum(len(line.split()) for _, line in p.lines)
        if words > MAX_STANDFIRST_WORDS:
            return False
        items = self.header_paragraph(nxt)
        return bool(items) and any(role in ("byline", "date") for role, _ in items)

    def published(self) -> dt.date | None:
        for updated in (False, True):
            for d in self.dates:
                if d.value is not None and d.updated == updated:
                    return d.value
        return None


def _looks_wrapped(first: str, second: str) -> bool:
    """Two lines of one hard-wrapped paragraph: the first runs to the wrap width."""
    return len(first) >= 60 and not first.rstrip().endswith((".", "!", "?", ";", ":", "\"", "”"))


def read_header(text: str, *, title: str | None = None, find_title: bool = True,
                site_names: frozenset[str] = frozenset(), line_blocks: bool = False,
                chrome: frozenset[str] = frozenset()) -> Header:
    """The header block at the top of ``text`` (see the module docstring).

    ``title``: a title the container already gave; a copy of it printed over the text is
    read off with the header, and no other headline is looked for. ``find_title=False``
    reads bylines, date lines and chrome only. ``site_names``: keys (``lines.site_key``)
    of the site's names, so its name alone on a line is chrome. ``line_blocks``: each line
    is a block of its own (text extracted from HTML, where blocks are lines). ``chrome``:
    keys of lines learned as the source's chrome (``clean.learn_chrome`` reads the header
    again with them).
    """
    return _Reader(text, title, find_title, site_names, line_blocks, chrome).read()

