"""The one read path (``store.reads``) and the one writer (``store.table_files``): what a
filter means, the same in ``eventwire export``, ``eventwire stats`` and the web.

Hand-made records (no model): each has one event whose date is set here, so the
publication date and the event date can be told apart.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import replace

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import ingest, make_record
from eventwire.cli import app as cli
from eventwire.records import EventDate, Modality
from eventwire.settings import Settings
from eventwire.store import open_store, reads
from eventwire.store.export import export_store
from eventwire.store.reads import Filters
from eventwire.store.table_files import csv_text, table_schema, write_parquet
from eventwire.web import create_app


def dated(n: int, published: str, event_date: str | None, granularity: str = "day",
          **modality):
    """make_record(n), published on ``published``, its event on ``event_date``."""
    rec = make_record(n)
    event = replace(rec.events[0],
                    date=EventDate("then", event_date, granularity) if event_date else None,
                    modality=Modality(**modality))
    return rec.with_(published=dt.date.fromisoformat(published), events=(event,))


# An article published in March 2021 about May 2019, one published in May 2019 about March
# 2021, and events at each granularity (2021-W05 is Monday 1 to Sunday 7 February 2021;
# 2020-W53 is 28 December 2020 to 3 January 2021).
RECORDS = {
    "old-news": dated(0, "2021-03-10", "2019-05", "month"),
    "prophecy": dated(1, "2019-05-20", "2021-03-09"),
    "day": dated(2, "2021-02-10", "2021-02-03"),
    "week": dated(3, "2021-02-10", "2021-W05", "week"),
    "month": dated(4, "2021-02-10", "2021-02", "month"),
    "year": dated(5, "2021-02-10", "2021", "year"),
    "undated": dated(6, "2021-02-10", None),
    "iso-week-53": dated(7, "2021-01-05", "2020-W53", "week"),
    "negated": dated(8, "2021-02-11", "2021-02-04", negated=True),
    "hypothetical": dated(9, "2021-02-11", "2021-02-04", hypothetical=True),
    "future": dated(10, "2021-02-11", "2021-02-04", future=True),  # not flagged
}
NAME = {rec.id: name for name, rec in RECORDS.items()}


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'reads.db'}"
    with open_store(url, Settings.load(env={})) as s:
        ingest(s, RECORDS.values())
        yield s


def event_names(store, **filters) -> set[str]:
    f = Filters.parse(filters)
    return {NAME[r["article_id"]] for chunk in reads.iter_rows(store, "events", f) for r in chunk}


# --- dates ----------------------------------------------------------------------------------

def test_since_until_are_the_publication_date(store):
    assert event_names(store, since="2021-03-01", until="2021-03-31") == {"old-news"}
    assert event_names(store, since="2019-05-01", until="2019-05-31") == {"prophecy"}
    assert event_names(store, until="2021-01-31") == {"prophecy", "iso-week-53"}


def test_event_since_until_are_the_event_date(store):
    assert event_names(store, event_since="2019-05-01", event_until="2019-05-31") == {"old-news"}
    assert event_names(store, event_since="2021-03-01", event_until="2021-03-31") == {"prophecy"}


WINDOWS = [
    ("2021-02-01", "2021-02-07", {"day", "week", "future"}),
    ("2021-02-01", "2021-02-28", {"day", "week", "month", "future"}),
    ("2021-01-01", "2021-12-31", {"day", "week", "month", "year", "future", "prophecy"}),
    ("2021-02-02", "2021-12-31", {"day", "future", "prophecy"}),
    (None, "2021-02-06", {"day", "future", "old-news", "iso-week-53"}),
    ("2021-02-01", None, {"day", "week", "month", "future", "prophecy"}),
    ("2020-12-28", "2021-01-03", {"iso-week-53"}),
    ("2021-01-01", "2021-01-31", set()),      # the week began in December
    ("2021-02-03", "2021-02-03", {"day"}),
]


@pytest.mark.parametrize("since, until, expected", WINDOWS)
def test_an_event_date_must_lie_wholly_in_the_window(store, since, until, expected):
    assert event_names(store, event_since=since, event_until=until) == expected


# --- flagged events ---------------------------------------------------------------------------

def test_negated_and_hypothetical_events_are_left_out_unless_asked(store):
    window = {"since": "2021-02-11", "until": "2021-02-11"}
    assert event_names(store, **window) == {"future"}
    assert event_names(store, **window, include_flagged=True) == {"future", "negated",
                                                                  "hypothetical"}
    rows = [r for chunk in reads.iter_rows(store, "events", Filters.parse(
        window, include_flagged=True)) for r in chunk]
    assert {NAME[r["article_id"]]: r["flagged"] for r in rows} == {
        "future": False, "negated": True, "hypothetical": True}
    # ... and they stay in the store and the record
    assert store.get(RECORDS["negated"].id) == RECORDS["negated"]
    stats = store.stats(Filters.parse(window))
    assert (stats["events"], stats["flagged_events"], stats["event_types"]) == (
        1, 2, {RECORDS["future"].events[0].plover: 1})
    assert store.stats(Filters.parse(window, include_flagged=True))["events"] == 3
    # an article is chosen by an event filter only through a counted event
    country = RECORDS["negated"].events[0].source.country
    articles = [r["article_id"] for chunk in reads.iter_rows(
        store, "articles", Filters.parse(window, country=country)) for r in chunk]
    assert articles == []


# --- one semantics for every table and reader ------------------------------------------------

FILTER_CASES = [
    {},
    {"include_flagged": True},
    {"since": "2021-02-10", "until": "2021-02-11"},
    {"event_since": "2021-02-01", "event_until": "2021-02-28", "include_flagged": True},
    {"country": "TUR"},
    {"plover": "ACCUSE", "include_flagged": True},
    {"actor": "the spokesman Ali Veli"},
    {"actor": "ali veli"},
    {"actor": "TURKEY"},
    {"source_country": "USA", "include_flagged": True},
    {"quad_class": 2, "outcome": "ok"},
]


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_stats_count_the_rows_export_writes(store, tmp_path, filters):
    f = Filters.parse(filters)
    stats = store.stats(f)
    n = {t: export_store(store, "csv", tmp_path / f"{t}.csv", table=t, filters=f)
         for t in reads.TABLES}
    assert stats["articles"] == n["articles"] == sum(stats["outcomes"].values())
    assert stats["events"] == n["events"] == sum(stats["event_types"].values())
    assert sum(stats["quote_kinds"].values()) == n["quotes"]
    assert sum(stats["actor_countries"].values()) == n["actors"]  # every actor has a country
    assert n["events"] == reads.count_rows(store, "events", f)


def test_actor_names_a_side_in_every_table(store):
    f = Filters(actor="ali veli", include_flagged=True)
    rows = {t: [r for c in reads.iter_rows(store, t, f) for r in c] for t in reads.TABLES}
    assert {r["name"] for r in rows["actors"]} == {"Ali Veli"}
    assert {r["speaker_name"] for r in rows["quotes"]} == {"Ali Veli"}
    assert rows["events"] == []  # the spokesman is no event's side in these records
    turkey = Filters(actor="TURKEY", include_flagged=True)
    events = [r for c in reads.iter_rows(store, "events", turkey) for r in c]
    assert events and all("Turkey" in (r["source_name"], r["target_name"]) for r in events)


def test_the_web_and_the_cli_export_write_the_same_csv(store, tmp_path):
    query = {"since": "2021-02-01", "until": "2021-02-28", "event_since": "2021-02-01",
             "include_flagged": "true"}
    flags = ["--since", "2021-02-01", "--until", "2021-02-28", "--event-since", "2021-02-01",
             "--include-flagged"]
    result = CliRunner().invoke(cli, ["export", "--db", store.url, "--format", "csv",
                                      "--out", str(tmp_path / "cli.csv"), *flags])
    assert result.exit_code == 0, result.output
    settings = Settings.load(env={}, db=store.url)
    with TestClient(create_app(settings)) as client:
        web = client.get("/events.csv", params=query)
        page = client.get("/api/events", params=query).json()
    assert web.content == (tmp_path / "cli.csv").read_bytes()
    assert len(list(csv.DictReader(io.StringIO(web.text)))) == page["total"] == 6
    stats = CliRunner().invoke(cli, ["stats", "--db", store.url, "--json", *flags])
    assert json.loads(stats.output)["events"] == 6


def test_cli_stats_says_what_it_left_out(store):
    out = CliRunner().invoke(cli, ["stats", "--db", store.url]).output
    assert "flagged events (negated or hypothetical): 2, left out" in out
    out = CliRunner().invoke(cli, ["stats", "--db", store.url, "--include-flagged"]).output
    assert "flagged events (negated or hypothetical): 2, counted above" in out


@pytest.mark.parametrize("args, message", [
    (["--since", "March"], "--since must be a date YYYY-MM-DD"),
    (["--event-until", "2021-02-30"], "--event-until must be a date YYYY-MM-DD"),
    (["--country", "Turkey"], "--country must be an ISO 3166-1 alpha-3 code"),
    (["--outcome", "maybe"], "--outcome must be one of ok, rejected, failed"),
])
def test_malformed_filters_are_usage_errors_naming_the_option(store, args, message):
    for command in (["stats"], ["export", "--format", "csv", "--out", "-"]):
        result = CliRunner().invoke(cli, [*command, "--db", store.url, *args])
        assert result.exit_code == 2 and message in result.output, result.output


def test_filters_parse_loose_values():
    f = Filters.parse({"since": " 2021-02-01 ", "country": "tur", "plover": "accuse",
                       "quad_class": "3", "include_flagged": "on", "actor": "  Ali   Veli ",
                       "until": "", "outcome": None})
    assert f == Filters(since=dt.date(2021, 2, 1), country="TUR", plover="ACCUSE",
                        quad_class=3, include_flagged=True, actor="Ali Veli")
    assert Filters.parse(include_flagged="false") == Filters()
    with pytest.raises(ValueError, match="unknown filters: colour"):
        Filters.parse(colour="red")
    with pytest.raises(ValueError, match="quad_class must be 1, 2, 3 or 4"):
        Filters.parse(quad_class="5")


# --- the writer: streamed, batch by batch, with a cap on the web ----------------------------

def test_the_writer_consumes_one_batch_at_a_time(store, tmp_path):
    taken = []

    def batches():
        for chunk in reads.iter_rows(store, "actors", chunk_rows=5):
            taken.append(len(chunk))
            yield chunk

    pieces = csv_text(batches(), "actors")
    assert next(pieces).startswith("article_id,actor_id,published,name") and taken == []
    next(pieces)
    assert taken == [5]
    rest = list(pieces)
    assert len(rest) == len(taken) - 1 and sum(taken) == 33
    out = tmp_path / "actors.parquet"
    taken.clear()
    assert write_parquet(batches(), "actors", str(out)) == 33
    assert pq.ParquetFile(out).num_row_groups == len(taken) == 7
    assert pq.read_table(out).schema.equals(table_schema("actors"))


def test_iter_rows_stops_at_the_limit_and_count_rows_at_most(store):
    f = Filters(include_flagged=True)
    assert reads.count_rows(store, "events", f) == 11
    assert reads.count_rows(store, "events", f, at_most=4) == 4
    chunks = list(reads.iter_rows(store, "events", f, limit=7, chunk_rows=3))
    assert [len(c) for c in chunks] == [3, 3, 1]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_web_downloads_are_capped_and_say_so(store, fmt):
    settings = Settings.load(env={"EVENTWIRE_WEB_MAX_ROWS": "4"}, db=store.url)
    assert settings.web_max_rows == 4
    with TestClient(create_app(settings)) as client:
        capped = client.get(f"/events.{fmt}", params={"include_flagged": "true"})
        whole = client.get(f"/events.{fmt}", params={"plover": "ACCUSE"})
        page = client.get("/events").text
    assert capped.headers["x-eventwire-row-cap"] == "4"
    assert capped.headers["x-eventwire-truncated"] == "true"
    assert whole.headers["x-eventwire-truncated"] == "false"
    if fmt == "csv":
        assert len(capped.text.splitlines()) == 1 + 4
        n_whole = len(whole.text.splitlines()) - 1
    else:
        assert pq.read_table(io.BytesIO(capped.content)).num_rows == 4
        assert int(capped.headers["content-length"]) == len(capped.content)
        n_whole = pq.read_table(io.BytesIO(whole.content)).num_rows
    assert 0 < n_whole <= 4
    assert f"{fmt.upper() if fmt == 'csv' else 'Parquet'} (at most 4 rows)" in page
    assert "this filter matches 9 events, so a download holds the first 4" in page
