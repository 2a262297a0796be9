"""Dates: each family of temporal expression with fixed publication dates."""
from __future__ import annotations

import datetime as dt

import pytest

from eventwire.dates import resolve_dates, resolve_expression
from eventwire.records import CleanArticle

FRI = dt.date(2021, 2, 5)      # a Friday, ISO week 2021-W05
WED = dt.date(2021, 2, 3)


@pytest.mark.parametrize("text,pub,future,want", [
    ("Wednesday", FRI, False, ("2021-02-03", "day")),          # most recent, before pub
    ("Wednesday", WED, False, ("2021-02-03", "day")),          # same day counts
    ("Wednesday", FRI, True, ("2021-02-10", "day")),           # future tense: the next one
    ("Friday", FRI, True, ("2021-02-12", "day")),
    ("late Thursday", FRI, False, ("2021-02-04", "day")),
    ("early on Tuesday", FRI, False, ("2021-02-02", "day")),
    ("Thursday night", FRI, False, ("2021-02-04", "day")),
    ("next Monday", FRI, False, ("2021-02-08", "day")),
    ("last Friday", FRI, False, ("2021-01-29", "day")),
])
def test_weekdays(text, pub, future, want):
    assert resolve_expression(text, pub, future) == want


@pytest.mark.parametrize("text,want", [
    ("yesterday", ("2021-02-04", "day")),
    ("today", ("2021-02-05", "day")),
    ("tomorrow", ("2021-02-06", "day")),
    ("late yesterday", ("2021-02-04", "day")),
])
def test_deictic_days(text, want):
    assert resolve_expression(text, FRI) == want


@pytest.mark.parametrize("text,future,want", [
    ("last week", False, ("2021-W04", "week")),
    ("next week", False, ("2021-W06", "week")),
    ("this week", False, ("2021-W05", "week")),
    ("earlier this week", False, ("2021-W05", "week")),
    ("the weekend", False, ("2021-W04", "week")),     # Saturday 30 Jan → W04
    ("over the weekend", False, ("2021-W04", "week")),
    ("the weekend", True, ("2021-W05", "week")),      # Saturday 6 Feb
    ("two weeks ago", False, ("2021-W03", "week")),
])
def test_weeks(text, future, want):
    assert resolve_expression(text, FRI, future) == want


def test_weekend_published_on_saturday_is_that_weekend():
    assert resolve_expression("the weekend", dt.date(2021, 2, 6)) == ("2021-W05", "week")


@pytest.mark.parametrize("text,future,want", [
    ("last month", False, ("2021-01", "month")),       # dateparser alone says a day
    ("earlier this month", False, ("2021-02", "month")),
    ("next month", False, ("2021-03", "month")),
    ("the end of January", False, ("2021-01", "month")),
    ("mid-January", False, ("2021-01", "month")),
    ("in January", False, ("2021-01", "month")),
    ("December", False, ("2020-12", "month")),         # latest December not after pub
    ("March", True, ("2021-03", "month")),
    ("March 2020", False, ("2020-03", "month")),
    ("May 2019", False, ("2019-05", "month")),
])
def test_months(text, future, want):
    assert resolve_expression(text, FRI, future) == want


@pytest.mark.parametrize("text,want", [
    ("in 2019", ("2019", "year")),
    ("2019", ("2019", "year")),
    ("last year", ("2020", "year")),
    ("this year", ("2021", "year")),
    ("earlier this year", ("2021", "year")),
    ("the end of the year", ("2021", "year")),
])
def test_years(text, want):
    assert resolve_expression(text, FRI) == want


@pytest.mark.parametrize("text,want", [
    ("Feb. 3", ("2021-02-03", "day")),
    ("on Feb. 3", ("2021-02-03", "day")),
    ("Feb. 3, 2021", ("2021-02-03", "day")),
    ("3 February", ("2021-02-03", "day")),
    ("February 3rd", ("2021-02-03", "day")),
    ("December 28", ("2020-12-28", "day")),           # not 11 months in the future
    ("2021-02-03", ("2021-02-03", "day")),
])
def test_explicit_days(text, want):
    assert resolve_expression(text, FRI) == want


@pytest.mark.parametrize("text", ["two years", "for 10 days", "a day", "the past two years",
                                  "10 a.m.", "three months long"])
def test_durations_and_clock_times_are_skipped(text):
    assert resolve_expression(text, FRI) is None


@pytest.mark.parametrize("text", ["13-year-old", "ages 16 to 24", "each year", "weekly",
                                  "two to three years", "recent weeks", "the coming years",
                                  "at least five years"])
def test_ages_frequencies_and_vague_spans_are_skipped(text):
    assert resolve_expression(text, FRI) is None


def test_this_past_week_and_weekend():
    sun = dt.date(2016, 9, 25)
    assert resolve_expression("this past week", sun) == ("2016-W38", "week")
    assert resolve_expression("this past weekend", sun) == ("2016-W38", "week")
    assert resolve_expression("the summer of 2010", sun) == ("2010", "year")


def test_ranges_keep_text_without_a_value():
    assert resolve_expression("September 16-19", FRI) == (None, "unknown")


def test_without_publication_relative_dates_have_no_value():
    assert resolve_expression("Wednesday", None) == (None, "day")
    assert resolve_expression("last month", None) == (None, "month")
    assert resolve_expression("Feb. 3, 2021", None) == ("2021-02-03", "day")
    assert resolve_expression("in 2019", None) == ("2019", "year")


def test_dateparser_fallback_gets_forms_the_rules_do_not_know():
    assert resolve_expression("20 Feb. 2020", FRI) == ("2020-02-20", "day")


# -- in a parsed document ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def nlp():
    from eventwire.nlp import load_pipeline

    return load_pipeline("auto")


def _article(text, published=FRI):
    return CleanArticle(id="t", source="t", text=text, published=published)


@pytest.mark.model
def test_document_dates_spans_and_tense(nlp):
    text = ("Turkey's defence minister said on Wednesday that talks held over the weekend had "
            "failed. He will travel to Brussels on Monday. Sanctions imposed last month "
            "remain, and the system was bought in 2019 after two years of talks.")
    dates = resolve_dates(nlp(text), _article(text))
    got = {d.text: (d.value, d.granularity) for d in dates}
    assert got["Wednesday"] == ("2021-02-03", "day")
    assert got["the weekend"] == ("2021-W04", "week")
    assert got["Monday"] == ("2021-02-08", "day")          # "will travel": next Monday
    assert got["last month"] == ("2021-01", "month")
    assert got["2019"] == ("2019", "year")
    assert not any("two years" in t for t in got)
    for d in dates:
        assert text[d.span[0]:d.span[1]] == d.text


@pytest.mark.model
def test_date_after_reporting_verb_dates_the_report(nlp):
    text = "The Pentagon said on Tuesday it would send more air defence systems to Poland."
    dates = resolve_dates(nlp(text), _article(text, dt.date(2023, 6, 16)))
    assert [(d.text, d.value) for d in dates] == [("Tuesday", "2023-06-13")]


@pytest.mark.model
def test_dateline_date_and_finder_only_forms(nlp):
    text = "ANKARA, Feb 5 (Reuters) - Officials met late Thursday and again earlier this month."
    got = {d.text: d.value for d in resolve_dates(nlp(text), _article(text))}
    assert got["Feb 5"] == "2021-02-05"
    assert got["late Thursday"] == "2021-02-04"
    assert got["earlier this month"] == "2021-02"
