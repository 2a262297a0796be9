"""Dates: temporal expressions found in the text and resolved against the publication date.

How. Candidates are spaCy DATE/TIME entities plus a precompiled pattern for what the small
English model misses or cuts badly ("late Thursday", "over the weekend", "earlier this
month", "the end of January", "in 2019", "Feb. 3"); overlapping candidates keep the longer
span. Prepositions ("on", "in", "over") are not part of a date's text.

A small layer of rules written for eventwire resolves the common newswire forms, because
dateparser gets them wrong or returns the wrong granularity ("last month" → a day;
"the end of January" → nothing; a bare weekday → relative to today's week, not to the
publication; "September 16-19" → a day in another year). What the layer does not know
goes to dateparser (``RELATIVE_BASE`` = publication, ``PREFER_DATES_FROM='past'``),
whose answer is kept only when its period is day/week/month/year.

Choices:
- A weekday is the most recent such day on or before publication (published on a
  Wednesday, "Wednesday" is that day); when the governing verb is future ("will", "shall",
  "is going to") or the phrase says "next"/"coming", it is the next such day after
  publication.
- "the weekend" is the ISO week of its Saturday (the most recent Saturday on or before
  publication; the next one when future) — week granularity, since a wire report rarely
  tells Saturday from Sunday.
- "last week"/"next week" are ISO weeks; "last month"/"earlier this month" are months.
- A month without a year is the latest such month not after publication (the next one
  when future); a day-month without year likewise.
- Durations ("two years", "for 10 days", "a day") and clock times ("10 a.m.") are not
  dates and are skipped; vague words ("recently", "soon") are never proposed. Without a
  publication date, relative expressions keep their text and granularity with value null.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from functools import lru_cache

from .records import CleanArticle, DateRef, Granularity
from .wordlists import verb_class

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
           "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
           "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7,
           "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MON = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
        r"December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)")
_MON_NO_MAY = _MON.replace("May|", "")
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_EDGE = r"(?:late|early|earlier|later|mid)"
_UNIT = r"(?:week|weekend|month|year)"
_DAYNUM = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20)\d{2}"

# Finder for what spaCy misses or cuts; case-sensitive month/weekday names keep "may"
# (the verb) and "march" (the verb) out.
_FINDER = re.compile(
    rf"\b(?:"
    rf"(?:(?:{_EDGE}|[Ll]ate|[Ee]arly)\s+(?:on\s+)?)?(?:(?:last|next|this|coming|past)\s+)?{_WD}{_PART}"
    rf"|(?:(?:late|early)\s+)?(?:[Yy]esterday|[Tt]oday|[Tt]omorrow|[Tt]onight)(?:\s+(?:morning|afternoon|evening|night))?"
    rf"|(?:(?:earlier|later|early|late)\s+(?:in\s+)?)?(?:this|last|next|past|the\s+previous|the\s+following|the\s+coming)\s+{_UNIT}"
    rf"|(?:the\s+)?weekend"
    rf"|(?:the\s+)?(?:start|beginning|end|middle)\s+of\s+(?:(?:{_MON})(?:\s+{_YEAR})?|(?:this|last|next)\s+(?:month|year)|the\s+(?:month|year)|{_YEAR})"
    rf"|(?:(?:early|late|mid)[- ])?{_MON}\s+{_DAYNUM}(?:\s*,?\s+{_YEAR})?"
    rf"|{_DAYNUM}\s+{_MON}(?:\s*,?\s+{_YEAR})?"
    rf"|(?:(?:early|late|mid)[- ])?{_MON_NO_MAY}(?:\s*,?\s+{_YEAR})?"
    rf"|(?:(?:early|late|mid)[- ])?May\s+{_YEAR}"
    rf"|(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|a\s+few)\s+(?:days?|weeks?|months?|years?)\s+ago"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf")\b")
# "in 2019": a bare year only after a preposition (the group is the date)
_YEAR_FINDER = re.compile(rf"\b(?:in|since|until|by|during|before|after|of)\s+({_YEAR})\b(?!-)")

_ANCHOR = re.compile(rf"\d|\b(?:{'|'.join(WEEKDAYS)}|{'|'.join(k for k in _MONTHS if len(k) > 3)})\b", re.I)
_LEAD = re.compile(r"^(?:on|in|over|during|at|by|since|until)\s+", re.I)
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "several": 3,
                 "a few": 3}
_NUMWORD = (r"(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
            r"twelve|\w+teen|\w+ty(?:[- ]\w+)?|several|a\s+few|few|many|(?:a\s+)?couple\s+of)")
_DURATION = re.compile(
    r"^(?:for\s+|the\s+(?:past|last|next|first|final)\s+|over\s+|about\s+|nearly\s+|"
    r"more\s+than\s+|less\s+than\s+|almost\s+|some\s+|up\s+to\s+|(?:at\s+)?least\s+|"
    r"another\s+|a\s+full\s+|an?\s+extra\s+|as\s+long\s+as\s+|longer\s+than\s+|"
    r"these\s+past\s+|those\s+|a\s+single\s+)*"
    rf"(?:{_NUMWORD}(?:\s+and\s+a\s+half)?[\s-]+(?:days?|weeks?|months?|years?|decades?|"
    r"hours?|minutes?|seconds?|centuries|century|nights?)|decades|years|months|weeks|days|hours)"
    r"(?:\s+long|\s+old|\s+later|\s+earlier)?$", re.I)
# ages ("13-year-old", "ages 16 to 24", "mid-30s"), frequencies ("each year", "weekly") and
# spans between two numbers ("two to three years") are not dates
_NOT_A_DATE = re.compile(
    r"\d+[- ]year[- ]olds?\b|^(?:age|ages)\s+\d|^(?:the\s+)?(?:early|mid|late|low|high)[- ]?\d0s$|"
    r"^(?:under|over)\s+\d+$|^(?:each|every|all|per)\s+(?:day|week|month|year)|"
    r"^(?:daily|weekly|monthly|yearly|annually)$|"
    rf"^{_NUMWORD}\s+(?:to|or)\s+{_NUMWORD}\s+\w+$|\d+-plus\s+\w+", re.I)
_CLOCK = re.compile(r"^(?:about\s+|around\s+)?\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)"
                    r"|^(?:noon|midnight)$|^\d{1,2}:\d{2}", re.I)
_FUTURE_AUX = frozenset({"will", "shall", "'ll", "wo"})


# -- pure resolution (no spaCy) ---------------------------------------------------------------
def _iso_week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _month(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _shift_month(y: int, m: int, k: int) -> tuple[int, int]:
    n = y * 12 + (m - 1) + k
    return n // 12, n % 12 + 1


def _weekday(pub: dt.date, wd: int, future: bool) -> dt.date:
    if future:
        return pub + dt.timedelta(days=(wd - pub.weekday() - 1) % 7 + 1)
    return pub - dt.timedelta(days=(pub.weekday() - wd) % 7)


def _month_of(pub: dt.date, m: int, future: bool) -> int:
    """Year of month ``m``: the latest not after publication, or the next one if future."""
    if future:
        return pub.year if m >= pub.month else pub.year + 1
    return pub.year if m <= pub.month else pub.year - 1


_R_WEEKDAY = re.compile(rf"^(?:(?:late|early|earlier|later)\s+(?:on\s+)?)?(?:(last|next|this|coming|past)\s+)?"
                        rf"({'|'.join(WEEKDAYS)})(?:\s+(?:morning|afternoon|evening|night))?$")
_R_DEICTIC = re.compile(r"^(?:(?:late|early)\s+)?(yesterday|today|tomorrow|tonight|this morning|"
                        r"this afternoon|this evening)(?:\s+(?:morning|afternoon|evening|night))?$")
_R_RELUNIT = re.compile(r"^(?:(?:earlier|later|early|late)\s+(?:in\s+)?)?(this past|this|last|next|past|"
                        r"the previous|the following|the coming|coming)\s+(week|weekend|month|year)$")
_R_SEASON_OF = re.compile(rf"^(?:the\s+)?(?:early\s+|late\s+)?(?:spring|summer|fall|autumn|winter)\s+of\s+({_YEAR})$")
_R_WEEKEND = re.compile(r"^(?:the\s+)?weekend$")
_R_PART_OF = re.compile(rf"^(?:the\s+)?(?:start|beginning|end|middle)\s+of\s+(.+)$")
_R_MONTH_DAY = re.compile(rf"^(?:(?:early|late|mid)[- ])?([a-z]+)\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*,?\s+({_YEAR}))?$")
_R_DAY_MONTH = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:\s*,?\s+({_YEAR}))?$")
_R_MONTH = re.compile(rf"^(?:(?:early|late|mid)[- ])?([a-z]+)\.?(?:\s*,?\s+({_YEAR}))?$")
_R_YEAR = re.compile(rf"^(?:(?:early|late|mid)[- ])?({_YEAR})$")
_R_AGO = re.compile(r"^(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|"
                    r"a few)\s+(day|week|month|year)s?\s+ago$")
_R_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# A value at day/week/month/year granularity, years 0001-9999 (what ISO 8601 allows plainly).
_ISO_VALUE = re.compile(r"^(?!0000)\d{4}(?:-W\d{2}|-\d{2}(?:-\d{2})?)?$")


def resolve_expression(text: str, published: dt.date | None, future: bool = False
                       ) -> tuple[str | None, Granularity] | None:
    """(ISO value or None, granularity) for one temporal expression, or None to skip it
    (durations, clock times). Pure: no spaCy, no clock."""
    s = _LEAD.sub("", " ".join(text.split())).strip(" ,.").casefold()
    s = s.replace("\u2019", "'")
    if not s or _DURATION.match(s) or _CLOCK.match(s) or _NOT_A_DATE.search(s):
        return None
    try:
        own = _resolve_own(s, published, future)
    except OverflowError:   # "99999999 days ago": outside the calendar, not a date
        return None
    if own is False:
        own = _resolve_dateparser(s, published)
    if own and own[0] is not None and not _ISO_VALUE.match(own[0]):
        own = (None, own[1])    # "3000 years ago" → year -979: no ISO 8601 value for it
    if own is not None and own[1] == "unknown" and not _ANCHOR.search(s):
        return None     # vague ("recent weeks", "the coming years"): no anchor to keep
    return own


def _resolve_own(s: str, pub: dt.date | None, future: bool):
    """The hand-written layer; returns False when it does not know the form."""
    if m := _R_ISO.match(s):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat(), "day"
        except ValueError:
            return None
    if m := _R_WEEKDAY.match(s):
        wd = WEEKDAYS.index(m[2])
        fut = future or m[1] in ("next", "coming")
        if m[1] in ("last", "past"):
            fut = False
        if pub is None:
            return None, "day"
        day = _weekday(pub, wd, fut)
        if m[1] == "last" and day == pub:
            day -= dt.timedelta(days=7)
        return day.isoformat(), "day"
    if m := _R_DEICTIC.match(s):
        if pub is None:
            return None, "day"
        k = {"yesterday": -1, "tomorrow": 1}.get(m[1], 0)
        return (pub + dt.timedelta(days=k)).isoformat(), "day"
    if m := _R_RELUNIT.match(s):
        rel, unit = m[1], m[2]
        k = {"last": -1, "past": -1, "the previous": -1, "next": 1, "the following": 1,
             "the coming": 1, "coming": 1}.get(rel, 0)
        if rel == "this past":      # "this past week" = the current one; "weekend" = the last
            k = -1 if unit == "weekend" else 0
        gran: Granularity = "week" if unit in ("week", "weekend") else unit  # type: ignore[assignment]
        if pub is None:
            return None, gran
        if unit == "week":
            return _iso_week(pub + dt.timedelta(weeks=k)), "week"
        if unit == "weekend":
            sat = _weekday(pub, 5, k > 0 or (k == 0 and future))
            if k < 0 and sat == pub:
                sat -= dt.timedelta(days=7)
            return _iso_week(sat), "week"
        if unit == "month":
            return _month(*_shift_month(pub.year, pub.month, k)), "month"
        return f"{pub.year + k:04d}", "year"
    if _R_WEEKEND.match(s):
        if pub is None:
            return None, "week"
        return _iso_week(_weekday(pub, 5, future)), "week"
    if m := _R_PART_OF.match(s):
        inner = m[1]
        if inner in ("the month", "the year"):
            return (None, "month" if inner == "the month" else "year") if pub is None else (
                (_month(pub.year, pub.month), "month") if inner == "the month"
                else (f"{pub.year:04d}", "year"))
        return _resolve_own(inner, pub, future)
    if m := _R_MONTH_DAY.match(s):
        if m[1] in _MONTHS:
            return _day(pub, _MONTHS[m[1]], int(m[2]), m[3], future)
    if m := _R_DAY_MONTH.match(s):
        if m[2] in _MONTHS:
            return _day(pub, _MONTHS[m[2]], int(m[1]), m[3], future)
    if m := _R_MONTH.match(s):
        if m[1] in _MONTHS:
            mon = _MONTHS[m[1]]
            if m[2]:
                return _month(int(m[2]), mon), "month"
            if pub is None:
                return None, "month"
            return _month(_month_of(pub, mon, future), mon), "month"
    if m := _R_YEAR.match(s):
        return m[1], "year"
    if m := _R_SEASON_OF.match(s):
        return m[1], "year"
    if m := _R_AGO.match(s):
        n = int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]
        unit = m[2]
        if pub is None:
            return None, unit  # type: ignore[return-value]
        if unit == "day":
            return (pub - dt.timedelta(days=n)).isoformat(), "day"
        if unit == "week":
            return _iso_week(pub - dt.timedelta(weeks=n)), "week"
        if unit == "month":
            return _month(*_shift_month(pub.year, pub.month, -n)), "month"
        return f"{pub.year - n:04d}", "year"
    return False


def _day(pub: dt.date | None, mon: int, day: int, year: str | None, future: bool):
    try:
        if year:
            return dt.date(int(year), mon, day).isoformat(), "day"
        if pub is None:
            return None, "day"
        y = pub.year
        cand = dt.date(y, mon, day)
        # "Feb. 3" in an article of 5 Feb is this year; "Dec. 28" in January is last year,
        # unless the sentence is about the future.
        if not future and cand > pub + dt.timedelta(days=7):
            cand = dt.date(y - 1, mon, day)
        elif future and cand < pub:
            cand = dt.date(y + 1, mon, day)
        return cand.isoformat(), "day"
    except ValueError:
        return None


@lru_cache(maxsize=64)
def _date_parser(published: dt.date):
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": dt.datetime.combine(published, dt.time(12)),
        "PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True})


@lru_cache(maxsize=4096)
def _parse_cached(s: str, published: dt.date):
    return _date_parser(published).get_date_data(s)


def _resolve_dateparser(s: str, pub: dt.date | None):
    """Fallback for forms the rules do not know; kept only with a calendar period."""
    if pub is None or not any(c.isdigit() for c in s) and not any(
            w in s for w in ("ago", "week", "month", "year")):
        return None if pub is not None else (None, "unknown")
    if re.search(r"\d\s*[-–]\s*\d", s) and not _R_ISO.match(s):
        return None, "unknown"          # ranges ("September 16-19"): no single value
    try:
        got = _parse_cached(s, pub)
    except Exception:  # noqa: BLE001 — dateparser raises on odd inputs; a date is optional
        log.debug("dateparser failed on %r", s, exc_info=True)
        return None, "unknown"
    d, period = got.date_obj, got.period
    if d is None or period not in ("day", "week", "month", "year") or abs(d.year - pub.year) > 200:
        return None, "unknown"
    d = d.date()
    if period == "day":
        return d.isoformat(), "day"
    if period == "week":
        return _iso_week(d), "week"
    if period == "month":
        return _month(d.year, d.month), "month"
    return f"{d.year:04d}", "year"


# -- finding expressions in a parsed document ----------------------------------------------------
def _is_future(doc, text: str, start: int, end: int) -> bool:
    """Whether the verb governing the date at chars [start, end) is future tense."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return False
    # "said on Tuesday it would …": a date right after a reporting verb dates the report
    prev = span.doc[span.start - 1] if span.start > 0 else None
    if prev is not None and prev.lower_ in ("on", "late", "early") and span.start > 1:
        prev = span.doc[span.start - 2]
    if prev is not None and prev.lemma_ in verb_class("reporting"):
        return False
    before = text[max(0, start - 16):start].casefold()
    if before.endswith(("as early as ", "as soon as ", "as late as ")):
        return True
    tok = span.root
    for _ in range(6):
        if tok.pos_ in ("VERB", "AUX") or tok.head.i == tok.i:
            break
        tok = tok.head
    for c in tok.children:
        if c.dep_ in ("aux", "auxpass") and c.lower_ in _FUTURE_AUX:
            return True
        # "said talks would resume on Wednesday": future of the reporting, in wire style;
        # "would have" is a past conditional
        if c.dep_ == "aux" and c.lower_ == "would" and not any(
                x.dep_ == "aux" and x.lower_ == "have" for x in tok.children):
            return True
    # "is going to meet": the date's verb is the xcomp of "going"
    head = tok.head
    if tok.dep_ == "xcomp" and head.lower_ == "going":
        return True
    if head is not tok and any(c.lower_ in _FUTURE_AUX and c.dep_ == "aux"
                               for c in head.children) and tok.dep_ in ("xcomp", "conj"):
        return True
    return False


def _candidates(doc, text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for ent in doc.ents:
        if ent.label_ in ("DATE", "TIME"):
            spans.append((ent.start_char, ent.end_char))
    for m in _FINDER.finditer(text):
        spans.append(m.span())
    for m in _YEAR_FINDER.finditer(text):
        spans.append(m.span(1))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s < out[-1][1]:
            if e > out[-1][1] and (e - s) > (out[-1][1] - out[-1][0]):
                out[-1] = (min(s, out[-1][0]), e) if s <= out[-1][0] else (s, e)
            continue
        out.append((s, e))
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop a leading preposition or article-less "on"/"in" and trailing punctuation."""
    piece = text[s:e]
    m = _LEAD.match(piece)
    if m:
        s += m.end()
    while e > s and text[e - 1] in " ,.;:)":
        if text[e - 1] == "." and re.search(rf"\b{_MON}$|\b(?:a\.m|p\.m)\.$", text[s:e]):
            break
        e -= 1
    return s, e


def resolve_dates(doc, article: CleanArticle) -> list[DateRef]:
    """Dates of one parsed article, in text order, resolved against ``article.published``."""
    text = article.text
    out: list[DateRef] = []
    for s, e in _candidates(doc, text):
        s, e = _trim(text, s, e)
        if e <= s:
            continue
        piece = text[s:e]
        future = _is_future(doc, text, s, e) if article.published else False
        got = resolve_expression(piece, article.published, future)
        if got is None or got[1] == "unknown":
            # NER sometimes runs a date into its neighbours ("Last week Stumpf",
            # "Sunday's Sept. 11"): fall back on the finder's own match inside it
            inner = next(_FINDER.finditer(piece), None)
            if inner is not None and inner.group(0) != piece:
                s, e = s + inner.start(), s + inner.end()
                piece = text[s:e]
                got = resolve_expression(piece, article.published,
                                         _is_future(doc, text, s, e) if article.published
                                         else False)
        if got is None:
            continue
        value, gran = got
        out.append(DateRef(text=piece, value=value, granularity=gran, span=(s, e)))
    return out
