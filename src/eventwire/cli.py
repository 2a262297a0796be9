"""Command line: a thin shell over the pipeline, the store and the evaluators.

Data goes to stdout, logs and progress to stderr. Exit codes (CONTRACT.md): 0 ok;
1 some inputs were rejected or failed; 2 usage error; 3 cannot open the store.
"""
from __future__ import annotations

import functools
import inspect
import json
import logging
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import typer
from rich.console import Console

from .records import ArticleRecord
from .settings import Settings

EXIT_OK, EXIT_SOME_BAD, EXIT_USAGE, EXIT_STORE = 0, 1, 2, 3

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="eventwire: news articles in, checkable facts out.")
eval_app = typer.Typer(no_args_is_help=True, help="Score eventwire on a labelled set.")
train_app = typer.Typer(no_args_is_help=True, help="Train the shipped models (fixed seed).")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")

err = Console(stderr=True)


def _settings(**overrides) -> Settings:
    try:
        return Settings.load(**overrides)
    except ValueError as e:  # a malformed EVENTWIRE_* variable
        raise _usage(str(e)) from None


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _usage(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(EXIT_USAGE)


def _parse_date(value: Optional[str]):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _usage(f"--published must be YYYY-MM-DD, got {value!r}") from None


def _raw_articles(paths: List[str], published, url, settings: Settings):
    from dataclasses import replace

    from .ingest import read_paths

    for raw in read_paths(paths, settings):
        if published is not None and raw.published is None:
            raw = replace(raw, published=published)
        if url is not None and raw.url is None:
            raw = replace(raw, url=url)
        yield raw


def _records(paths: List[str], published, url, settings: Settings) -> Iterator[ArticleRecord]:
    from .runners import run_records

    missing = [p for p in paths if p != "-" and not Path(p).exists()]
    if missing:
        raise _usage(f"no such file or folder: {', '.join(missing)}")
    return run_records(_raw_articles(paths, published, url, settings), settings)


class _Tally:
    def __init__(self) -> None:
        self.counts = {"ok": 0, "rejected": 0, "failed": 0}
        self.bad: list[tuple[str, str, str]] = []
        self.start = time.perf_counter()

    def add(self, rec: ArticleRecord) -> None:
        self.counts[rec.outcome.status] += 1
        if not rec.ok:
            self.bad.append((rec.source, rec.outcome.status, rec.outcome.reason or ""))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def report(self, extra: str = "") -> int:
        secs = time.perf_counter() - self.start
        rate = self.total / secs if secs > 0 else 0.0
        err.print(f"{self.total} articles in {secs:.1f} s ({rate:.1f}/s): "
                  f"{self.counts['ok']} ok, {self.counts['rejected']} rejected, "
                  f"{self.counts['failed']} failed{extra}")
        for source, status, reason in self.bad[:50]:
            err.print(f"  {status}: {source}: {reason}", markup=False, highlight=False)
        if len(self.bad) > 50:
            err.print(f"  … and {len(self.bad) - 50} more")
        return EXIT_OK if not self.bad else EXIT_SOME_BAD


@app.command()
def extract(
    paths: List[str] = typer.Argument(..., help="files or folders; - reads one article from stdin"),
    published: Optional[str] = typer.Option(None, help="publication date YYYY-MM-DD (when the input has none)"),
    url: Optional[str] = typer.Option(None, help="article URL (when the input has none)"),
    workers: int = typer.Option(1, min=1, help="worker processes"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Print one JSON article record per article (JSON Lines on stdout)."""
    _setup_logging(verbose)
    settings = _settings(workers=workers)
    pub = _parse_date(published)
    tally = _Tally()
    out = sys.stdout
    for rec in _records(paths, pub, url, settings):
        tally.add(rec)
        out.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
        out.flush()
    raise typer.Exit(tally.report())


def _open_store(settings: Settings, create: bool = True):
    from .store import StoreError, open_store

    try:
        return open_store(settings.db, settings, create=create)
    except StoreError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(EXIT_STORE) from None


@app.command()
def ingest(
    paths: List[str] = typer.Argument(..., help="files or folders; - reads one article from stdin"),
    db: Optional[str] = typer.Option(None, help="store URL (default sqlite:///eventwire.db)"),
    published: Optional[str] = typer.Option(None, help="publication date YYYY-MM-DD (when the input has none)"),
    url: Optional[str] = typer.Option(None, help="article URL (when the input has none)"),
    workers: int = typer.Option(1, min=1, help="worker processes"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Run the pipeline and store the records (idempotent)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .store import StoreError

    _setup_logging(verbose)
    settings = _settings(workers=workers, db=db)
    pub = _parse_date(published)
    store = _open_store(settings)
    tally = _Tally()
    progress = Progress(TextColumn("ingest"), BarColumn(), TextColumn("{task.completed} articles"),
                        TextColumn("{task.fields[rate]:.1f}/s"), TimeElapsedColumn(),
                        console=err, disable=not err.is_terminal, transient=True)

    def counted() -> Iterator[ArticleRecord]:
        # chrome is learned within the run only: ingesting the same inputs again must give
        # the same texts, hence the same ids (watch, which never fetches an item twice,
        # learns from the store)
        for rec in _records(paths, pub, url, settings):
            tally.add(rec)
            elapsed = time.perf_counter() - tally.start
            progress.update(task, advance=1, rate=tally.total / elapsed if elapsed else 0.0)
            yield rec

    from .pipeline import link_near_duplicates

    try:
        with progress:
            task = progress.add_task("ingest", total=None, rate=0.0)
            result = store.write(link_near_duplicates(counted(), store.near_duplicate_index()))
    except KeyboardInterrupt:
        err.print("interrupted: what was committed is kept")
        store.close()
        raise typer.Exit(130) from None
    except StoreError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(EXIT_STORE) from None
    store.close()
    raise typer.Exit(tally.report(f"; store: {result.describe()}"))


# The read filters (``store.reads.Filters``), declared once for every command that reads
# the store: (name, type, option).
_READ_FILTERS: list[tuple[str, object, object]] = [
    ("outcome", Optional[str], typer.Option(
        None, help="only articles with this outcome: ok | rejected | failed")),
    ("country", Optional[str], typer.Option(
        None, help="ISO-3 country of an event's source or target, an actor or a speaker")),
    ("actor", Optional[str], typer.Option(
        None, help="an actor's name (case-insensitive): its events, actor rows and quotes")),
    ("plover", Optional[str], typer.Option(None, help="only events of this PLOVER type")),
    ("since", Optional[str], typer.Option(
        None, help="articles published on or after YYYY-MM-DD (publication date)")),
    ("until", Optional[str], typer.Option(
        None, help="articles published on or before YYYY-MM-DD (publication date)")),
    ("event_since", Optional[str], typer.Option(
        None, "--event-since", help="events whose own date lies on or after YYYY-MM-DD")),
    ("event_until", Optional[str], typer.Option(
        None, "--event-until", help="events whose own date lies on or before YYYY-MM-DD")),
    ("kind", Optional[str], typer.Option(
        None, help="quotes of this kind: direct | indirect | mixed | belief | evidence | "
                   "document (other tables: articles with one)")),
    ("include_flagged", bool, typer.Option(
        False, "--include-flagged",
        help="keep negated and hypothetical events (left out by default)")),
]


def _with_read_filters(command: Callable) -> Callable:
    """Give ``command`` the read filter options; it receives them parsed, as ``filters``
    (a malformed value is a usage error naming its option)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "filters"]
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option,
                               annotation=kind) for name, kind, option in _READ_FILTERS]

    @functools.wraps(command)
    def run(**kwargs):
        from .store.reads import Filters

        raw = {name: kwargs.pop(name) for name, _, _ in _READ_FILTERS}
        try:
            filters = Filters.parse(raw, name=lambda n: "--" + n.replace("_", "-"))
        except ValueError as e:
            raise _usage(str(e)) from None
        return command(filters=filters, **kwargs)

    run.__signature__ = signature.replace(parameters=own + extra)  # type: ignore[attr-defined]
    return run


def _open_for_reading(db: Optional[str]):
    from .store import StoreError, open_store

    settings = _settings(db=db)
    try:
        return open_store(settings.db, settings, create=False)
    except StoreError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(EXIT_STORE) from None


@app.command()
@_with_read_filters
def export(
    format: str = typer.Option(..., "--format", help="jsonl | csv | parquet"),
    out: Path = typer.Option(..., "--out", help="output file ('-' for stdout with jsonl/csv)"),
    db: Optional[str] = typer.Option(None, help="store URL"),
    table: str = typer.Option("events", help="csv/parquet table: events | quotes | actors | dates | articles"),
    since_last: Optional[str] = typer.Option(
        None, "--since-last", metavar="NAME",
        help="only what was stored since consumer NAME's last export (remembered in the store)"),
    filters=None,
) -> None:
    """Write stored records out as JSON Lines, CSV or Parquet.

    JSON Lines holds whole article records (every event with its modality); CSV and
    Parquet one row per fact of --table. Negated and hypothetical events are left out of
    event rows and counts unless --include-flagged. --since-last NAME writes only what was
    stored since that consumer's last export.
    """
    from .store.export import FORMATS, TABLES, export_increment, export_store

    if format not in FORMATS:
        raise _usage(f"--format must be one of {', '.join(FORMATS)}")
    if table not in TABLES:
        raise _usage(f"--table must be one of {', '.join(TABLES)}")
    if format == "parquet" and str(out) == "-":
        raise _usage("Parquet cannot go to stdout; give a file with --out")
    if since_last is not None and not since_last.strip():
        raise _usage("--since-last needs a consumer name")
    if since_last:
        # an increment export writes its consumer's state, so the store must be at this schema
        store = _open_store(_settings(db=db), create=False)
        try:
            inc = export_increment(store, since_last, format, out, table=table, filters=filters)
        finally:
            store.close()
        err.print(f"wrote {inc.rows} rows to {out}: {inc.articles} articles new to "
                  f"{since_last!r} since its last export")
        return
    store = _open_for_reading(db)
    try:
        n = export_store(store, format, out, table=table, filters=filters)
    finally:
        store.close()
    err.print(f"wrote {n} rows to {out}")


_STATS_KEY = {"outcomes": "outcome", "countries": "source country",
              "actor_countries": "actor country", "event_types": "PLOVER type",
              "quote_kinds": "quote kind"}


@app.command()
@_with_read_filters
def stats(
    db: Optional[str] = typer.Option(None, help="store URL"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    filters=None,
) -> None:
    """Counts by outcome, by country and by event type, over what export would write."""
    from rich.table import Table

    store = _open_for_reading(db)
    try:
        s = store.stats(filters)
    finally:
        store.close()
    if as_json:
        print(json.dumps(s, indent=2))
        return
    console = Console()
    flagged, included = s.pop("flagged_events"), s.pop("include_flagged")
    for section, counts in s.items():
        if not isinstance(counts, dict):
            console.print(f"{section.replace('_', ' ')}: {counts}")
            continue
        t = Table(title=section)
        t.add_column(_STATS_KEY.get(section, section))
        t.add_column("count", justify="right")
        for k, v in counts.items():
            t.add_row(str(k), str(v))
        console.print(t)
    console.print(f"flagged events (negated or hypothetical): {flagged}, "
                  + ("counted above" if included
                     else "left out of the event counts (--include-flagged counts them)"))


@app.command()
def code(
    tsv: Path = typer.Argument(..., help="TSV file with a header row"),
    sentence_col: str = typer.Option("sentence", "--sentence-col"),
    source_col: str = typer.Option("source", "--source-col"),
    target_col: str = typer.Option("target", "--target-col"),
) -> None:
    """Code single sentences (one event per row) as JSON Lines."""
    from .events.coding import CodingInputError, code_tsv
    from .pipeline import components

    settings = _settings()
    try:
        coder = components(settings).event_coder
        for row in code_tsv(tsv, settings, coder, sentence_col=sentence_col, source_col=source_col,
                            target_col=target_col):
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    except CodingInputError as e:
        raise _usage(str(e)) from None


def _print_metrics(result: dict, as_json: bool, render) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        Console().print(render(result))


@eval_app.command("plv")
def eval_plv(
    path: Path = typer.Argument(..., help="PLV TSV (sentence, source, target, gold_root)"),
    part: str = typer.Option("auto", help="locked | open | all (auto: PLV_train's locked part, else all)"),
    via: str = typer.Option("code", "--path", help="code (sides given) | extract (each sentence as an article)"),
    confusion: Optional[Path] = typer.Option(None, help="also write the confusion matrix as CSV here"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The event coder on PLV sentences: accuracy and macro-F1 over the PLV labels
    (CONCEDE/RETREAT as YIELD) by `code`, or the share of sentences right by `extract`."""
    from .eval.plv import evaluate_plv, render_plv

    if not path.exists():
        raise _usage(f"no such file: {path}")
    if part not in {"auto", "locked", "open", "all"} or via not in {"code", "extract"}:
        raise _usage("--part is locked, open, all or auto; --path is code or extract")
    result = evaluate_plv(path, _settings(), part=part, path_kind=via, confusion_out=confusion,
                          stderr=err if via == "code" else None)
    _print_metrics(result, as_json, render_plv)


@eval_app.command("events-articles")
def eval_events_articles(
    gold: Optional[Path] = typer.Argument(None, help="events gold JSON (default: ../shared/data/polnear/dev_events.gold.json)"),
    part: str = typer.Option("both", help="locked | open | both | all"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Precision and recall of events in whole articles (type + sides, and type alone),
    by the scoring rule of EVENTS_GUIDE.md, through the extract path."""
    from .eval.events_articles import evaluate_events_articles, render_events_articles

    settings = _settings()
    gold = gold or settings.shared_dir / "data/polnear/dev_events.gold.json"
    if not gold.exists():
        raise _usage(f"no such file: {gold}")
    parts = {"both": ("locked", "open"), "locked": ("locked",), "open": ("open",),
             "all": ("all",)}.get(part)
    if parts is None:
        raise _usage("--part is locked, open, both or all")
    result = evaluate_events_articles(gold, settings, parts=parts)
    _print_metrics(result, as_json, render_events_articles)


@eval_app.command("polnear")
def eval_polnear(
    path: Path = typer.Argument(..., help="PolNeAR split folder (text/, attributions/)"),
    limit: int = typer.Option(0, help="score only the first N articles (0: all)"),
    part: str = typer.Option("auto", help="locked | open | both | all (auto: both parts on dev)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Content P/R/F1, source accuracy (strict and loose), linked F1 and cue F1 on PolNeAR."""
    from .eval.polnear import evaluate_polnear, render_polnear

    if not (path / "text").is_dir():
        raise _usage(f"{path} has no text/ folder (expected a PolNeAR split)")
    if part not in {"auto", "locked", "open", "both", "all"}:
        raise _usage("--part is locked, open, both, all or auto")
    result = evaluate_polnear(path, _settings(), limit=limit or None, part=part)
    _print_metrics(result, as_json, render_polnear)


@eval_app.command("actors")
def eval_actors(
    path: Optional[Path] = typer.Argument(None, help="samples gold JSONL (--set samples; default: the bundled file)"),
    which: str = typer.Option("plv", "--set", help="plv | polnear (real news, spans) | samples (the bundled demo articles)"),
    part: str = typer.Option("both", help="locked | open | both | all (plv and polnear)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Actor country and sector accuracy on real-news gold (locked part first), or actor and
    date detection on the bundled samples."""
    settings = _settings()
    if which == "samples":
        from .eval.actors import evaluate_actors, render_actors

        _print_metrics(evaluate_actors(path, settings), as_json, render_actors)
        return
    if which not in {"plv", "polnear"}:
        raise _usage("--set is plv, polnear or samples")
    parts = {"both": ("locked", "open"), "locked": ("locked",), "open": ("open",),
             "all": ("all",)}.get(part)
    if parts is None:
        raise _usage("--part is locked, open, both or all")
    from .eval.actor_spans import evaluate_actor_spans, render_actor_spans

    _print_metrics(evaluate_actor_spans(which, settings, parts), as_json, render_actor_spans)


@train_app.command("events")
def train_events(
    seed: int = typer.Option(13, help="random seed (weights and batch order)"),
    out: Optional[Path] = typer.Option(None, help="output folder (default: the package's models/events)"),
    epochs: int = typer.Option(0, help="epochs (0: the module default)"),
    holdout: float = typer.Option(0.15, help="share of the data held out of training and scored after (0: train on all)"),
    max_steps: int = typer.Option(0, help="stop after this many optimiser steps (a smoke run)"),
    limit: int = typer.Option(0, help="train on a random sample of this many examples (a smoke run)"),
) -> None:
    """Fine-tune the event model on PLV (locked part excluded) and the hand-labelled
    PolNeAR candidates, export it to int8 ONNX (needs the [train] extra)."""
    from .training.events import EPOCHS, train_events as run

    settings = _settings()
    result = run(settings, seed=seed, out=out, holdout=holdout, epochs=epochs or EPOCHS,
                 max_steps=max_steps or None, limit=limit or None, say=err.print)
    print(json.dumps(result, indent=2))


@train_app.command("kb")
def train_kb(
    out: Optional[Path] = typer.Option(None, help="output file (default: the package's knowledge/kb.json.gz)"),
) -> None:
    """Compile the knowledge base (knowledge/kb/*.tsv, pycountry, GeoNames cities) into the
    one file the actors stage loads; prints the counts per table."""
    from .training.kb import KBBuildError, build_kb

    try:
        counts = build_kb(out)
    except KBBuildError as e:
        raise _usage(str(e)) from None
    print(json.dumps(counts, indent=2))


@train_app.command("quotes")
def train_quotes(
    data: Optional[Path] = typer.Option(None, help="PolNeAR root (default: ../shared/data/polnear)"),
    seed: int = typer.Option(13),
    out: Optional[Path] = typer.Option(None, help="where to write the weights (default: inside the package)"),
) -> None:
    """Train the quote tagger on PolNeAR train and print the dev score."""
    from .training.quotes import train_quote_model

    settings = _settings()
    data = data or settings.shared_dir / "data/polnear"
    if not (data / "train").is_dir():
        raise _usage(f"{data} has no train/ folder")
    result = train_quote_model(data, seed=seed, out=out, settings=settings, log=err)
    print(json.dumps(result, indent=2))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="bind address (loopback by default)"),
    port: int = typer.Option(8000),
    db: Optional[str] = typer.Option(None, help="store URL"),
    write_token: Optional[str] = typer.Option(None, envvar="EVENTWIRE_WEB_WRITE_TOKEN",
                                              help="enable writes; clients send it as a bearer token"),
) -> None:
    """Web UI and REST API over the store."""
    import uvicorn

    from .store import StoreError
    from .web.app import create_app

    settings = _settings(db=db, web_write_token=write_token)
    try:
        application = create_app(settings)
    except StoreError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(EXIT_STORE) from None
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command()
def watch(
    feeds: List[str] = typer.Argument(..., metavar="FEED_URL...", help="RSS/Atom feeds or sitemaps (http/https)"),
    every: str = typer.Option("15m", help="time between polls: 30s, 15m, 1h …"),
    once: bool = typer.Option(False, "--once", help="poll once and exit (1 if some items failed)"),
    db: Optional[str] = typer.Option(None, help="store URL (default sqlite:///eventwire.db)"),
    workers: int = typer.Option(1, min=1, help="worker processes for the pipeline"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Poll feeds and sitemaps, fetch new items only, run them into the store."""
    from urllib.parse import urlsplit

    from .runners import run_records
    from .runners.watch import parse_every, watch as run_watch
    from .store import StoreError
    from .store.state import SourceLines

    _setup_logging(verbose)
    bad = [f for f in feeds if urlsplit(f).scheme not in ("http", "https")]
    if bad:
        raise _usage(f"feeds are http(s) URLs: {', '.join(bad)}")
    try:
        seconds = parse_every(every)
    except ValueError as e:
        raise _usage(str(e)) from None
    settings = _settings(workers=workers, db=db)
    store = _open_store(settings)
    memory = SourceLines(store)

    def run(raws):
        return run_records(raws, settings, memory)

    def say(line: str) -> None:
        err.print(line, markup=False, highlight=False)

    try:
        report = run_watch(feeds, store, settings, run, seconds, say, once=once)
    except KeyboardInterrupt:
        err.print("interrupted: what was stored is kept; the next watch resumes from there")
        raise typer.Exit(130) from None
    except StoreError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(EXIT_STORE) from None
    finally:
        store.close()
    for url, reason in report.failed[:50]:
        err.print(f"  failed: {url}: {reason}", markup=False, highlight=False)
    raise typer.Exit(EXIT_OK if not report.failed else EXIT_SOME_BAD)


@app.command()
def spark(
    input: str = typer.Option(..., "--input", help="path or glob: .jsonl, .txt, .warc(.gz)"),
    output: Path = typer.Option(..., "--output", help="output folder for the Parquet tables"),
    master: str = typer.Option("local[2]", help="Spark master URL"),
    partitions: int = typer.Option(0, help="number of partitions (0: Spark's default)"),
) -> None:
    """Run the pipeline on Spark and write Parquet tables (articles, actors, quotes, events)."""
    from .runners.spark import SparkInputError, run_spark

    try:
        summary = run_spark(input, output, _settings(), master=master,
                            partitions=partitions or None)
    except SparkInputError as e:
        raise _usage(str(e)) from None
    err.print(json.dumps(summary))
    raise typer.Exit(EXIT_OK if summary.get("bad", 0) == 0 else EXIT_SOME_BAD)


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
