"""Fuzz ``eventwire.pipeline.extract`` / ``extract_many`` with random text, HTML and bytes.

Bounded (``max_examples`` 60 per test, whole file well under 90 s on one core): every
call returns a record whose outcome is ``ok`` or ``rejected`` (``failed`` would be our bug),
whose spans index inside its text, and which serialises to JSON that can be written out as
UTF-8. ``extract_many`` returns exactly one record per input, in order.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from eventwire.records import ArticleRecord
from eventwire.settings import Settings

pytestmark = [pytest.mark.model]

S = Settings.load(env={}, article_timeout_s=20.0)
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_WORDS = ("the minister said on Monday that talks with Turkey would resume next week "
          "\"we will not wait\" she told reporters in Ankara , . ; — ' “ ” « » ( ) 2021 "
          "Feb. 3 yesterday police protest army attacked accused the government").split()
_prose = st.lists(st.sampled_from(_WORDS), max_size=120).map(" ".join)
_any_text = st.text(max_size=600)
_with_surrogates = st.lists(st.sampled_from(["\ud800", "\udfff", "word", " ", "\n", "\"", "é"]),
                            max_size=40).map("".join)
_bytes_decoded = st.binary(max_size=600).flatmap(lambda b: st.sampled_from([
    b.decode("latin-1"), b.decode("utf-8", "replace"), b.decode("utf-8", "surrogateescape"),
    b.decode("utf-16-le", "replace")]))
_TAGS = ["<html>", "</html>", "<body>", "</body>", "<p>", "</p>", "<div>", "</div>",
         "<script>", "</script>", "<style>", "</style>", "<!--", "-->", "<br>", "<a href='x'>",
         "</a>", "&amp;", "&nbsp;", "&#0;", "&#xD800;", "<![CDATA[", "]]>", "<title>", "</title>",
         "<meta charset='utf-16'>", "<article>", "</article>", "<h1>", "</h1>"]
_html = st.lists(st.one_of(st.sampled_from(_TAGS), _prose), max_size=40).map("".join)
_input = st.one_of(_prose, _any_text, _with_surrogates, _bytes_decoded, _html,
                   _html.map(lambda h: "<!DOCTYPE html><html><body>" + h))
_published = st.one_of(st.none(), st.dates(min_value=dt.date(1, 1, 1)),
                       st.dates().map(dt.date.isoformat))


def check_record(rec: ArticleRecord) -> None:
    assert isinstance(rec, ArticleRecord)
    assert rec.outcome.status in ("ok", "rejected"), rec.outcome
    if not rec.ok:
        assert rec.outcome.reason
    text = rec.text
    spans = ([m for a in rec.actors for m in a.mentions] + [q.span for q in rec.quotes]
             + [d.span for d in rec.dates] + [e.span for e in rec.events]
             + [q.cue.span for q in rec.quotes if q.cue]
             + [q.speaker.span for q in rec.quotes if q.speaker])
    for s, e in spans:
        assert 0 <= s < e <= len(text), (s, e, len(text))
    for q in rec.quotes:
        assert text[q.span[0]:q.span[1]] == q.text
    line = json.dumps(rec.to_dict(), ensure_ascii=False)
    line.encode("utf-8")
    assert ArticleRecord.from_dict(json.loads(line)).id == rec.id


@pytest.mark.timeout(150)
@FUZZ
@given(_input, _published)
def test_extract_never_breaks(text, published):
    from eventwire.pipeline import extract

    check_record(extract(text, published=published, settings=S))


@pytest.mark.timeout(150)
@FUZZ
@given(st.lists(_input, max_size=6))
def test_extract_many_gives_one_record_per_input_in_order(items):
    from eventwire.pipeline import extract_many
    from eventwire.records import RawArticle

    raws = [RawArticle(source=f"fuzz/{i}", text=t) for i, t in enumerate(items)]
    recs = list(extract_many(raws, S.with_(batch_size=4)))
    assert [r.source for r in recs] == [r.source for r in raws]
    for rec in recs:
        check_record(rec)
