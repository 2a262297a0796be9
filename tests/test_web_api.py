"""Web UI and REST API through Starlette's TestClient, over throwaway SQLite stores.

Records are hand-built (conftest.make_record), so everything here but the two write-path
tests marked ``model`` runs without spaCy.
"""
from __future__ import annotations

import csv
import io
import os
import re
import time
import uuid

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from conftest import make_record, make_rejected
from eventwire.records import Actor, ArticleRecord, Cue, Quote, Speaker, content_id
from eventwire.settings import Settings
from eventwire.store import StoreError, open_store
from eventwire.store.table_files import table_schema
from eventwire.web import create_app
from eventwire.web.charts import bar_chart_svg, continuous_months
from eventwire.web.highlight import MarkSpan, highlight
from eventwire.web.queries import actor_key, parse_actor_key, slugify

TOKEN = "correct horse battery staple"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


def xss_record() -> ArticleRecord:
    body = (f"Officials said {XSS_SCRIPT} was found. \"Trust {XSS_IMG} us,\" "
            "the minister Mal Icious said on Friday.")
    q_text = f"Trust {XSS_IMG} us"
    qs = body.index(q_text)
    sp = body.index("Mal Icious")
    cue = body.index("said on Friday")
    actor = Actor("a1", f"Mal Icious {XSS_SCRIPT}", "person", "FRA", ("GOV",), XSS_IMG,
                  ((sp, sp + len("Mal Icious")),))
    quote = Quote("direct", q_text, (qs, qs + len(q_text)),
                  Speaker("a1", actor.name, (sp, sp + len("Mal Icious"))),
                  Cue("said", (cue, cue + 4)), 0.9)
    return ArticleRecord(id=content_id(body), source="xss.txt", text=body,
                         title=f"Headline {XSS_SCRIPT}", actors=(actor,), quotes=(quote,))


def build_store(path, records) -> str:
    url = f"sqlite:///{path}"
    store = open_store(url, Settings.load(env={}))
    store.write(records)
    store.close()
    return url


@pytest.fixture
def small_db(tmp_path) -> str:
    records = [make_record(i) for i in range(6)] + [make_rejected(1, "not English"),
                                                    xss_record()]
    return build_store(tmp_path / "small.db", records)


def client_for(db: str, **settings) -> TestClient:
    return TestClient(create_app(Settings.load(env={}, db=db, **settings)))


@pytest.fixture
def client(small_db):
    with client_for(small_db, web_write_token=TOKEN) as c:
        yield c


@pytest.fixture
def readonly(small_db):
    with client_for(small_db) as c:
        yield c


def first_ok_id(client: TestClient) -> str:
    items = client.get("/api/articles", params={"outcome": "ok", "q": "forever"}).json()["items"]
    return items[0]["id"]


def assert_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body


# ---------------------------------------------------------------- every page

def test_every_page_and_json_twin_answers(client):
    aid = first_ok_id(client)
    html_pages = ["/", "/articles", "/articles?q=forever", f"/articles/{aid}",
                  "/actors/ali-veli--TUR", "/events", "/dyad", "/dyad?a=TUR&b=GRC", "/submit",
                  "/docs"]
    for url in html_pages:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.text[:300])
        assert resp.headers["content-type"].startswith("text/html")
    for url in ["/api/articles", f"/api/articles/{aid}", "/api/actors/ali-veli--TUR",
                "/api/events", "/api/dyad?a=TUR&b=GRC", "/openapi.json"]:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.text[:300])
        assert resp.headers["content-type"].startswith("application/json")
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/articles", "/api/articles/{article_id}", "/api/actors/{key}", "/api/events",
            "/api/dyad", "/events.csv", "/events.parquet"} <= set(paths)


def test_article_record_json_is_the_stored_record(client):
    rec = make_record(3)
    got = client.get(f"/api/articles/{rec.id}").json()
    assert got == rec.to_dict()


def test_article_page_highlights_quote_speaker_and_links_actors(client):
    rec = make_record(0)
    html = client.get(f"/articles/{rec.id}").text
    assert '<mark class="quote q-0"' in html and "We will not wait forever</mark>" in html
    assert re.search(r'<mark class="speaker q-0"[^>]*><mark class="actor"[^>]*>Ali Veli</mark>', html)
    assert 'href="/actors/ali-veli--TUR"' in html
    assert "CONSULT" in html and "reported by Turkey" in html


def test_rejected_article_shows_reason(client):
    rej = make_rejected(1, "not English")
    html = client.get(f"/articles/{rej.id}").text
    assert "not English" in html and "rejected" in html


def test_actor_page_lists_quotes_events_and_timeline(client):
    data = client.get("/api/actors/turkey--TUR").json()
    assert data["name"] == "Turkey" and data["country"] == "TUR" and data["sectors"] == ["GOV"]
    # records 0 and 4 have Turkey as event source
    assert len(data["events_as_source"]) == 2 and data["events_as_target"] == []
    speaker = client.get("/api/actors/ali-veli--TUR").json()
    assert speaker["roles"] == ["spokesman"]
    assert [q["text"] for q in speaker["quotes"]] == ["We will not wait forever"] * 2
    assert sum(m["quotes"] for m in speaker["timeline"]) == 2
    html = client.get("/actors/ali-veli--TUR").text
    assert "We will not wait forever" in html and "<svg" in html


def test_actor_quotes_filter_by_kind(client):
    assert len(client.get("/api/actors/ali-veli--TUR?kind=direct").json()["quotes"]) == 2
    assert client.get("/api/actors/ali-veli--TUR?kind=belief").json()["quotes"] == []
    html = client.get("/actors/ali-veli--TUR?kind=belief").text
    assert "We will not wait forever" not in html and "?kind=evidence" in html
    assert_error(client.get("/api/actors/ali-veli--TUR?kind=rumour"), 422, "invalid_request")


# ---------------------------------------------------------------- errors

def test_not_found_has_the_error_shape(client):
    assert_error(client.get("/api/articles/0000000000000000"), 404, "not_found")
    assert_error(client.get("/articles/0000000000000000"), 404, "not_found")
    assert_error(client.get("/api/actors/nobody--XXX"), 404, "not_found")
    assert_error(client.get("/no/such/page"), 404, "not_found")
    page = client.get("/articles/0000000000000000", headers={"accept": "text/html"})
    assert page.status_code == 404 and "not found" in page.text and "<html" in page.text


def test_bad_parameters_are_422_in_the_error_shape(client):
    assert_error(client.get("/api/articles", params={"per_page": 500}), 422, "invalid_request")
    assert_error(client.get("/api/articles", params={"since": "yesterday"}), 422)
    assert_error(client.get("/api/articles", params={"outcome": "maybe"}), 422)
    assert_error(client.get("/api/events", params={"quad_class": "7"}), 422)
    assert_error(client.get("/api/dyad", params={"a": "TUR"}), 422)
    assert_error(client.get("/api/dyad", params={"a": "T1R", "b": "GRC"}), 422)
    assert_error(client.post("/api/articles", content=b"{not json",
                             headers={"authorization": f"Bearer {TOKEN}",
                                      "content-type": "application/json"}), 422)


def test_blank_form_fields_are_no_filter(client):
    resp = client.get("/api/articles", params={"q": "", "since": "", "until": "",
                                               "country": "", "outcome": ""})
    assert resp.status_code == 200 and resp.json()["total"] == 8


def test_security_headers(client):
    resp = client.get("/articles")
    assert resp.headers["content-security-policy"].startswith("default-src 'self'")
    assert resp.headers["x-content-type-options"] == "nosniff"


# ---------------------------------------------------------------- filters and pages

def test_article_filters_and_pagination(client):
    everything = client.get("/api/articles", params={"per_page": 200}).json()
    assert everything["total"] == 8 and len(everything["items"]) == 8
    assert all("record_json" not in i and "text" not in i for i in everything["items"])
    p1 = client.get("/api/articles", params={"per_page": 3}).json()
    p3 = client.get("/api/articles", params={"per_page": 3, "page": 3}).json()
    assert p1["pages"] == 3 and p1["next"].endswith("page=2") and p1["prev"] is None
    assert len(p3["items"]) == 2 and p3["next"] is None
    seen = {i["id"] for p in (1, 2, 3)
            for i in client.get("/api/articles", params={"per_page": 3, "page": p}).json()["items"]}
    assert len(seen) == 8
    assert client.get("/api/articles", params={"outcome": "rejected"}).json()["total"] == 1
    # dyads cycle TUR/GRC, USA/CHN, FRA/DEU, IND/PAK: GRC is in records 0 and 4
    grc = client.get("/api/articles", params={"country": "grc"}).json()
    assert {i["id"] for i in grc["items"]} == {make_record(0).id, make_record(4).id}
    dated = client.get("/api/articles", params={"since": "2021-02-02", "until": "2021-02-04"}).json()
    assert sorted(i["published"] for i in dated["items"]) == ["2021-02-02", "2021-02-03",
                                                              "2021-02-04"]


def test_full_text_search_with_filters(client):
    hits = client.get("/api/articles", params={"q": "forever"}).json()
    assert hits["total"] == 6 and all(i["snippet"] for i in hits["items"])
    # USA is a side only in records 1 and 5, whose events are hypothetical (flagged)
    both = client.get("/api/articles", params={"q": "forever", "country": "USA",
                                               "include_flagged": "true"}).json()
    assert {i["id"] for i in both["items"]} == {make_record(1).id, make_record(5).id}
    assert client.get("/api/articles", params={"q": "forever", "country": "USA"}
                      ).json()["total"] == 0
    assert client.get("/api/articles", params={"q": "zzzunfindable"}).json()["total"] == 0
    html = client.get("/articles", params={"q": "forever"}).text
    assert "presses" in html


def test_event_filters_and_pagination(client):
    # Records 1, 3 and 5 have hypothetical events: left out unless include_flagged.
    allev = client.get("/api/events").json()
    assert allev["total"] == 3 and not any(e["flagged"] for e in allev["items"])
    flagged = {"include_flagged": "true"}
    everything = client.get("/api/events", params=flagged).json()
    assert everything["total"] == 6 and sum(e["flagged"] for e in everything["items"]) == 3
    consult = client.get("/api/events", params={"plover": "consult", **flagged}).json()
    assert consult["total"] == 2 and {e["plover"] for e in consult["items"]} == {"CONSULT"}
    src = client.get("/api/events", params={"source_country": "USA", **flagged}).json()
    assert src["total"] == 2 and all(e["target_country"] == "CHN" for e in src["items"])
    assert client.get("/api/events", params={"target_country": "USA"}).json()["total"] == 0
    assert client.get("/api/events", params={"quad_class": 2, **flagged}).json()["total"] == 6
    assert client.get("/api/events", params={"quad_class": 4}).json()["total"] == 0
    either = client.get("/api/events", params={"country": "grc"}).json()
    assert {(e["source_country"], e["target_country"]) for e in either["items"]} == {("TUR", "GRC")}
    by_actor = client.get("/api/events", params={"actor": "united STATES", **flagged}).json()
    assert by_actor["total"] == 2
    # since/until: the article's publication date; event_since/event_until: the event's own
    # (a day before publication in these records).
    published = client.get("/api/events", params={"since": "2021-02-01", "until": "2021-02-02",
                                                  **flagged}).json()
    assert {e["published"] for e in published["items"]} == {"2021-02-01", "2021-02-02"}
    own = client.get("/api/events", params={"event_since": "2021-02-01",
                                            "event_until": "2021-02-02", **flagged}).json()
    assert {e["date_value"] for e in own["items"]} == {"2021-02-01", "2021-02-02"}
    assert {e["published"] for e in own["items"]} == {"2021-02-02", "2021-02-03"}
    p2 = client.get("/api/events", params={"per_page": 4, "page": 2, **flagged}).json()
    assert len(p2["items"]) == 2
    assert src["items"][0]["source_sectors"] == ["GOV"]
    assert_error(client.get("/api/events", params={"event_since": "soon"}), 422)
    assert_error(client.get("/api/events", params={"include_flagged": "perhaps"}), 422)


def test_events_page_shows_flags_only_when_asked(client):
    plain = client.get("/events").text
    assert "<th>Flag</th>" not in plain and "are left out" in plain
    shown = client.get("/events", params={"include_flagged": "true"}).text
    assert "<th>Flag</th>" in shown and '<td class="flag">hypothetical</td>' in shown
    assert 'name="event_since"' in shown and "Published since" in shown


def test_csv_and_parquet_downloads_parse_back(client):
    params = {"source_country": "TUR"}
    expected = client.get("/api/events", params=params).json()["total"]
    csv_resp = client.get("/events.csv", params=params)
    assert csv_resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_resp.text)))
    assert len(rows) == expected == 2
    names = table_schema("events").names  # the columns of `eventwire export`
    assert list(rows[0]) == names
    assert {r["source_country"] for r in rows} == {"TUR"}
    assert sorted(r["plover"] for r in rows) == ["ACCUSE", "CONSULT"]  # records 0 and 4
    pq_resp = client.get("/events.parquet", params=params)
    table = pq.read_table(io.BytesIO(pq_resp.content))
    assert table.num_rows == 2 and table.schema.names == names
    assert sorted(table.column("goldstein").to_pylist()) == [-2.0, 1.0]
    assert set(table.column("target_country").to_pylist()) == {"GRC"}
    everything = pq.read_table(io.BytesIO(client.get("/events.parquet").content))
    assert everything.num_rows == 3 and not any(everything.column("flagged").to_pylist())
    flagged = pq.read_table(io.BytesIO(client.get("/events.parquet",
                                                  params={"include_flagged": "true"}).content))
    assert flagged.num_rows == 6 and sum(flagged.column("flagged").to_pylist()) == 3
    html = client.get("/events", params={"plover": "ACCUSE"}).text
    assert 'href="/events.csv?plover=ACCUSE"' in html


def test_dyad_series_both_directions(client):
    d = client.get("/api/dyad", params={"a": "GRC", "b": "TUR"}).json()
    assert d["totals"]["b_to_a"]["count"] == 2 and d["totals"]["a_to_b"]["count"] == 0
    assert d["totals"]["both"]["goldstein_sum"] == -1.0
    assert d["totals"]["both"]["goldstein_mean"] == -0.5
    months = [r["month"] for r in d["series"]]
    assert months == sorted(months) and set(months) <= {"2021-01", "2021-02"}
    html = client.get("/dyad", params={"a": "TUR", "b": "GRC"}).text
    assert "<svg" in html and 'data-value="1"' in html


# ---------------------------------------------------------------- XSS

def test_article_text_with_markup_renders_inert(client):
    rec = xss_record()
    for url in (f"/articles/{rec.id}", "/articles", "/articles?q=trust",
                "/actors/" + actor_key(rec.actors[0].name, "FRA")):
        html = client.get(url).text
        assert XSS_SCRIPT not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;img" in html, url
    page = client.get(f"/articles/{rec.id}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert re.search(r'<mark class="quote q-0"[^>]*>Trust &lt;img', page)


# ---------------------------------------------------------------- writes

def test_write_needs_the_bearer_token(client):
    body = {"text": "Turkey said on Monday it would talk to Greece about the islands."}
    resp = client.post("/api/articles", json=body)
    assert_error(resp, 401, "unauthorized")
    assert resp.headers["www-authenticate"] == "Bearer"
    assert_error(client.post("/api/articles", json=body,
                             headers={"authorization": "Bearer wrong"}), 403, "forbidden")
    assert_error(client.post("/api/articles", json=body,
                             headers={"authorization": f"Basic {TOKEN}"}), 401)
    assert_error(client.post("/api/articles", json={"text": "a", "html": "<p>b</p>"},
                             headers={"authorization": f"Bearer {TOKEN}"}), 422)


def test_read_only_server_refuses_writes(readonly):
    body = {"text": "Turkey said on Monday it would talk to Greece about the islands."}
    assert_error(readonly.post("/api/articles", json=body,
                               headers={"authorization": f"Bearer {TOKEN}"}), 403, "read_only")
    assert_error(readonly.post("/api/articles", json=body), 403, "read_only")
    resp = readonly.post("/submit", data={"text": "x y z", "token": TOKEN},
                         headers={"accept": "text/html"})
    assert resp.status_code == 403 and "read-only" in resp.text


def test_submit_form_needs_the_token(client):
    resp = client.post("/submit", data={"text": "Some words here."})
    assert_error(resp, 401, "unauthorized")
    assert resp.headers["www-authenticate"] == "Bearer"
    assert_error(client.post("/submit", data={"text": "Some words here.", "token": "nope"}),
                 403, "forbidden")
    assert_error(client.post("/submit", data={"text": "Some words here."},
                             headers={"authorization": "Bearer nope"}), 403, "forbidden")
    assert_error(client.post("/submit", data={"text": "   ", "token": TOKEN}), 422)
    form = client.get("/submit").text
    assert "write token" in form and 'name="token"' in form


@pytest.mark.model
def test_write_with_token_stores_the_extracted_record(client):
    text = ("Greek Foreign Minister Nikos Dendias met his Turkish counterpart in Ankara on "
            "Monday. \"We want calm waters,\" Dendias told reporters after the talks.")
    resp = client.post("/api/articles", json={"text": text, "published": "2021-04-15"},
                       headers={"authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 201, resp.text
    rec = resp.json()
    assert rec["text"] == text and rec["published"] == "2021-04-15"
    assert resp.headers["location"] == f"/api/articles/{rec['id']}"
    assert client.get(f"/api/articles/{rec['id']}").json() == rec


@pytest.mark.model
def test_submit_form_stores_and_shows_the_record(client):
    text = "Japan pledged on Tuesday to send aid to Tonga after the eruption, officials said."
    resp = client.post("/submit", data={"text": text, "published": "2022-01-18",
                                        "token": TOKEN}, files={"file": ("", b"")})
    assert resp.status_code == 200, resp.text
    assert "stored" in resp.text and "Tonga" in resp.text
    assert client.get("/api/articles", params={"q": "Tonga"}).json()["total"] == 1


def test_read_only_submit_form_says_so(readonly):
    form = readonly.get("/submit").text
    assert "read-only" in form and 'name="text"' not in form


def test_body_limit_is_413(small_db):
    with client_for(small_db, web_write_token=TOKEN, web_max_body_bytes=1_000) as c:
        big = {"text": "word " * 1_000}
        assert_error(c.post("/api/articles", json=big,
                            headers={"authorization": f"Bearer {TOKEN}"}), 413,
                     "payload_too_large")

        def chunks():  # no Content-Length: the streamed count must catch it
            for _ in range(10):
                yield b"x" * 500

        resp = c.post("/api/articles", content=chunks(),
                      headers={"authorization": f"Bearer {TOKEN}",
                               "content-type": "application/json"})
        assert_error(resp, 413, "payload_too_large")
        assert_error(c.post("/submit", files={"file": ("a.txt", b"y" * 5_000)}), 413)


def test_bad_store_url_raises_store_error(tmp_path):
    with pytest.raises(StoreError):
        create_app(Settings.load(env={}, db=f"sqlite:///{tmp_path}/missing/dir/x.db"))


def test_empty_store_serves(tmp_path):
    with client_for(f"sqlite:///{tmp_path}/fresh.db") as c:
        assert c.get("/articles").status_code == 200
        assert c.get("/api/articles").json()["total"] == 0
        assert c.get("/dyad?a=USA&b=TUR").status_code == 200


# ---------------------------------------------------------------- pure helpers

def test_highlight_nests_overlapping_spans_and_escapes():
    text = "ab<c>de&f"
    spans = [MarkSpan(0, 5, "x", "X", 0), MarkSpan(3, 8, "y", "Y", 1),
             MarkSpan(1, 2, "z", 'q"t', 2), MarkSpan(8, 20, "w", "W", 0),
             MarkSpan(4, 4, "empty", "E", 0)]
    out = str(highlight(text, spans))
    assert re.sub(r"<[^>]+>", "", out) == "ab&lt;c&gt;de&amp;f"
    depth = 0
    for tag in re.findall(r"</?mark", out):
        depth += -1 if tag.startswith("</") else 1
        assert depth >= 0
    assert depth == 0
    assert 'title="q&#34;t"' in out
    assert out.count('class="y"') == 2  # cut by the end of x, reopened after it
    assert 'class="empty"' not in out


def test_split_quote_marks_its_parts_not_the_attribution_between():
    from eventwire.records import ArticleRecord, Cue, Outcome, Quote, Speaker
    from eventwire.web.highlight import record_spans

    text = '"We stay," Kalin said. "We will not leave."'
    a, b = (0, text.index(" Kalin")), (text.index('"We will'), len(text))
    q = Quote("direct", text, (0, len(text)), Speaker(None, "Kalin", (11, 16)),
              Cue("said", (17, 21)), 0.9, (a, b))
    rec = ArticleRecord(id="x", source="t", text=text, outcome=Outcome("ok"), quotes=(q,))
    marked = [(s.start, s.end) for s in record_spans(rec) if s.css.startswith("quote")]
    assert marked == [a, b]


def test_quoted_words_leave_out_a_split_quotes_attribution():
    from eventwire.web.highlight import quoted_words

    article = 'X. "We stay," Kalin said. "We go."'
    start = article.index('"We stay')
    content = article[start:]
    parts = [(start, start + 10), (article.index('"We go'), len(article))]
    assert quoted_words(content, start, parts) == '"We stay," … "We go."'
    assert quoted_words(content, start, [(start, len(article))]) == content
    assert quoted_words(content, start, []) == content


def test_actor_keys_round_trip():
    assert actor_key("Ibrahim Kalin", "TUR") == "ibrahim-kalin--TUR"
    assert slugify("İbrahim Kalın") == "ibrahim-kalin"
    assert parse_actor_key("ibrahim-kalin--TUR") == ("ibrahim-kalin", "TUR")
    assert parse_actor_key(actor_key("Hamas", None)) == ("hamas", None)
    assert actor_key("!!!", None) == "unnamed"


def test_chart_helpers():
    assert continuous_months(["2021-11", "2022-02", "junk"]) == ["2021-11", "2021-12",
                                                                 "2022-01", "2022-02"]
    svg = str(bar_chart_svg(["2021-01", "2021-02"], [("A<B", [3.0, -2.0])], "t", "y"))
    assert svg.count("<rect class=\"bar s0\"") == 3  # two bars and the legend swatch
    assert "A&lt;B" in svg and "A<B" not in svg


# ---------------------------------------------------------------- speed

@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("big") / "big.db"
    return build_store(path, (make_record(i, filler_words=30) for i in range(1_000)))


def test_thousand_article_list_is_fast(big_db):
    with client_for(big_db) as c:
        assert c.get("/api/articles").json()["total"] == 1_000
        timings = {}
        for url in ("/articles", "/api/articles", "/articles?page=10&per_page=100",
                    "/articles?q=forever", "/events", "/api/events?plover=CONSULT"):
            c.get(url)  # warm
            start = time.perf_counter()
            for _ in range(3):
                assert c.get(url).status_code == 200
            timings[url] = (time.perf_counter() - start) / 3
        print("web list timings (s):", {k: round(v, 4) for k, v in timings.items()})
        assert timings["/articles"] < 1.0 and timings["/api/articles"] < 1.0
        assert max(timings.values()) < 1.0


# ---------------------------------------------------------------- PostgreSQL

PG_URL = os.environ.get("EVENTWIRE_TEST_PG_URL")


@pytest.fixture
def pg_db():
    """A fresh schema on the test server (``bash .ci/postgres.sh start``), dropped after."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = f"ew_web_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    store = open_store(url, Settings.load(env={}))
    store.write([make_record(i) for i in range(6)] + [make_rejected(1), xss_record()])
    store.close()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="EVENTWIRE_TEST_PG_URL is not set "
                                       "(start a server: bash .ci/postgres.sh start)")
def test_pages_and_queries_on_postgresql(pg_db):
    with client_for(pg_db) as c:
        assert c.get("/api/articles").json()["total"] == 8
        assert c.get("/api/articles", params={"country": "GRC"}).json()["total"] == 2
        flagged = {"include_flagged": "true"}
        assert c.get("/api/articles", params={"q": "forever", "country": "USA",
                                              **flagged}).json()["total"] == 2
        assert c.get("/api/events", params={"plover": "CONSULT"}).json()["total"] == 1
        assert c.get("/api/events", params={"plover": "CONSULT", **flagged}).json()["total"] == 2
        window = c.get("/api/events", params={"event_since": "2021-02-01",
                                              "event_until": "2021-02-02", **flagged}).json()
        assert {e["date_value"] for e in window["items"]} == {"2021-02-01", "2021-02-02"}
        d = c.get("/api/dyad", params={"a": "GRC", "b": "TUR"}).json()
        assert d["totals"]["b_to_a"] == {"count": 2, "goldstein_sum": -1.0, "goldstein_mean": -0.5}
        actor = c.get("/api/actors/ali-veli--TUR").json()
        assert len(actor["quotes"]) == 2 and sum(m["quotes"] for m in actor["timeline"]) == 2
        assert len(c.get("/api/actors/turkey--TUR").json()["events_as_source"]) == 2
        table = pq.read_table(io.BytesIO(c.get("/events.parquet", params=flagged).content))
        assert table.num_rows == 6 and sum(table.column("flagged").to_pylist()) == 3
        for url in ("/articles", f"/articles/{make_record(0).id}", "/events", "/dyad",
                    "/dyad?a=TUR&b=GRC", "/actors/ali-veli--TUR", "/articles?q=forever"):
            assert c.get(url).status_code == 200, url


def test_article_list_and_page_show_the_headline_of_a_plain_text_scrape(tmp_path):
    """A scraped .txt (chrome, headline, byline, date, datelined body) is listed under its
    headline, not its file path; its page shows the author and the dateline's place."""
    from eventwire.clean import clean_article
    from eventwire.ingest import read_paths

    f = tmp_path / "scrape.txt"
    f.write_text("Skip to main content\nReuters\n\nTurkey rejects U.S. demand on missiles\n\n"
                 "By Ali Veli\nPublished: 5 February 2021\n\nANKARA (Reuters) - Turkey will "
                 "not give up the missiles it bought in 2019, a spokesman said on Wednesday.\n")
    [raw] = read_paths([str(f)], Settings.load(env={}))
    c = clean_article(raw, Settings.load(env={}))
    rec = ArticleRecord(id=c.id, source=c.source, text=c.text, title=c.title, author=c.author,
                        published=c.published, dateline=c.dateline)
    client = TestClient(create_app(Settings.load(env={}, db=build_store(tmp_path / "w.db", [rec]))))
    listing = client.get("/articles").text
    assert ">Turkey rejects U.S. demand on missiles</a>" in listing and "scrape.txt</a>" not in listing
    page = client.get(f"/articles/{rec.id}").text
    assert "by Ali Veli" in page and "filed in Ankara" in page
    assert client.get(f"/api/articles/{rec.id}").json()["author"] == "Ali Veli"
