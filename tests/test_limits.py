"""Limits: article bytes, sentences, quote length, time per article — a rejection, never a crash.

Quote length (``max_quote_chars``): a quote longer than the limit is **dropped**, not
truncated — a cut quote would put words in a speaker's mouth that end where the speaker
did not stop, and the usual cause of an over-long "quote" is a stray or missing mark that
turned a whole passage into one. The quote-mark finder refuses to pair marks further apart
than the limit, and the stage drops any longer quote the tagger proposes.

Each limit is also reachable through its ``EVENTWIRE_*`` variable (``Settings.load``), and
a malformed variable is a usage error (exit 2) with the variable's name, not a traceback.
"""
from __future__ import annotations

import io
import json
import signal
import time

import pytest

from eventwire.ingest import read_bytes, read_paths
from eventwire.quotes.marks import find_marked_quotes
from eventwire.records import RawArticle
from eventwire.settings import Settings
from hostile.make_corpus import ENGLISH

pytestmark = [pytest.mark.timeout(120)]

ENV = {"EVENTWIRE_MAX_ARTICLE_BYTES": "1234", "EVENTWIRE_MAX_SENTENCES": "7",
       "EVENTWIRE_MAX_QUOTE_CHARS": "99", "EVENTWIRE_ARTICLE_TIMEOUT_S": "0.25",
       "EVENTWIRE_BATCH_SIZE": "3"}


def test_env_vars_set_every_limit():
    s = Settings.load(env=ENV)
    assert (s.max_article_bytes, s.max_sentences, s.max_quote_chars, s.article_timeout_s,
            s.batch_size) == (1234, 7, 99, 0.25, 3)
    # an explicit override (a CLI flag) wins over the variable
    assert Settings.load(env=ENV, max_sentences=11).max_sentences == 11


@pytest.mark.parametrize("name, value", [("EVENTWIRE_MAX_ARTICLE_BYTES", "5MB"),
                                         ("EVENTWIRE_ARTICLE_TIMEOUT_S", "soon")])
def test_malformed_env_var_names_the_variable(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.load(env={name: value})


def test_malformed_env_var_is_a_usage_error_in_the_cli(tmp_path):
    from typer.testing import CliRunner

    from eventwire.cli import app

    f = tmp_path / "a.txt"
    f.write_text(ENGLISH)
    result = CliRunner().invoke(app, ["extract", str(f)],
                                env={"EVENTWIRE_MAX_ARTICLE_BYTES": "5MB"})
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, ValueError)
    assert "EVENTWIRE_MAX_ARTICLE_BYTES" in result.output


@pytest.mark.parametrize("name, data", [
    ("big.txt", ENGLISH.encode() * 20),
    ("big.html", b"<html><body><p>" + ENGLISH.encode() * 20 + b"</p></body></html>"),
    ("big.xml", b'<?xml version="1.0"?><rss version="2.0"><channel>'
                + b"<item><description>" + ENGLISH.encode() * 20 + b"</description></item>"
                + b"</channel></rss>"),
])
def test_article_bytes_limit_rejects_files(tmp_path, name, data):
    s = Settings.load(env=ENV)
    f = tmp_path / name
    f.write_bytes(data)
    raws = list(read_paths([str(f)], s))
    assert len(raws) == 1
    assert raws[0].reject_reason.startswith("too large:")
    assert "EVENTWIRE_MAX_ARTICLE_BYTES" in raws[0].reject_reason
    # the same file is read whole under the default limit
    assert not list(read_paths([str(f)], Settings.load(env={})))[0].reject_reason


def test_article_bytes_limit_in_jsonl_rejects_only_the_long_line():
    s = Settings.load(env=ENV)
    short = json.dumps({"text": ENGLISH[:600]})
    long = json.dumps({"text": ENGLISH * 3})
    data = "\n".join([short, long, short.replace("harbour", "airport")]).encode()
    raws = list(read_bytes(data, "batch.jsonl", s))
    assert [bool(r.reject_reason) for r in raws] == [False, True, False]
    assert raws[1].reject_reason.startswith("line 2: too large")


def test_article_bytes_limit_on_stdin(monkeypatch):
    from eventwire.ingest import _read_stdin

    class FakeStdin:
        buffer = io.BytesIO(ENGLISH.encode() * 5)

    monkeypatch.setattr("sys.stdin", FakeStdin)
    raw = _read_stdin(Settings.load(env=ENV))
    assert raw.reject_reason.startswith("too large")


def test_article_bytes_limit_in_warc(tmp_path):
    from hostile.make_corpus import _html_page, _warc_bytes

    s = Settings.load(env={"EVENTWIRE_MAX_ARTICLE_BYTES": "3000"})
    data = _warc_bytes([("https://example.org/small", _html_page("Small", ENGLISH[:800])),
                        ("https://example.org/big", _html_page("Big", ENGLISH * 4))], gz=True)
    raws = list(read_bytes(data, "crawl.warc.gz", s))
    assert len(raws) == 2
    assert raws[0].reject_reason is None
    assert raws[1].reject_reason.startswith("too large")


def test_quote_finder_never_pairs_marks_beyond_the_limit():
    inner = "word " * 40
    text = f'He said "{inner.strip()}" and left. She said "short one" too.'
    assert len(find_marked_quotes(text, max_chars=60)) == 1          # the long one is refused
    assert len(find_marked_quotes(text, max_chars=5_000)) == 2
    for q in find_marked_quotes(text, max_chars=60):
        assert q.span[1] - q.span[0] <= 60


# --- with the spaCy pipeline -------------------------------------------------------------

@pytest.fixture(scope="module")
def nlp_ready():
    """Every model the stages load lazily is loaded before a time limit applies."""
    from eventwire.pipeline import extract

    assert extract(ENGLISH, settings=Settings.load(env={})).ok


@pytest.mark.model
@pytest.mark.timeout(120)
def test_sentence_limit_rejects_and_says_which_variable(nlp_ready):
    from eventwire.pipeline import extract

    s = Settings.load(env=ENV).with_(max_article_bytes=1_000_000, article_timeout_s=60.0)
    rec = extract(ENGLISH * 2, settings=s)      # 14 sentences > 7
    assert rec.outcome.status == "rejected"
    assert rec.outcome.reason.startswith("too many sentences")
    assert "EVENTWIRE_MAX_SENTENCES" in rec.outcome.reason
    assert extract(ENGLISH, settings=s.with_(max_sentences=50)).ok


@pytest.mark.model
@pytest.mark.timeout(120)
def test_quote_length_limit_bounds_the_output(nlp_ready):
    from eventwire.pipeline import extract

    long_quote = ("We will rebuild the northern port and every road that leads to it, and we "
                  "will not stop until the farmers can move their harvest again")
    text = (f'The mayor of Valdoria spoke to reporters on Tuesday. "{long_quote}," the mayor '
            'said. "It is done," the port director told reporters later that day. ' + ENGLISH)
    for limit in (40, 120, 5_000):
        rec = extract(text, settings=Settings.load(env={}, max_quote_chars=limit))
        assert rec.ok, rec.outcome
        assert all(q.span[1] - q.span[0] <= limit for q in rec.quotes), limit
    small = extract(text, settings=Settings.load(env={}, max_quote_chars=40))
    assert not any(long_quote[:30] in q.text for q in small.quotes)   # dropped, not cut
    assert any(long_quote[:30] in q.text for q in rec.quotes)         # found when allowed


@pytest.mark.model
@pytest.mark.timeout(120)
def test_time_limit_rejects_a_slow_article_and_the_batch_goes_on(nlp_ready, monkeypatch):
    import eventwire.pipeline as pipeline

    real = pipeline.resolve_dates

    def slow_dates(doc, article):
        if "SLOWLY" in article.text:
            end = time.monotonic() + 60
            while time.monotonic() < end:   # busy, like a runaway regex
                pass
        return real(doc, article)

    monkeypatch.setattr(pipeline, "resolve_dates", slow_dates)
    s = Settings.load(env={}, article_timeout_s=3.0)  # 30× a normal article, for busy CI
    raws = [RawArticle("fast-1", text=ENGLISH),
            RawArticle("slow", text=ENGLISH + "\nThe queue moved SLOWLY all week.\n"),
            RawArticle("fast-2", text=ENGLISH.replace("harbour", "airport"))]
    start = time.monotonic()
    recs = list(pipeline.process(raws, s))
    assert time.monotonic() - start < 45
    assert [r.source for r in recs] == ["fast-1", "slow", "fast-2"]
    assert [r.outcome.status for r in recs] == ["ok", "rejected", "ok"]
    reason = recs[1].outcome.reason
    assert reason.startswith("timeout") and "EVENTWIRE_ARTICLE_TIMEOUT_S" in reason
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)     # no alarm left behind


@pytest.mark.model
@pytest.mark.timeout(120)
def test_batch_size_zero_drops_nothing(nlp_ready):
    from eventwire.pipeline import extract_many

    s = Settings.load(env={}, batch_size=0)
    recs = list(extract_many([ENGLISH, ENGLISH.replace("harbour", "airport")], s))
    assert len(recs) == 2 and all(r.ok for r in recs)


@pytest.mark.model
@pytest.mark.timeout(120)
def test_time_limit_covers_the_parse_of_a_big_article(nlp_ready, monkeypatch):
    import eventwire.pipeline as pipeline

    monkeypatch.setattr(pipeline, "_SOLO_PARSE_CHARS", 1_000)
    big = ENGLISH * 400                                  # parsed alone, under the limit
    s = Settings.load(env={}, article_timeout_s=0.2, max_sentences=100_000,
                      max_article_bytes=10_000_000)
    recs = list(pipeline.process([RawArticle("big", text=big),
                                  RawArticle("small", text=ENGLISH)], s))
    assert [r.outcome.status for r in recs] == ["rejected", "ok"]
    assert recs[0].outcome.reason.startswith("timeout: parsing")
