"""Property-based tests (hypothesis, bounded examples): cleaner, quote marks, dates, records.

What must hold for any input, not only for the hand-picked ones of the unit tests:

* the cleaner is idempotent, keeps a subsequence of the input's lines, returns a text
  with no boilerplate unchanged, and never raises on arbitrary strings;
* quote-mark spans lie inside the text, start on an opening mark and end on a closing
  one, never overlap and respect ``max_chars``; with the spaCy pipeline, every quote,
  cue, speaker and date of an extracted record is exactly ``text[start:end]``;
* the date resolver never raises and gives ISO 8601 values at their granularity;
* ``ArticleRecord.from_dict(r.to_dict()) == r`` for any record.

The prose lines are written for these tests (no shared data is copied).
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from eventwire.clean import clean_article, clean_text
from eventwire.dates import resolve_expression
from eventwire.quotes.marks import find_marked_quotes, quote_mask
from eventwire.records import (Actor, ArticleRecord, Cue, DateRef, Event, EventDate, EventSide,
                               Modality, Outcome, Quote, RawArticle, Speaker)
from eventwire.settings import Settings

NEWS = [
    "The harbour authority said on Tuesday that the northern port would reopen.",
    "Officials told reporters the storm damage was worse than expected.",
    "The mayor urged residents to stay patient during the repairs.",
    "Trade groups asked the ministry to publish a timetable for the work.",
    "Shipping companies have diverted their vessels to the southern terminal.",
    "Farmers say the delays have cost them a large part of the harvest.",
    "The finance minister will present the budget to parliament next month.",
    "A court in the capital postponed the hearing until after the election.",
    "Rail workers ended a two-day strike after the company raised wages.",
    "The two governments signed a treaty on the use of the river last year.",
    "Police said nobody was hurt when the protest reached the square.",
    "The central bank kept its main interest rate unchanged on Thursday.",
]
BOILERPLATE = [
    "Share this article", "Advertisement", "© 2021 Example News Ltd", "All rights reserved.",
    "Reporting by Ann Lee; Editing by Tom Kay", "Read more: Port to reopen", "Click here",
    "Sign up for our daily newsletter", "We use cookies to improve your experience.",
    "By Ann Lee", "Skip to main content", "5 min read",
]
pytestmark = [pytest.mark.timeout(300)]  # every test bounded, even a stuck example
S = Settings.load(env={})
BOUNDED = settings(max_examples=120, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])

_free_line = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)),
                     max_size=60)
_line = st.one_of(st.sampled_from(NEWS), st.sampled_from(BOILERPLATE), st.just(""),
                  st.just("   "), _free_line)
_doc = st.lists(_line, max_size=25).map("\n".join)
_title = st.one_of(st.none(), st.sampled_from(NEWS[:3] + ["Port to reopen"]))


def _nonempty_lines(s: str) -> list[str]:
    return [line for line in s.split("\n") if line != ""]


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


# --- cleaner ------------------------------------------------------------------------------

@BOUNDED
@given(_doc, _title)
def test_clean_is_idempotent(text, title):
    once, _ = clean_text(text, title)
    twice, removed = clean_text(once, title)
    assert twice == once, removed


@BOUNDED
@given(_doc, _title)
def test_clean_keeps_a_subsequence_of_the_input_lines(text, title):
    cleaned, removed = clean_text(text, title)
    assert _is_subsequence(_nonempty_lines(cleaned), _nonempty_lines(text))
    assert all(line.strip() for _, line in removed)


@BOUNDED
@given(st.lists(st.sampled_from(NEWS), unique=True, max_size=len(NEWS)),
       st.lists(st.sampled_from(["\n", "\n\n", "\r\n"]), min_size=len(NEWS), max_size=len(NEWS)))
def test_clean_returns_text_without_boilerplate_unchanged(lines, breaks):
    text = "".join(line + br for line, br in zip(lines, breaks))
    assert clean_text(text) == (text, ())


@BOUNDED
@given(st.one_of(st.text(), _doc,
                 st.text(st.sampled_from(["\ud800", "a", " ", "\n", "é", "字", "😀", "\x00"]))))
def test_clean_article_never_raises(text):
    out = clean_article(RawArticle("prop", text=text), S)
    if isinstance(out, Outcome):
        assert out.status == "rejected" and out.reason
    else:
        assert out.text.strip() and out.id
        out.text.encode("utf-8")  # no lone surrogates get through


# --- quote marks (no model) ---------------------------------------------------------------

_quote_text = st.text(st.sampled_from(list("\"“”«»„‘’' \n,.") + list("abcdeHS")), max_size=400)


@BOUNDED
@given(_quote_text, st.integers(min_value=1, max_value=120))
def test_marked_quotes_are_inside_sorted_disjoint_and_bounded(text, max_chars):
    quotes = find_marked_quotes(text, max_chars)
    last_end = 0
    for q in quotes:
        s, e = q.span
        assert last_end <= s < e <= len(text)
        assert e - s <= max_chars + 1  # both marks plus at most max_chars - 1 inside
        assert text[s] in "\"“«„" and text[e - 1] in "\"”»“"
        for ps, pe in q.pieces:
            assert s <= ps < pe <= e
        last_end = e
    mask = quote_mask(text, quotes)
    assert len(mask) == len(text)


# --- dates (no model) ---------------------------------------------------------------------

_DATE_WORDS = ["last", "next", "this", "coming", "early", "late", "mid", "the", "end", "of",
               "start", "on", "in", "ago", "days", "day", "weeks", "week", "month", "months",
               "year", "years", "weekend", "Monday", "Friday", "January", "Feb.", "September",
               "yesterday", "tomorrow", "today", "2019", "0000", "9999", "99999999", "3", "31",
               "30", "1st", "-", ",", "a", "few", "2021-02-30", "2021-02-03", "morning"]
_expression = st.one_of(st.lists(st.sampled_from(_DATE_WORDS), min_size=1, max_size=5).map(" ".join),
                        st.text(max_size=30))
_GRAN_RE = {"day": r"\d{4}-\d{2}-\d{2}", "week": r"\d{4}-W(?:0[1-9]|[1-4]\d|5[0-3])",
            "month": r"\d{4}-(?:0[1-9]|1[0-2])", "year": r"\d{4}"}


def check_date_value(value, gran) -> None:
    assert gran in ("day", "week", "month", "year", "time", "unknown")
    if value is None:
        return
    assert gran in _GRAN_RE, (value, gran)
    assert re.fullmatch(_GRAN_RE[gran], value), (value, gran)
    assert value[:4] != "0000"
    if gran == "day":
        dt.date.fromisoformat(value)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expression, st.one_of(st.none(), st.dates()), st.booleans())
def test_date_resolver_never_raises_and_values_are_iso(text, published, future):
    got = resolve_expression(text, published, future)
    if got is not None:
        check_date_value(*got)


# --- records round trip -------------------------------------------------------------------

_txt = st.text(max_size=20)
_opt = st.one_of(st.none(), _txt)
_span = st.tuples(st.integers(0, 10_000), st.integers(0, 10_000))
_sectors = st.lists(st.sampled_from(["GOV", "MIL", "BUS", "CVL", "OPP"]), max_size=3).map(tuple)
_gran = st.sampled_from(["day", "week", "month", "year", "time", "unknown"])
_float = st.floats(allow_nan=False, allow_infinity=False, width=32)
_actor = st.builds(Actor, _txt, _txt, st.sampled_from(["person", "organization", "country",
                                                       "group", "location"]),
                   _opt, _sectors, _opt, st.lists(_span, max_size=3).map(tuple))
_side = st.one_of(st.none(), st.builds(EventSide, _opt, _txt, _opt, _sectors,
                                       st.one_of(st.none(), _span)))
_cue = st.one_of(st.none(), st.builds(Cue, _txt, _span))
_quote = st.builds(Quote, st.sampled_from(["direct", "indirect", "mixed"]), _txt, _span,
                   st.one_of(st.none(), st.builds(Speaker, _opt, _txt, _span)), _cue,
                   st.one_of(st.none(), _float))
_event = st.builds(Event, plover=_txt, cameo=st.text(min_size=2, max_size=4), goldstein=_float,
                   sentence=_txt, span=_span, confidence=_float, mode=_opt,
                   quad_class=st.one_of(st.none(), st.integers(1, 4)), source=_side,
                   target=_side,
                   modality=st.builds(Modality, st.booleans(), st.booleans(), st.booleans(),
                                      _opt, st.booleans()),
                   date=st.one_of(st.none(), st.builds(EventDate, _opt, _opt, _gran,
                                                       st.booleans())),
                   trigger=_cue)
_record = st.builds(
    ArticleRecord, id=st.text(min_size=1, max_size=16), source=_txt, text=st.text(max_size=200),
    outcome=st.builds(Outcome, st.sampled_from(["ok", "rejected", "failed"]), _opt),
    title=_opt, url=_opt, published=st.one_of(st.none(), st.dates()), language=_opt,
    actors=st.lists(_actor, max_size=3).map(tuple), quotes=st.lists(_quote, max_size=3).map(tuple),
    events=st.lists(_event, max_size=2).map(tuple),
    dates=st.lists(st.builds(DateRef, _txt, _opt, _gran, _span), max_size=3).map(tuple),
    duplicate_of=_opt)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_record)
def test_record_round_trips_through_dict_and_json(rec):
    assert ArticleRecord.from_dict(rec.to_dict()) == rec
    assert ArticleRecord.from_dict(json.loads(json.dumps(rec.to_dict()))) == rec


# --- with the spaCy pipeline: spans of extracted facts ------------------------------------

_SPEECH = ['"{q}," the mayor said.', 'The minister said "{q}".', '“{q}”, she told reporters.',
           'He said that {q}.', 'According to officials, {q}.', '"{q}', '{q}" he added.',
           '«{q}», said Anna Berg on Monday.', 'Police said on Friday last week that {q}.']
_speech = st.builds(lambda t, q: t.format(q=q), st.sampled_from(_SPEECH),
                    st.sampled_from([n.rstrip(".") for n in NEWS]))
_article = st.lists(st.one_of(_speech, st.sampled_from(NEWS)), min_size=3, max_size=12).map(" ".join)


def check_spans(rec: ArticleRecord) -> None:
    text = rec.text
    for q in rec.quotes:
        s, e = q.span
        assert 0 <= s < e <= len(text) and text[s:e] == q.text
        if q.cue:
            assert text[q.cue.span[0]:q.cue.span[1]] == q.cue.text
        if q.speaker:
            s2, e2 = q.speaker.span
            assert 0 <= s2 < e2 <= len(text)
    spans = sorted(q.span for q in rec.quotes)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    for d in rec.dates:
        assert text[d.span[0]:d.span[1]] == d.text
        check_date_value(d.value, d.granularity)
    for a in rec.actors:
        for s, e in a.mentions:
            assert 0 <= s < e <= len(text)
    for ev in rec.events:
        assert 0 <= ev.span[0] < ev.span[1] <= len(text)


@pytest.mark.model
@pytest.mark.timeout(300)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_article, st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1),
                                               max_value=dt.date(2030, 12, 31))))
def test_extracted_spans_are_exact(text, published):
    from eventwire.pipeline import extract

    rec = extract(text, published=published, settings=S)
    assert rec.outcome.status in ("ok", "rejected"), rec.outcome
    check_spans(rec)
