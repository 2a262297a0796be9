"""Process-pool runner: input order, bounded streaming, crashes, Ctrl-C, model parity."""
from __future__ import annotations

import faulthandler
import os
import signal
import time

import psutil
import pytest

from eventwire.records import ArticleRecord, Outcome, RawArticle
from eventwire.runners import run_records
from eventwire.runners.pool import WORKER_DIED, WorkerStartError, pipeline_work, run_pool
from eventwire.settings import Settings

KILL = "KILL-THIS-WORKER"
EXPLODE = "EXPLODE"
POISON = "POISON-PILL"


# --- light work functions (importable by name in the workers; no model needed) ----------

def echo_work(chunk, settings):
    """One record per article: text upper-cased, worker pid in ``title``."""
    out = []
    for raw in chunk:
        if KILL in (raw.text or ""):
            os.kill(os.getpid(), signal.SIGKILL)
        if EXPLODE in (raw.text or ""):
            raise ValueError("setup is broken")
        # Uneven work so chunks finish out of order.
        time.sleep(0.002 * (hash(raw.source) % 5))
        out.append(ArticleRecord(id=raw.source, source=raw.source, text=(raw.text or "").upper(),
                                 title=f"pid:{os.getpid()}"))
    return out


def die_on_start(settings):
    os._exit(3)


def slow_work(chunk, settings):
    time.sleep(0.2)
    return echo_work(chunk, settings)


def poison_work(chunk, settings):
    """The real pipeline, with the dates stage raising on a poison article."""
    import eventwire.pipeline as pipeline

    if not getattr(pipeline, "_poisoned", False):
        real = pipeline.resolve_dates

        def resolve_dates(doc, article):
            if POISON in article.text:
                raise RuntimeError("poisoned article")
            return real(doc, article)

        pipeline.resolve_dates = resolve_dates
        pipeline._poisoned = True
    return pipeline_work(chunk, settings)


def raws(n, marker_at=None, marker=KILL):
    for i in range(n):
        text = f"article number {i} " + (marker if i == marker_at else "")
        yield RawArticle(source=f"s{i:04d}", text=text)


def _pids(records):
    return {int(r.title.split(":")[1]) for r in records if r.title and r.title.startswith("pid:")}


def _all_dead(pids, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(autouse=True)
def hang_guard():
    """Fail loudly (traceback + exit) rather than hang the suite if a pool never returns."""
    faulthandler.dump_traceback_later(120, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


SETTINGS = Settings(workers=2, batch_size=3)


def test_records_come_back_in_input_order():
    out = list(run_pool(raws(40), SETTINGS, work=echo_work, warm_up=None))
    assert [r.source for r in out] == [f"s{i:04d}" for i in range(40)]
    assert out[7].text == "ARTICLE NUMBER 7 "
    assert len(_pids(out)) == 2  # both workers did work


def test_input_is_streamed_with_bounded_in_flight_work():
    consumed = 0

    def counting():
        nonlocal consumed
        for raw in raws(10_000):
            consumed += 1
            yield raw

    gen = run_pool(counting(), SETTINGS, work=echo_work, warm_up=None)
    first = next(gen)
    assert first.source == "s0000"
    # 2 × workers chunks of 3 in flight, plus the chunk being formed.
    assert consumed <= (2 * 2 + 1) * 3
    gen.close()


def test_worker_crash_fails_only_that_article_and_the_run_goes_on():
    out = list(run_pool(raws(20, marker_at=8), SETTINGS, work=echo_work, warm_up=None))
    assert [r.source for r in out] == [f"s{i:04d}" for i in range(20)]
    failed = [r for r in out if r.outcome.status == "failed"]
    assert [r.source for r in failed] == ["s0008"]
    assert failed[0].outcome == Outcome("failed", WORKER_DIED)
    assert all(r.ok for r in out if r.source != "s0008")


def test_workers_that_cannot_start_raise_instead_of_failing_every_article():
    start = time.monotonic()
    with pytest.raises(WorkerStartError, match="die as soon as they start"):
        list(run_pool(raws(50), SETTINGS, work=echo_work, warm_up=die_on_start))
    assert time.monotonic() - start < 60


def test_exception_in_work_function_is_reraised_and_workers_stop():
    seen = []
    with pytest.raises(ValueError, match="setup is broken"):
        for rec in run_pool(raws(30, marker_at=12, marker=EXPLODE), SETTINGS, work=echo_work,
                            warm_up=None):
            seen.append(rec)
    assert [r.source for r in seen] == [f"s{i:04d}" for i in range(12)]  # chunks before 12-14
    assert _all_dead(_pids(seen))


def test_keyboard_interrupt_in_input_stops_workers_without_hanging():
    def interrupted():
        yield from raws(12)
        raise KeyboardInterrupt

    got = []
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        for rec in run_pool(interrupted(), SETTINGS, work=slow_work, warm_up=None):
            got.append(rec)
    assert time.monotonic() - start < 30
    # What was yielded before the interrupt is kept, in order.
    assert [r.source for r in got] == [f"s{i:04d}" for i in range(len(got))]
    assert _all_dead(_pids(got))


def test_keyboard_interrupt_in_consumer_stops_workers():
    got = []
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        for rec in run_pool(raws(300), SETTINGS, work=slow_work, warm_up=None):
            got.append(rec)
            if len(got) == 4:
                raise KeyboardInterrupt
    assert time.monotonic() - start < 30
    assert _all_dead(_pids(got))


def test_spawn_start_method_also_works():
    out = list(run_pool(raws(7), SETTINGS, work=echo_work, warm_up=None, start_method="spawn"))
    assert [r.source for r in out] == [f"s{i:04d}" for i in range(7)]


# --- with the real pipeline -------------------------------------------------------------

ARTICLES = [
    "Ministers from France and Germany met in Berlin on Monday to discuss energy prices. "
    "\"We will act together,\" said the French minister, Claire Dubois.",
    "Police in Nairobi arrested twelve protesters on Tuesday after a march against fuel taxes, "
    "a police spokesman said.",
    "The United Nations appealed for $40 million in aid for flood victims in Pakistan, "
    "warning that the needs would grow next month.",
    "Japan's foreign minister criticised North Korea's latest missile launch, saying it "
    "threatened regional peace.",
    "Brazil and Argentina signed a trade agreement in Buenos Aires on Friday, officials said.",
    "The European Union imposed new sanctions on Belarus over the detention of opposition "
    "figures, the bloc said in a statement.",
    "Turkey's president said on Wednesday that Ankara would not give up its missile system "
    "despite pressure from Washington.",
    "Rebels and government forces agreed to a 72-hour ceasefire in the city of Taiz, "
    "a United Nations envoy announced.",
    "India deployed additional troops to its northern border last week, the defence "
    "ministry said.",
    "Canada pledged 500 million dollars to help rebuild schools in Ukraine, "
    "Prime Minister Justin Trudeau said in Ottawa.",
]


@pytest.mark.model
def test_two_workers_give_the_same_records_as_one():
    inputs = [RawArticle(source=f"t{i}", text=t) for i, t in enumerate(ARTICLES)]
    single = list(run_records(inputs, Settings(workers=1, batch_size=4)))
    pooled = list(run_records(inputs, Settings(workers=2, batch_size=4)))
    assert [r.to_dict() for r in pooled] == [r.to_dict() for r in single]
    assert all(r.ok for r in single)


@pytest.mark.model
def test_poison_article_fails_and_the_others_are_ok():
    inputs = [RawArticle(source=f"t{i}", text=t) for i, t in enumerate(ARTICLES[:5])]
    inputs.insert(2, RawArticle(source="poison", text=f"A {POISON} article about Berlin talks."))
    out = list(run_pool(inputs, Settings(workers=2, batch_size=2), work=poison_work))
    assert [r.source for r in out] == [r.source for r in inputs]
    by_source = {r.source: r for r in out}
    assert by_source["poison"].outcome.status == "failed"
    assert "poisoned article" in by_source["poison"].outcome.reason
    assert all(r.ok for s, r in by_source.items() if s != "poison")
