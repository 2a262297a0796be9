"""Readers: text, HTML, JSONL, WARC, RSS/Atom, folders, stdin, encodings and rejects;
plus the bundled samples loading cleanly."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from pathlib import Path

import pytest

from eventwire.clean import clean_article
from eventwire.ingest import (ARTICLE_SUFFIXES, parse_jsonl_line, raw_from_string, read_bytes,
                              read_paths, split_title)
from eventwire.ingest.jsonl import read_jsonl
from eventwire.records import CleanArticle, RawArticle
from eventwire.settings import Settings

S = Settings()
REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

BODY = ("GENEVA (Eventwire) - Envoys from both governments met in Geneva on Monday to "
        "discuss a prisoner exchange, officials said. The talks will continue next week, a "
        "spokesman for the host government told reporters after the meeting ended.")
PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Envoys meet in Geneva | Example News</title>
<meta property="og:title" content="Envoys meet in Geneva on prisoner swap">
<meta property="og:url" content="https://news.example.org/geneva-talks">
<meta property="article:published_time" content="2021-03-01T10:00:00Z">
<script>var tracking = "do not extract me";</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Envoys meet in Geneva on prisoner swap</h1><p>{BODY}</p>
<p>Both delegations declined to comment on the number of prisoners involved, and diplomats
said a deal was not expected before the end of the month.</p></article>
<footer>Copyright 2021 Example News</footer></body></html>"""


def one(path, settings=S) -> RawArticle:
    items = list(read_paths([str(path)], settings))
    assert len(items) == 1, items
    return items[0]


# --- plain text -------------------------------------------------------------------------

def test_txt_title_split_keeps_rest_unchanged(tmp_path):
    rest = "  " + BODY + "\r\n\n Second  paragraph.\n"
    f = tmp_path / "a.txt"
    f.write_bytes(("Envoys meet in Geneva on prisoner swap\n\n" + rest).encode())
    raw = one(f)
    assert raw.title == "Envoys meet in Geneva on prisoner swap"
    assert raw.text == rest
    assert raw.source == str(f) and raw.meta["format"] == "text"


@pytest.mark.parametrize("text", [
    BODY + "\n\nMore text.",                                  # first line ends with a period
    "Envoys meet in Geneva\nno blank line after it.\n",       # no blank line
    "x" * 250 + "\n\nrest",                                   # too long for a headline
])
def test_txt_without_headline_is_not_split(text):
    assert split_title(text) == (None, text)


def test_unknown_extension_read_as_text(tmp_path):
    f = tmp_path / "story.md"
    f.write_text(BODY)
    raw = one(f)
    assert raw.text == BODY and raw.title is None


# --- HTML --------------------------------------------------------------------------------

def test_html_page_main_text_and_metadata(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(PAGE)
    raw = one(f)
    assert raw.reject_reason is None
    assert raw.title == "Envoys meet in Geneva on prisoner swap"
    assert raw.url == "https://news.example.org/geneva-talks"
    assert raw.published == dt.date(2021, 3, 1)
    assert BODY in raw.text
    assert "do not extract me" not in raw.text and "Home" not in raw.text
    assert raw.html is None and raw.meta["format"] == "html"


def test_html_without_body_rejected(tmp_path):
    f = tmp_path / "empty.htm"
    f.write_text("<!DOCTYPE html><html><head><title>x</title></head><body><nav>Home</nav>"
                 "<script>x()</script></body></html>")
    assert one(f).reject_reason == "no article body found in HTML"


def test_raw_from_string_sniffs_html_and_text():
    raw = raw_from_string(PAGE)
    assert raw.text and BODY in raw.text and raw.published == dt.date(2021, 3, 1)
    raw = raw_from_string("<p>Envoys met in Geneva.</p><p>Talks go on.</p>", url="u")
    assert raw.text == "Envoys met in Geneva.\nTalks go on." and raw.url == "u"
    raw = raw_from_string("Headline here\n\n" + BODY, published="2021-02-05T09:00:00+03:00")
    assert (raw.title, raw.text, raw.published) == ("Headline here", BODY, dt.date(2021, 2, 5))
    assert raw_from_string(BODY, published=dt.date(2020, 1, 2), title="T").text == BODY
    with pytest.raises(ValueError, match="not an ISO 8601 date"):
        raw_from_string(BODY, published="yesterday")


# --- JSONL -------------------------------------------------------------------------------

def test_jsonl_articles_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": BODY, "title": "T1", "url": "https://x.org/1",
                    "published": "2021-02-05T10:00:00Z"}),
        "",
        '{"text": "broken',
        json.dumps({"text": 42}),
        json.dumps({"title": "no body"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": BODY, "published": "5 Feb 2021"}),
        json.dumps({"html": "<p>" + BODY + "</p>", "published": "2021-02-06"}),
    ]
    f = tmp_path / "feed.jsonl"
    f.write_text("\n".join(lines) + "\n")
    items = list(read_paths([str(f)], S))
    assert [i.source for i in items] == [f"{f}:{n}" for n in (1, 3, 4, 5, 6, 7, 8)]
    first = items[0]
    assert (first.text, first.title, first.url, first.published, first.meta["id"]) == (
        BODY, "T1", "https://x.org/1", dt.date(2021, 2, 5), "a")
    reasons = [i.reject_reason for i in items[1:6]]
    assert reasons[0].startswith("line 3: broken JSON")
    assert reasons[1] == 'line 4: "text" must be a string, got number'
    assert reasons[2] == 'line 5: no "text" or "html" field with content'
    assert reasons[3] == "line 6: expected a JSON object, got array"
    assert reasons[4].startswith("line 7: published '5 Feb 2021' is not an ISO 8601")
    assert items[6].text == BODY and items[6].published == dt.date(2021, 2, 6)


def test_jsonl_streams_line_by_line():
    line = (json.dumps({"text": BODY}) + "\n").encode()

    class Counting(io.BytesIO):
        read_bytes = 0

        def readline(self, size=-1):
            out = super().readline(size)
            Counting.read_bytes += len(out)
            return out

    stream = Counting(line * 20_000)  # ~5 MB
    it = read_jsonl(stream, "big.jsonl", S.max_article_bytes)
    assert next(it).text == BODY
    assert Counting.read_bytes == len(line)


def test_jsonl_oversized_line_rejected_and_next_line_read(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps({"text": "word " * 500}) + "\n" + json.dumps({"text": BODY}) + "\n")
    items = list(read_paths([str(f)], S.with_(max_article_bytes=1000)))
    assert items[0].reject_reason.startswith("line 1: too large: ")
    assert "(raise EVENTWIRE_MAX_ARTICLE_BYTES)" in items[0].reject_reason
    assert items[1].text == BODY


def test_parse_jsonl_line_public():
    raw = parse_jsonl_line(json.dumps({"text": BODY}).encode(), "s3://b/x.jsonl:9", 9)
    assert raw.text == BODY and raw.source == "s3://b/x.jsonl:9"


# --- WARC --------------------------------------------------------------------------------

def _warc(gz: bool, pages: int = 3) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    for i in range(pages):
        page = PAGE.replace("prisoner exchange", f"prisoner exchange number {i}")
        if i == 1:  # no date in the page itself: WARC-Date is the fallback
            page = re.sub(r'<meta property="article:published_time"[^>]*>', "", page)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                protocol="HTTP/1.1")
        rec = w.create_warc_record(f"https://news.example.org/{i}", "response",
                                   payload=io.BytesIO(page.encode()), http_headers=http,
                                   warc_headers_dict={"WARC-Date": "2021-04-0%dT12:00:00Z" % (i + 1)})
        w.write_record(rec)
        img = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(f"https://news.example.org/{i}.png", "response",
                                            payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 50),
                                            http_headers=img))
    return buf.getvalue()


@pytest.mark.parametrize("name, gz", [("crawl.warc", False), ("crawl.warc.gz", True)])
def test_warc_response_records(tmp_path, name, gz):
    f = tmp_path / name
    f.write_bytes(_warc(gz))
    items = list(read_paths([str(f)], S))
    assert len(items) == 3 and all(i.reject_reason is None for i in items)
    assert [i.url for i in items] == [f"https://news.example.org/{n}" for n in range(3)]
    assert "prisoner exchange number 2" in items[2].text
    assert items[0].published == dt.date(2021, 3, 1)          # from the page
    assert items[1].published == dt.date(2021, 4, 2)          # from WARC-Date
    assert items[0].source.startswith(f"{f}#")


@pytest.mark.parametrize("name, gz", [("cut.warc.gz", True), ("cut.warc", False)])
def test_truncated_warc_keeps_records_and_reports(tmp_path, name, gz):
    data = _warc(gz)
    f = tmp_path / name
    f.write_bytes(data[: int(len(data) * 0.75)])  # inside the third page's record
    items = list(read_paths([str(f)], S))
    good = [i for i in items if i.reject_reason is None]
    assert len(good) == 2
    bad = items[-1]
    assert re.match(r"truncated or corrupt WARC after \d+ records: ", bad.reject_reason)
    assert bad.source == str(f)


def test_warc_sniffed_without_extension(tmp_path):
    f = tmp_path / "crawl.bin"
    f.write_bytes(_warc(True, pages=1))
    assert [i.url for i in read_paths([str(f)], S)] == ["https://news.example.org/0"]


# --- RSS / Atom --------------------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Feed</title><link>https://news.example.org</link><description>d</description>
<item><title>Envoys meet in Geneva</title><link>https://news.example.org/1</link>
<pubDate>Mon, 01 Mar 2021 10:00:00 GMT</pubDate><description>Short teaser.</description>
<content:encoded><![CDATA[<p>{BODY}</p><p>Second paragraph of the story.</p>]]></content:encoded></item>
<item><title>Only a teaser</title><link>https://news.example.org/2</link>
<description>Talks resume in Geneva.</description></item>
</channel></rss>"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Feed</title><id>urn:x</id>
<updated>2021-03-02T00:00:00Z</updated>
<entry><title>Talks in Geneva</title><id>urn:1</id><link href="https://news.example.org/a"/>
<updated>2021-03-02T08:00:00Z</updated><content type="html">&lt;p&gt;{BODY}&lt;/p&gt;</content></entry>
</feed>"""


def test_rss_items(tmp_path):
    f = tmp_path / "feed.rss"
    f.write_text(RSS)
    first, teaser = read_paths([str(f)], S)
    assert first.title == "Envoys meet in Geneva" and first.url == "https://news.example.org/1"
    assert first.published == dt.date(2021, 3, 1)
    assert first.text == BODY + "\nSecond paragraph of the story."
    assert first.source == f"{f}:item1"
    assert "no article text" in teaser.reject_reason and teaser.source == f"{f}:item2"


def test_atom_entry(tmp_path):
    f = tmp_path / "feed.xml"
    f.write_text(ATOM)
    raw = one(f)
    assert (raw.title, raw.url, raw.published, raw.text) == (
        "Talks in Geneva", "https://news.example.org/a", dt.date(2021, 3, 2), BODY)
    assert raw.meta["format"] == "atom10"


def test_entity_bomb_rejected(tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<rss version="2.0"><channel><item><title>&lol2;</title></item></channel></rss>')
    f = tmp_path / "bomb.xml"
    f.write_text(bomb)
    assert "entity-expansion bomb" in one(f).reject_reason


def test_xml_that_is_not_a_feed_rejected(tmp_path):
    f = tmp_path / "data.xml"
    f.write_text('<?xml version="1.0"?><catalog><book>x</book></catalog>')
    assert one(f).reject_reason == "XML document with root <catalog>, not an RSS/Atom feed"


# --- folders, stdin ----------------------------------------------------------------------

def test_folder_recursion_is_sorted_and_skips_hidden_and_unknown(tmp_path):
    for rel in ["b.txt", "a/z.txt", "a/b/c.txt", "a.html", ".hidden.txt", ".git/x.txt",
                "notes.md", "A/upper.txt"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(PAGE if rel.endswith(".html") else BODY)
    got = [Path(r.source).relative_to(tmp_path).as_posix() for r in read_paths([str(tmp_path)], S)]
    assert got == ["A/upper.txt", "a/b/c.txt", "a/z.txt", "a.html", "b.txt"]
    assert got == [Path(r.source).relative_to(tmp_path).as_posix()
                   for r in read_paths([str(tmp_path)], S)]


def test_stdin(monkeypatch):
    stdin = type("Stdin", (), {"buffer": io.BytesIO(("Headline on stdin\n\n" + BODY).encode())})
    monkeypatch.setattr(sys, "stdin", stdin)
    (raw,) = read_paths(["-"], S)
    assert (raw.source, raw.title, raw.text) == ("<stdin>", "Headline on stdin", BODY)


def test_missing_and_unreadable_files(tmp_path, monkeypatch):
    assert one(tmp_path / "nope.txt").reject_reason == "cannot read: no such file or folder"
    f = tmp_path / "locked.txt"
    f.write_text(BODY)

    def deny(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", deny)
    assert one(f).reject_reason.startswith("cannot read: permission denied")


# --- encodings and rejects ---------------------------------------------------------------

TEXT = "Envoys met in Zürich on Monday \u2014 the minister\u2019s \u201cfinal\u201d offer, officials said."


@pytest.mark.parametrize("encoding, text", [
    ("utf-8", TEXT), ("utf-8-sig", TEXT), ("utf-16", TEXT), ("utf-16-le", TEXT),
    ("utf-16-be", TEXT), ("cp1252", TEXT),
    ("latin-1", "Envoys met in Zürich and München on Monday, the ministère said. Naïve élève."),
])
def test_encodings_decoded(tmp_path, encoding, text):
    f = tmp_path / "enc.txt"
    f.write_bytes(text.encode(encoding))
    raw = one(f)
    assert raw.reject_reason is None
    assert raw.text == text


def test_html_meta_charset_used(tmp_path):
    f = tmp_path / "legacy.html"
    f.write_bytes(PAGE.replace('charset="utf-8"', 'charset="windows-1252"')
                  .replace("prisoner exchange", "prisoner exchange \u2014 \u201cfinal\u201d")
                  .encode("cp1252"))
    assert "prisoner exchange \u2014 \u201cfinal\u201d" in one(f).text


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    bytes(range(1, 32)) * 100,
])
def test_binary_rejected(tmp_path, data):
    f = tmp_path / "image.txt"
    f.write_bytes(data)
    assert one(f).reject_reason.startswith("binary content, not text (")


def test_empty_rejected(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    assert one(f).reject_reason == "empty: file has no content"
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n ")
    assert clean_article(one(blank), S).reason == "empty input"


def test_too_large_rejected_before_reading(tmp_path, monkeypatch):
    f = tmp_path / "big.txt"
    f.write_text("word " * 1000)
    reads = []
    real_open = Path.open

    def spy(self, *a, **k):
        fh = real_open(self, *a, **k)
        reads.append(fh)
        return fh

    monkeypatch.setattr(Path, "open", spy)
    raw = one(f, S.with_(max_article_bytes=100))
    assert raw.reject_reason == ("too large: 5000 bytes > limit 100 "
                                 "(raise EVENTWIRE_MAX_ARTICLE_BYTES)")
    assert all(fh.closed for fh in reads)


def test_read_bytes_for_callers_holding_bytes():
    data = (json.dumps({"text": BODY}) + "\n" + json.dumps({"text": BODY + " More."}) + "\n").encode()
    items = list(read_bytes(data, "part-0.jsonl", S))
    assert [i.source for i in items] == ["part-0.jsonl:1", "part-0.jsonl:2"]
    (page,) = read_bytes(PAGE.encode(), "x.html", S)
    assert page.title == "Envoys meet in Geneva on prisoner swap"


# --- bundled samples ---------------------------------------------------------------------

def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}


def test_samples_load_and_clean_ok():
    raws = list(read_paths([str(SAMPLES)], S))
    assert 12 <= len(raws) <= 17
    cleaned = {}
    for raw in raws:
        c = clean_article(raw, S)
        assert isinstance(c, CleanArticle), (raw.source, c)
        assert c.language == "en"
        cleaned[Path(raw.source.split(":")[0]).name + raw.source[len(raw.source.split(":")[0]):]] = c
    assert len({c.id for c in cleaned.values()}) == len(cleaned)
    readme = (SAMPLES / "README.md").read_text()
    assert "fictionalised samples written for eventwire" in readme
    for f in SAMPLES.iterdir():
        if f.name.lower().endswith(ARTICLE_SUFFIXES):
            assert f"`{f.name}`" in readme
    assert "2021-02-05" in readme

    turkey = cleaned["turkey_s400_wire.txt"]
    assert turkey.title == "Turkey rejects U.S. demand to give up Russian S-400 missiles"
    for furniture in ("install our app", "Add to home screen", "Share this article", "©",
                      "All rights reserved", turkey.title):
        assert furniture not in turkey.text
    assert {r for r, _ in turkey.removed} == {"app_install", "add_to_home_screen", "share_prompt",
                                              "repeated_headline", "copyright"}
    for needle in ("Ibrahim Kalin", "Ned Price", "Hulusi Akar", "The U.S. has made clear",
                   "on Wednesday", "late Thursday", "last month", "over the weekend",
                   "in 2019", "next week"):
        assert needle in turkey.text

    japan_raw = next(r for r in raws if r.source.endswith("japan_aid_pledge.txt"))
    assert cleaned["japan_aid_pledge.txt"].text == japan_raw.text   # nothing to remove

    copy = cleaned["turkey_s400_wire_republished.txt"]
    a, b = _shingles(turkey.text), _shingles(copy.text)
    assert copy.text != turkey.text and len(a & b) / len(a | b) >= 0.88


def test_sniffing_for_unknown_extensions(tmp_path):
    feed = tmp_path / "feed"
    feed.write_text(RSS)
    assert [r.source for r in read_paths([str(feed)], S)] == [f"{feed}:item1", f"{feed}:item2"]
    lines = tmp_path / "dump.out"
    lines.write_text(json.dumps({"text": BODY}) + "\n" + json.dumps({"text": BODY + " Two."}) + "\n")
    assert [r.source for r in read_paths([str(lines)], S)] == [f"{lines}:1", f"{lines}:2"]
    page = tmp_path / "page.php"
    page.write_text(PAGE)
    assert one(page).title == "Envoys meet in Geneva on prisoner swap"


def test_txt_extension_is_always_plain_text(tmp_path):
    f = tmp_path / "markup.txt"
    f.write_text("<p>" + BODY + "</p>")
    assert one(f).text == "<p>" + BODY + "</p>"


def test_published_line_under_the_headline_is_metadata():
    from eventwire.ingest.articles import from_text

    raw = from_text("Turkey rejects demand\n\nPublished: 5 February 2021\n\nANKARA - Body.\n", "x")
    assert (raw.title, raw.published, raw.text) == ("Turkey rejects demand", dt.date(2021, 2, 5),
                                                    "ANKARA - Body.\n")
    iso = from_text("Headline words\n\nDate: 2021-02-05\nBody text.", "x")
    assert iso.published == dt.date(2021, 2, 5) and iso.text == "Body text."


def test_text_that_only_looks_like_a_published_line_stays():
    from eventwire.ingest.articles import from_text

    for body in ("Published reports say the talks failed.\n\nMore text.",
                 "Updated: yesterday\n\nMore text."):
        raw = from_text("Headline words\n\n" + body, "x")
        assert raw.published is None and raw.text == body
