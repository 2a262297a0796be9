"""Web safety: the write token guards every request that runs the pipeline, extraction
runs in worker processes where the article time limit holds, concurrent submissions give
the records sequential ones give.

The work functions below stand in for the pipeline where a test is about the web and
its workers, not about extraction (no model needed); they are importable by name, as the
worker processes need. The tests marked ``model`` run the real pipeline.
"""
from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import make_record
from eventwire.limits import ArticleTimeout, time_limit
from eventwire.records import Outcome
from eventwire.runners import article_workers
from eventwire.runners.article_workers import ArticleWorkers
from eventwire.settings import Settings
from eventwire.web import create_app

pytestmark = [pytest.mark.timeout(300)]

TOKEN = "s3cret-token"
STUCK, BUSY, KILL = "STUCK-FOREVER", "BUSY-LOOP", "KILL-THIS-WORKER"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


# --- light work functions (run in the worker processes) ----------------------------------

def record_work(chunk, settings):
    """``make_record(n)`` for an article "article n …", titled with where it ran."""
    out = []
    for raw in chunk:
        text = raw.text or ""
        if KILL in text:
            os.kill(os.getpid(), 9)
        if STUCK in text:
            time.sleep(120)  # stuck, and nothing arms a time limit around it
        n = int(re.search(r"article (\d+)", text).group(1))
        time.sleep(0.01 * (n % 4))  # uneven, so concurrent submissions finish out of order
        main = threading.current_thread() is threading.main_thread()
        out.append(make_record(n, title=f"pid {os.getpid()} main thread {main}"))
    return out


def limited_work(chunk, settings):
    """A slow stage under ``time_limit``, as the pipeline runs its stages."""
    out = []
    for raw in chunk:
        try:
            with time_limit(settings.article_timeout_s):
                deadline = time.monotonic() + 20
                while BUSY in (raw.text or "") and time.monotonic() < deadline:
                    sum(range(1000))
            out.extend(record_work([raw], settings))
        except ArticleTimeout:
            out.append(make_record(0).with_(outcome=Outcome("rejected", "timeout: analysis"),
                                            actors=(), quotes=(), events=(), dates=()))
    return out


# --- helpers --------------------------------------------------------------------------------

def app_client(tmp_path, name: str, work=record_work, warm_up=None, **settings) -> TestClient:
    s = Settings.load(env={}, db=f"sqlite:///{tmp_path / name}.db", web_write_token=TOKEN,
                      **settings)
    return TestClient(create_app(s, workers=ArticleWorkers(s, work=work, warm_up=warm_up)))


def submit(client: TestClient, text: str, **extra):
    return client.post("/submit", data={"text": text, "token": TOKEN, **extra})


def stored_records(client: TestClient) -> dict[str, dict]:
    items = client.get("/api/articles", params={"per_page": 200}).json()["items"]
    return {i["id"]: client.get(f"/api/articles/{i['id']}").json() for i in items}


def shown_id(html: str) -> str:
    return re.search(r"id <code>([0-9a-f]{16}|[^<]+)</code>", html).group(1)


# --- the token ------------------------------------------------------------------------------

def test_nothing_runs_without_the_write_token(tmp_path):
    with app_client(tmp_path, "guarded") as client:
        workers = client.app.state.workers
        for resp in (client.post("/submit", data={"text": "article 1"}),
                     client.post("/api/articles", json={"text": "article 1"})):
            assert resp.status_code == 401, resp.text
            assert resp.json()["error"]["code"] == "unauthorized"
        for resp in (client.post("/submit", data={"text": "article 1", "token": "nope"}),
                     client.post("/api/articles", json={"text": "article 1"},
                                 headers={"authorization": "Bearer nope"})):
            assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
        assert workers.running == 0  # no worker was even started
        assert client.get("/api/articles").json()["total"] == 0
        html = client.post("/submit", data={"text": "article 1"},
                           headers={"accept": "text/html"})
        assert html.status_code == 401 and "write token" in html.text


# --- workers --------------------------------------------------------------------------------

def test_extraction_runs_in_a_worker_main_thread_and_is_stored(tmp_path):
    with app_client(tmp_path, "worker") as client:
        resp = submit(client, "article 2 from the wire")
        assert resp.status_code == 200, resp.text
        assert shown_id(resp.text) == make_record(2).id and "stored" in resp.text
        rec = client.get(f"/api/articles/{make_record(2).id}").json()
        pid, main = re.match(r"pid (\d+) main thread (\w+)", rec["title"]).groups()
        assert int(pid) != os.getpid() and main == "True"
        api = client.post("/api/articles", json={"text": "article 3"},
                          headers={"authorization": f"Bearer {TOKEN}"})
        assert api.status_code == 201 and api.json()["id"] == make_record(3).id
        assert client.app.state.workers.running == 1
    assert client.app.state.workers.running == 0  # shut down with the app


def test_eight_concurrent_submissions_give_the_sequential_records(tmp_path):
    texts = [f"article {n} as submitted" for n in range(8)]
    with app_client(tmp_path, "sequential") as client:
        sequential_pages = [shown_id(submit(client, t).text) for t in texts]
        sequential = stored_records(client)
    with app_client(tmp_path, "concurrent", workers=2) as client:
        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(lambda t: submit(client, t), texts))
        assert all(r.status_code == 200 for r in responses), [r.text[:200] for r in responses]
        concurrent = stored_records(client)
    assert [shown_id(r.text) for r in responses] == sequential_pages  # each its own record
    strip = lambda recs: {k: dict(v, title=None) for k, v in recs.items()}  # noqa: E731
    assert len(concurrent) == 8 and strip(concurrent) == strip(sequential)
    assert len({v["title"].split(" main")[0] for v in concurrent.values()}) == 2  # 2 workers


def test_the_time_limit_holds_in_the_web(tmp_path):
    with app_client(tmp_path, "limited", work=limited_work, article_timeout_s=0.3) as client:
        started = time.monotonic()
        resp = client.post("/api/articles", json={"text": f"article 1 {BUSY}"},
                           headers={"authorization": f"Bearer {TOKEN}"})
        assert time.monotonic() - started < 10
        assert resp.json()["outcome"] == {"status": "rejected", "reason": "timeout: analysis"}
        assert submit(client, "article 4").status_code == 200


def test_a_stuck_extraction_is_stopped_and_its_worker_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(article_workers, "HARD_LIMIT_GRACE_S", 1.0)
    with app_client(tmp_path, "stuck", article_timeout_s=0.25) as client:
        assert submit(client, "article 5").status_code == 200  # warm: a worker is up
        started = time.monotonic()
        resp = client.post("/api/articles", json={"text": f"article 6 {STUCK}"},
                           headers={"authorization": f"Bearer {TOKEN}"})
        assert 1.4 <= time.monotonic() - started < 20
        rec = resp.json()
        assert rec["outcome"]["status"] == "rejected"
        assert rec["outcome"]["reason"].startswith("timeout: extraction took over 1.5 s")
        assert client.get(f"/api/articles/{rec['id']}").json()["outcome"] == rec["outcome"]
        assert submit(client, "article 7").status_code == 200  # a fresh worker took over


def test_a_worker_that_dies_fails_only_its_article(tmp_path):
    with app_client(tmp_path, "killed") as client:
        resp = client.post("/api/articles", json={"text": f"article 8 {KILL}"},
                           headers={"authorization": f"Bearer {TOKEN}"})
        assert resp.json()["outcome"] == {"status": "failed", "reason": "worker process died"}
        assert submit(client, "article 9").status_code == 200


# --- the real pipeline ----------------------------------------------------------------------

def _sample_forms() -> list[dict[str, str]]:
    """Form fields for the seven distinct plain-text samples, read as ``ingest`` reads
    them (headline split off), without the republished near-copy, whose link would
    depend on arrival order, and one more article."""
    from eventwire.ingest import read_paths

    paths = sorted(str(p) for p in SAMPLES.glob("*.txt") if "republished" not in p.name)
    forms = [{"text": raw.text, "title": raw.title or ""}
             for raw in read_paths(paths, Settings.load(env={}))]
    return forms + [{"text": "Kenya and Uganda agreed on Friday to reopen the border "
                             "crossing at Busia, the two governments said in a joint "
                             "statement after talks in Kampala.", "title": ""}]


@pytest.mark.model
def test_eight_concurrent_real_submissions_give_the_sequential_records(tmp_path):
    forms = _sample_forms()
    assert len(forms) == 8

    def client_for(name, workers):
        s = Settings.load(env={}, db=f"sqlite:///{tmp_path / name}.db", web_write_token=TOKEN,
                          workers=workers)
        return TestClient(create_app(s))

    with client_for("real-sequential", 1) as client:
        for form in forms:
            assert submit(client, **form, published="2021-02-05").status_code == 200
        sequential = stored_records(client)
    with client_for("real-concurrent", 2) as client:
        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(
                lambda form: submit(client, **form, published="2021-02-05"), forms))
        assert all(r.status_code == 200 for r in responses)
        concurrent = stored_records(client)
    assert len(concurrent) == 8 and concurrent == sequential
    assert all(rec["outcome"]["status"] == "ok" for rec in concurrent.values())


@pytest.mark.model
def test_a_slow_real_extraction_is_cut_off(tmp_path):
    text = (SAMPLES / "turkey_s400_wire.txt").read_text(encoding="utf-8")
    s = Settings.load(env={}, db=f"sqlite:///{tmp_path / 'slow.db'}", web_write_token=TOKEN,
                      article_timeout_s=0.001)
    with TestClient(create_app(s)) as client:
        resp = client.post("/api/articles", json={"text": text},
                           headers={"authorization": f"Bearer {TOKEN}"})
        assert resp.status_code == 201
        outcome = resp.json()["outcome"]
        assert outcome["status"] == "rejected" and outcome["reason"].startswith("timeout: ")
        assert "EVENTWIRE_ARTICLE_TIMEOUT_S" in outcome["reason"]
