"""The web UI in a real headless Chromium (Playwright) against uvicorn on loopback.

The store is made from the bundled samples through the real pipeline (so this also
needs the spaCy model), plus one hand-built record carrying script/img markup to prove it
renders inert in a browser. Set ``EVENTWIRE_UPDATE_SCREENSHOT=1`` to refresh
``docs/screenshot-article.png``. CI installs Chromium with ``.ci/browser.sh``.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import make_record
from eventwire.ingest import raw_from_string
from eventwire.records import ArticleRecord, content_id
from eventwire.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
# Plain-text samples carry no date; these come from samples/README.md.
SAMPLE_DATES = {"turkey_s400_wire.txt": "2021-02-05", "turkey_s400_wire_republished.txt": "2021-02-05",
                "eu_belarus_sanctions.txt": "2021-02-22", "sudan_ceasefire_talks.txt": "2023-05-16",
                "kyrgyzstan_protests.txt": "2020-10-05",
                "russia_journalist_arrest.txt": "2020-07-10",
                "japan_aid_pledge.txt": "2021-08-21",
                "germany_lithuania_deployment.txt": "2023-02-13"}
TIMEOUT_MS = 15_000

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - CI installs it with the dev extra
    sync_playwright = None

pytestmark = [
    pytest.mark.browser, pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian Chromium at /usr/bin/chromium (run .ci/browser.sh)"),
    pytest.mark.skipif(sync_playwright is None,
                       reason="needs the playwright package (pip install 'eventwire[dev]')"),
]

XSS_BODY = ("Officials said <script>alert(1)</script> was found in the file, and "
            "<img src=x onerror=alert(1)> in the annex, the ministry said on Friday.")


def xss_record() -> ArticleRecord:
    return ArticleRecord(id=content_id(XSS_BODY), source="xss.txt", text=XSS_BODY,
                         title="Injected <script>alert(2)</script> headline")


def _wire_first(path: Path) -> tuple[bool, str]:
    return path.name != "turkey_s400_wire.txt", path.name


def build_store(url: str) -> None:
    from eventwire.pipeline import process
    from eventwire.store import open_store

    settings = Settings.load(env={}, db=url)
    raws = [raw_from_string(p.read_text(encoding="utf-8"), published=SAMPLE_DATES.get(p.name),
                            source=str(p.relative_to(REPO)))
            for p in sorted(SAMPLES.glob("*"), key=_wire_first) if p.suffix in (".txt", ".html")]
    store = open_store(url, settings)
    # one hand-built record with a coded event, so the event and dyad pages have rows
    # whatever the event coder finds in the samples
    records = list(process(raws, settings))
    # within one write batch the store makes the smaller id canonical; writing the wire
    # story alone first makes it the original and the republished text its copy
    store.write(records[:1])
    store.write(records[1:] + [make_record(0), xss_record()])
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(url: str):
    import uvicorn

    from eventwire.web import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings.load(env={}, db=url)),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'samples.db'}"
    build_store(url)
    with running_server(url) as base:
        yield base


@pytest.fixture
def browser_page(base_url):
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, timeout=30_000,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            seen = SimpleNamespace(page=page, dialogs=[], console_errors=[])
            page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
            page.on("console",
                    lambda m: m.type == "error" and seen.console_errors.append(m.text))
            yield seen
        finally:
            browser.close()


def test_search_article_highlights_and_actor_link(browser_page, base_url, tmp_path):
    seen = browser_page
    page = seen.page
    page.goto(base_url + "/articles")
    page.fill("header input[name=q]", "S-400 missiles")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/articles?q=*")
    link = page.locator("a.article-link", has_text="Turkey rejects").first
    link.wait_for(state="visible")
    link.click()
    page.wait_for_url("**/articles/*")

    quote = page.locator("#article-text mark.quote").first
    quote.wait_for(state="visible")
    assert quote.inner_text().strip()
    speaker = page.locator("#article-text mark.speaker").first
    assert speaker.is_visible()
    kalin = page.locator("ol.quotes a.speaker-link", has_text="Kalin").first
    assert kalin.is_visible()
    shot = tmp_path / "article.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("EVENTWIRE_UPDATE_SCREENSHOT") == "1":
        (REPO / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, REPO / "docs" / "screenshot-article.png")

    kalin.click()
    page.wait_for_url("**/actors/*")
    assert "Kalin" in page.locator("h1.actor-name").inner_text()
    assert page.locator("ol.quotes li").count() >= 1
    page.screenshot(path=str(tmp_path / "actor.png"))
    assert seen.dialogs == [] and seen.console_errors == []


def test_events_and_dyad_pages_render(browser_page, base_url):
    seen = browser_page
    page = seen.page
    page.goto(base_url + "/events")
    assert page.locator("table.events tbody tr").count() >= 1
    assert page.locator("a", has_text="Parquet").get_attribute("href").startswith("/events.parquet")
    page.goto(base_url + "/dyad")
    pair = page.locator("ul.dyads a").first
    if pair.count():
        pair.click()
        page.wait_for_url("**/dyad?a=*")
        page.locator("svg.chart rect.bar").first.wait_for(state="visible")
    assert seen.console_errors == []


def test_injected_markup_stays_inert_in_the_browser(browser_page, base_url):
    seen = browser_page
    page = seen.page
    rec = xss_record()
    page.goto(f"{base_url}/articles/{rec.id}")
    page.locator("#article-text").wait_for(state="visible")
    assert "<script>alert(1)</script>" in page.locator("#article-text").inner_text()
    assert "<img src=x onerror=alert(1)>" in page.locator("#article-text").inner_text()
    assert page.locator("#article-text img").count() == 0
    assert page.locator("#article-text script").count() == 0
    assert "<script>alert(2)</script>" in page.locator("h1").inner_text()
    page.goto(base_url + "/articles?q=annex")
    page.wait_for_timeout(300)
    assert seen.dialogs == []
