"""``eventwire watch`` against a news site served on loopback: new items, an unchanged feed
(304), a 404 page, a slow page, a feed that turns invalid, a page that is not HTML, a
redirect loop, robots.txt, a restart midway; and ``export --since-last`` increments."""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eventwire.clean import clean_article
from eventwire.records import ArticleRecord, CleanArticle
from eventwire.runners.watch import parse_every, poll, watch
from eventwire.settings import Settings
from eventwire.store import open_store
from eventwire.store import state

from conftest import make_record

BODY = ("{city} (Eventwire) - The foreign ministers of {a} and {b} met in {city} on Monday "
        "to discuss a prisoner exchange and the reopening of border crossings, officials "
        "said after the talks.\n\nThe ministers agreed to meet again next month, a "
        "spokesman for the host government told reporters. Both sides called the talks "
        "constructive.")
LAST_MODIFIED = format_datetime(dt.datetime(2021, 3, 1, tzinfo=dt.timezone.utc), usegmt=True)
STORIES = [("GENEVA", "Armenia", "Azerbaijan"), ("VIENNA", "Iran", "France"),
           ("OSLO", "Colombia", "Venezuela"), ("DOHA", "Sudan", "Chad")]


def page(n: int, *, date: str | None = "2021-03-0{n}", title: str | None = None) -> bytes:
    city, a, b = STORIES[n % len(STORIES)]
    paras = "".join(f"<p>{p}</p>" for p in BODY.format(city=city, a=a, b=b).split("\n\n"))
    meta = f'<meta property="article:published_time" content="{date.format(n=n + 1)}">' if date else ""
    head_title = title or f"{a} and {b} meet in {city.title()}"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{head_title} | Ledger"
            f"</title>{meta}<meta name='author' content='Ana Ruiz'></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>"
            f"<h1>{head_title}</h1>{paras}</article><footer>© 2021 Ledger</footer>"
            f"</body></html>").encode()


def rss(links: list[tuple[str, str]]) -> bytes:
    items = "".join(f"<item><title>{t}</title><link>{u}</link>"
                    f"<pubDate>Mon, 0{i + 1} Mar 2021 10:00:00 GMT</pubDate></item>"
                    for i, (u, t) in enumerate(links))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ledger</title>'
            f"<link>http://x/</link><description>d</description>{items}</channel></rss>").encode()


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    ctype: str = "text/html; charset=utf-8"
    delay: float = 0.0
    location: str | None = None
    etag: str | None = None


@dataclass
class Site:
    """A news site on loopback; ``routes`` may be changed between polls."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def site():
    s = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — the http.server API
            s.hits.append(self.path)
            r = s.routes.get(self.path)
            if r is None:
                self.send_response(404)
                self.end_headers()
                self.wfile.write(b"not found")
                return
            if r.delay:
                time.sleep(r.delay)
            if r.etag and self.headers.get("If-None-Match") == r.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(r.status)
            if r.location:
                self.send_header("Location", r.location)
            self.send_header("Content-Type", r.ctype)
            self.send_header("Content-Length", str(len(r.body)))
            if r.etag:
                self.send_header("ETag", r.etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            try:
                self.wfile.write(r.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    s.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield s
    server.shutdown()
    server.server_close()


S = Settings(watch_timeout_s=0.5, watch_host_interval_s=0.0, min_words=5)


def fake_run(raws):
    """The pipeline without the NLP stages: clean, then a record with no facts."""
    for raw in raws:
        c = clean_article(raw, S)
        if not isinstance(c, CleanArticle):
            from eventwire.pipeline import _rejected

            yield _rejected(raw, c)
            continue
        yield ArticleRecord(id=c.id, source=c.source, text=c.text, title=c.title, url=c.url,
                            published=c.published, author=c.author, site_name=c.site_name,
                            dateline=c.dateline)


@pytest.fixture
def store(tmp_path):
    st = open_store(f"sqlite:///{tmp_path / 'w.db'}", S)
    yield st
    st.close()


def n_articles(store) -> int:
    return store.stats()["articles"]


def test_new_items_then_an_unchanged_feed_then_one_new_item(site, store):
    site.routes["/feed.xml"] = Route(rss([(site.url("/a1"), "A one"), (site.url("/a2"), "A two")]),
                                     ctype="application/rss+xml", etag='"v1"')
    site.routes["/a1"] = Route(page(0))
    site.routes["/a2"] = Route(page(1, date=None))
    feed = site.url("/feed.xml")

    r1 = poll([feed], store, S, fake_run)
    assert (r1.new, r1.failed) == (2, [])
    recs = {r.url: r for r in store.records()}
    a1, a2 = recs[site.url("/a1")], recs[site.url("/a2")]
    assert a1.title == "Armenia and Azerbaijan meet in Geneva" and a1.author == "Ana Ruiz"
    assert str(a1.published) == "2021-03-01"
    assert str(a2.published) == "2021-03-02"     # the page has none: the feed item's
    assert a1.dateline.place == "Geneva" and "Home" not in a1.text

    hits = len(site.hits)
    r2 = poll([feed], store, S, fake_run)        # 304: nothing fetched, nothing new
    assert (r2.feeds_unchanged, r2.new, n_articles(store)) == (1, 0, 2)
    assert site.hits[hits:].count("/feed.xml") == 1 and "/a1" not in site.hits[hits:]

    site.routes["/a3"] = Route(page(2))
    site.routes["/feed.xml"] = Route(
        rss([(site.url("/a3"), "A three"), (site.url("/a1"), "A one"), (site.url("/a2"), "A two")]),
        ctype="application/rss+xml", etag='"v2"')
    r3 = poll([feed], store, S, fake_run)
    assert (r3.new, r3.unchanged, n_articles(store)) == (1, 2, 3)
    assert "1 new, 2 unchanged" in r3.line()


def test_failures_are_reported_with_reasons_and_retried(site, store):
    site.routes["/feed.xml"] = Route(rss([
        (site.url("/gone"), "404"), (site.url("/slow"), "slow"), (site.url("/doc.pdf"), "pdf"),
        (site.url("/loop1"), "loop"), (site.url("/ok"), "fine")]), ctype="application/rss+xml")
    site.routes["/slow"] = Route(page(0), delay=2.0)
    site.routes["/doc.pdf"] = Route(b"%PDF-1.4 ...", ctype="application/pdf")
    site.routes["/loop1"] = Route(status=302, location="/loop2")
    site.routes["/loop2"] = Route(status=302, location="/loop1")
    site.routes["/ok"] = Route(page(1))
    r = poll([site.url("/feed.xml")], store, S, fake_run)
    reasons = dict(r.failed)
    assert r.new == 1 and len(r.failed) == 4
    assert reasons[site.url("/gone")] == "HTTP 404 Not Found"
    assert reasons[site.url("/slow")].startswith("timed out after 0.5 s")
    assert reasons[site.url("/doc.pdf")] == "not an HTML page (application/pdf)"
    assert reasons[site.url("/loop1")].startswith("redirect loop: ")
    assert "4 failed" in r.line() and "HTTP 404 Not Found" in r.line()
    # failed items are tried again on the next poll, the stored one is not
    site.routes["/gone"] = Route(page(2))
    r2 = poll([site.url("/feed.xml")], store, S, fake_run)
    assert r2.new == 1 and r2.unchanged == 1 and len(r2.failed) == 3


def test_a_feed_that_turns_invalid_fails_and_keeps_its_state(site, store):
    site.routes["/feed.xml"] = Route(rss([(site.url("/a1"), "one")]), ctype="application/rss+xml")
    site.routes["/a1"] = Route(page(0))
    feed = site.url("/feed.xml")
    assert poll([feed], store, S, fake_run).new == 1
    site.routes["/feed.xml"] = Route(b"<html><body>Service unavailable</body></html>")
    r = poll([feed], store, S, fake_run)
    assert r.new == 0 and r.failed == [(feed, "feed: not an RSS/Atom feed or a sitemap: "
                                              "an XML document with root <html>")]
    assert n_articles(store) == 1 and state.known_items(store, [site.url("/a1")])


def test_sitemaps_and_robots_txt(site, store):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    site.routes["/sitemap.xml"] = Route((
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{site.url('/a1')}</loc><lastmod>2021-03-05</lastmod></url>"
        f"<url><loc>{site.url('/private/a2')}</loc></url></urlset>").encode(),
        ctype="application/xml")
    site.routes["/a1"] = Route(page(0, date=None))
    site.routes["/private/a2"] = Route(page(1))
    r = poll([site.url("/sitemap.xml")], store, S, fake_run)
    assert r.new == 1 and "/private/a2" not in site.hits
    assert r.failed == [(site.url("/private/a2"), "disallowed by robots.txt for eventwire")]
    [rec] = store.records()
    assert str(rec.published) == "2021-03-05"


def test_the_same_text_under_two_urls_is_fetched_once(site, store):
    site.routes["/feed.xml"] = Route(rss([(site.url("/a1"), "x"), (site.url("/a1?utm=rss"), "x")]),
                                     ctype="application/rss+xml")
    site.routes["/a1"] = Route(page(0))
    site.routes["/a1?utm=rss"] = Route(page(0))
    r = poll([site.url("/feed.xml")], store, S, fake_run)
    assert (r.new, r.duplicates, n_articles(store)) == (1, 1, 1)


def test_a_restart_midway_resumes_and_stores_nothing_twice(site, store):
    site.routes["/f1.xml"] = Route(rss([(site.url("/a1"), "1")]), ctype="application/rss+xml",
                                   etag='"f1"')
    site.routes["/f2.xml"] = Route(rss([(site.url("/a2"), "2"), (site.url("/a3"), "3")]),
                                   ctype="application/rss+xml", etag='"f2"')
    for n, path in enumerate(("/a1", "/a2", "/a3")):
        site.routes[path] = Route(page(n))
    feeds = [site.url("/f1.xml"), site.url("/f2.xml")]
    calls = []

    def crashing_run(raws):
        calls.append(1)
        if len(calls) == 2:  # killed while the second feed's pages run
            raise KeyboardInterrupt
        yield from fake_run(raws)

    with pytest.raises(KeyboardInterrupt):
        poll(feeds, store, S, crashing_run)
    assert n_articles(store) == 1
    r = poll(feeds, store, S, fake_run)            # the restart
    assert (r.feeds_unchanged, r.new, n_articles(store)) == (1, 2, 3)
    r = poll(feeds, store, S, fake_run)
    assert (r.feeds_unchanged, r.new, n_articles(store)) == (2, 0, 3)


def test_watch_loop_says_one_line_per_poll(site, store):
    site.routes["/feed.xml"] = Route(rss([]), ctype="application/rss+xml")
    lines, sleeps = [], []

    def sleep(s):
        sleeps.append(s)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        watch([site.url("/feed.xml")], store, S, fake_run, 60.0, lines.append, sleep=sleep)
    assert len(lines) == 2 and all("1 feeds" in line for line in lines)
    assert all(0 < s <= 60 for s in sleeps)


@pytest.mark.parametrize("value, seconds", [("15m", 900), ("30s", 30), ("1h", 3600), ("90", 90)])
def test_parse_every(value, seconds):
    assert parse_every(value) == seconds


@pytest.mark.parametrize("value", ["soon", "-5m", "0"])
def test_parse_every_refuses(value):
    with pytest.raises(ValueError):
        parse_every(value)


# -- the command line ------------------------------------------------------------------------

def test_cli_watch_once_exit_codes(site, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from eventwire import cli

    monkeypatch.setenv("EVENTWIRE_WATCH_HOST_INTERVAL_S", "0")
    monkeypatch.setattr("eventwire.runners.run_records", lambda raws, settings, memory=None:
                        fake_run(raws))
    site.routes["/feed.xml"] = Route(rss([(site.url("/a1"), "1")]), ctype="application/rss+xml")
    site.routes["/a1"] = Route(page(0))
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    ok = runner.invoke(cli.app, ["watch", site.url("/feed.xml"), "--once", "--db", db])
    assert ok.exit_code == 0, ok.output
    assert "1 new, 0 unchanged" in " ".join(ok.output.split())
    site.routes["/feed.xml"] = Route(rss([(site.url("/a1"), "1"), (site.url("/gone"), "2")]),
                                     ctype="application/rss+xml")
    bad = runner.invoke(cli.app, ["watch", site.url("/feed.xml"), "--once", "--db", db])
    assert bad.exit_code == 1 and "HTTP 404" in bad.output
    usage = runner.invoke(cli.app, ["watch", "feed.xml", "--once", "--db", db])
    assert usage.exit_code == 2


# -- increments ------------------------------------------------------------------------------

def test_export_since_last_writes_each_batch_once(tmp_path, store):
    from eventwire.store.export import export_increment

    store.write([make_record(n) for n in range(3)])
    out = tmp_path / "batch.jsonl"
    first = export_increment(store, "hourly", "jsonl", out)
    assert (first.rows, first.articles) == (3, 3) and len(out.read_text().splitlines()) == 3
    again = export_increment(store, "hourly", "jsonl", out)
    assert (again.rows, again.articles) == (0, 0) and out.read_text() == ""
    store.write([make_record(8)])   # (an odd record's event is hypothetical: left out of rows)
    third = export_increment(store, "hourly", "csv", tmp_path / "events.csv")
    assert (third.rows, third.articles) == (1, 1)
    # another consumer has its own state
    assert export_increment(store, "nightly", "jsonl", tmp_path / "n.jsonl").articles == 4
    assert [c["name"] for c in state.consumers(store)] == ["hourly", "nightly"]


def test_export_since_last_does_not_advance_when_the_write_fails(tmp_path, store):
    from eventwire.store.export import export_increment

    store.write([make_record(1)])
    with pytest.raises(OSError):
        export_increment(store, "job", "jsonl", tmp_path / "missing" / "out.jsonl")
    assert export_increment(store, "job", "jsonl", tmp_path / "out.jsonl").articles == 1
    assert not (tmp_path / "out.jsonl.part").exists()


def test_cli_export_since_last(tmp_path):
    from typer.testing import CliRunner

    from eventwire import cli

    db = f"sqlite:///{tmp_path / 'e.db'}"
    with open_store(db, S) as st:
        st.write([make_record(n) for n in range(2)])
    runner = CliRunner()
    args = ["export", "--format", "jsonl", "--out", str(tmp_path / "o.jsonl"), "--db", db,
            "--since-last", "dash"]
    r = runner.invoke(cli.app, args)
    assert r.exit_code == 0 and "2 articles new to 'dash'" in " ".join(r.output.split())
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 2
    r = runner.invoke(cli.app, args)
    assert r.exit_code == 0 and "0 articles new" in " ".join(r.output.split())
    with open_store(db, S) as st:
        [dash] = state.consumers(st)
    assert (dash["name"], dash["total_articles"], dash["last_articles"]) == ("dash", 2, 0)
