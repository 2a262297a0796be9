"""Throughput benchmark: eventwire against a bare spaCy parse, in one run, on a named corpus.

Modes (each in a fresh Python process, so one mode's loaded model or pool never flatters
or burdens the next, and peak RSS is per mode):

1. ``spacy-pipe``     bare ``nlp.pipe`` of the same spaCy pipeline (``eventwire.nlp``) over
                      the same cleaned texts, same batch size — the baseline;
2. ``spacy-pipe-n2``  the same with ``n_process=2``;
3. ``process``        ``eventwire.pipeline.process`` in-process (clean + parse + stages);
4. ``process-1t``     the same with BLAS/OpenMP/torch held to one thread, as each pool
                      worker runs (tells the pool's gain from the threading effect);
5. ``workers2``       ``eventwire.runners.run_records`` with ``workers=2``;
6. ``ingest``         ``store.write(link_near_duplicates(run_records(...), …))`` (as
                      ``eventwire ingest``) into a temporary SQLite store
                      (``--ingest-workers``, default 2).

Corpus: PolNeAR dev texts (``<shared_dir>/data/polnear/dev/text``) and/or the bundled
``samples/``, read with ``eventwire.ingest.read_paths`` and cleaned once; each cleaned text
becomes a plain-text article, so every mode parses exactly the same texts. ``--replicate N``
makes N copies, each ending with its own counter line ("Benchmark copy k."), so copies have
distinct ids (the store still links them as near-duplicates and skips their fact rows —
``ingest`` is therefore a little cheaper than on a corpus of distinct stories).

Reported per mode: articles/s and words/s end to end (timer starts after the model is
loaded in this process; pool start-up, i.e. loading the model in the workers, is
included) and in steady state (after the first 10 % of articles, at least two batches),
the ratio to the baseline, the CPU seconds the process tree used and articles per
CPU-second (on a shared machine the wall clock measures the neighbours too; CPU time
does not), peak RSS of the process tree (parent + children, sampled every 0.2 s with
psutil) and the tree's RSS after every ``--rss-every`` articles (is it flat?).

Usage: ``python -m benchmarks.bench --corpus both --replicate 10 --out benchmarks/results.json``
(``make bench``). ``--profile`` also profiles one in-process run with pyinstrument
(``--profile-limit`` articles; text report in ``profile.txt`` next to ``--out``) and lists
the time per stage and the top functions by own time. The machine's other load makes absolute numbers
drift: compare ratios from the same run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "src") not in sys.path:  # runnable as a script from a source checkout
    sys.path.insert(0, str(REPO / "src"))

import psutil  # noqa: E402

from eventwire.records import CleanArticle, RawArticle  # noqa: E402
from eventwire.settings import Settings  # noqa: E402

MODES = ("spacy-pipe", "spacy-pipe-n2", "process", "process-1t", "workers2", "ingest")
#: The pipeline's stage entry points, for the per-stage totals of the profile.
STAGES = ("clean_article", "_parse", "resolve_actors", "resolve_dates", "attribute_quotes",
          "code_events")
BASELINE = "spacy-pipe"


# --- corpus -----------------------------------------------------------------------------

def corpus_paths(corpus: str, settings: Settings) -> list[Path]:
    shared = settings.shared_dir if settings.shared_dir.is_absolute() else REPO / settings.shared_dir
    paths = {"polnear-dev": [shared / "data/polnear/dev/text"], "samples": [REPO / "samples"]}
    paths["both"] = paths["polnear-dev"] + paths["samples"]
    chosen = paths[corpus]
    missing = [str(p) for p in chosen if not p.is_dir()]
    if missing:
        raise SystemExit(f"corpus folder not found: {', '.join(missing)}")
    return chosen


def load_corpus(corpus: str, replicate: int, limit: int | None, settings: Settings
                ) -> list[RawArticle]:
    """Cleaned texts of the corpus as plain-text articles, replicated with counter lines."""
    from eventwire.clean import clean_article
    from eventwire.ingest import read_paths

    base: list[CleanArticle] = []
    for raw in read_paths([str(p) for p in corpus_paths(corpus, settings)], settings):
        if raw.source.endswith(".md"):
            continue  # the samples' README
        cleaned = clean_article(raw, settings)
        if isinstance(cleaned, CleanArticle):
            base.append(cleaned)
    out: list[RawArticle] = []
    for k in range(replicate):
        for c in base:
            text = c.text if k == 0 else f"{c.text.rstrip()}\n\nBenchmark copy {k}.\n"
            out.append(RawArticle(source=f"{c.source}#copy{k}", text=text, title=c.title,
                                  url=c.url, published=c.published))
            if limit and len(out) >= limit:
                return out
    return out


# --- measuring --------------------------------------------------------------------------

def tree_rss() -> int:
    """RSS of this process and all its descendants, in bytes."""
    me = psutil.Process()
    total = me.memory_info().rss
    for child in me.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total


class PeakSampler:
    """Samples the process tree every ``interval`` seconds in a thread: peak RSS, and the
    CPU seconds each process used (last value seen per pid, so workers that exit still
    count, minus at most one interval each)."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.peak = interval, 0
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._me = psutil.Process()
        self._cpu0 = self._cpu_of(self._me)

    @staticmethod
    def _cpu_of(proc: psutil.Process) -> float:
        t = proc.cpu_times()
        return t.user + t.system

    def _sample(self) -> None:
        self.peak = max(self.peak, tree_rss())
        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                self._cpu[proc.pid] = self._cpu_of(proc)
            except psutil.Error:
                pass

    @property
    def cpu_seconds(self) -> float:
        """CPU time of the tree during the run (this process's time before it excluded)."""
        return sum(self._cpu.values()) - self._cpu0

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


class Clock:
    """Times each item passing through and samples the tree RSS every ``rss_every`` items."""

    def __init__(self, n: int, rss_every: int) -> None:
        self.n, self.rss_every = n, rss_every
        self.stamps: list[float] = []
        self.rss: list[tuple[int, int]] = []

    def through(self, items: Iterable) -> Iterator:
        for i, item in enumerate(items, 1):
            self.stamps.append(time.perf_counter())
            if i % self.rss_every == 0 or i == self.n:
                self.rss.append((i, tree_rss()))
            yield item


def measure(mode: str, raws: list[RawArticle], settings: Settings, rss_every: int) -> dict:
    """Run one mode over ``raws`` in this process and return its numbers."""
    from eventwire.nlp import get_nlp

    n = len(raws)
    words = sum(len((r.text or "").split()) for r in raws)
    texts = [r.text or "" for r in raws]
    statuses: dict[str, int] = {}
    extra: dict = {}
    clock = Clock(n, rss_every)

    def count(records):
        for rec in records:
            statuses[rec.outcome.status] = statuses.get(rec.outcome.status, 0) + 1
            yield rec

    run: Callable[[], None]
    if mode in ("spacy-pipe", "spacy-pipe-n2"):
        nlp = get_nlp(settings)
        list(nlp.pipe(texts[:2]))  # warm-up
        n_process = 2 if mode == "spacy-pipe-n2" else 1

        def run() -> None:
            for _ in clock.through(nlp.pipe(texts, batch_size=settings.batch_size,
                                            n_process=n_process)):
                pass
    elif mode in ("process", "process-1t"):
        from eventwire.pipeline import process

        if mode == "process-1t":
            from eventwire.runners.pool import limit_threads

            limit_threads()
        list(process(raws[:2], settings))  # warm-up: model and stage resources

        def run() -> None:
            for _ in clock.through(count(process(raws, settings))):
                pass
    elif mode == "workers2":
        from eventwire.runners import run_records

        def run() -> None:
            for _ in clock.through(count(run_records(raws, settings.with_(workers=2)))):
                pass
    elif mode == "ingest":
        from eventwire.pipeline import link_near_duplicates
        from eventwire.runners import run_records
        from eventwire.store import open_store

        tmp = tempfile.mkdtemp(prefix="eventwire-bench-")
        store = open_store(f"sqlite:///{tmp}/bench.db", settings)

        def run() -> None:
            records = clock.through(count(run_records(raws, settings)))
            result = store.write(link_near_duplicates(records, store.near_duplicate_index()))
            extra["store"] = result.describe()
            store.close()
    else:
        raise SystemExit(f"unknown mode {mode!r}")

    with PeakSampler() as sampler:
        t0 = time.perf_counter()
        run()
        t1 = time.perf_counter()
    stamps = clock.stamps
    # Records arrive in bursts of a batch (or of a chunk per worker): skip at least a few
    # bursts so the steady-state rate is not one burst's arithmetic.
    k = max(n // 10, 2 * settings.batch_size)
    steady = (n - k) / (stamps[-1] - stamps[k - 1]) if n > 2 * k else None
    secs = t1 - t0
    return {
        "mode": mode, "articles": n, "words": words, "seconds": round(secs, 3),
        "articles_per_s": round(n / secs, 2), "words_per_s": round(words / secs),
        "steady_articles_per_s": round(steady, 2) if steady else None,
        "first_record_s": round(stamps[0] - t0, 3) if stamps else None,
        "cpu_seconds": round(sampler.cpu_seconds, 2),
        "articles_per_cpu_s": round(n / sampler.cpu_seconds, 3) if sampler.cpu_seconds else None,
        "load_avg_1min_after": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(sampler.peak / 2**20, 1),
        "rss_mb_every": [[i, round(b / 2**20, 1)] for i, b in clock.rss],
        "outcomes": statuses or None, **extra,
    }


def profile_in_process(raws: list[RawArticle], settings: Settings, out_dir: Path,
                       top: int = 10) -> dict:
    """Profile ``process`` over ``raws`` with pyinstrument: top functions by own time
    (with the eventwire function they were called from) and total time per stage."""
    from pyinstrument import Profiler

    from eventwire.pipeline import process

    list(process(raws[:2], settings))
    profiler = Profiler(interval=0.002)
    profiler.start()
    for _ in process(raws, settings):
        pass
    session = profiler.stop()
    (out_dir / "profile.txt").write_text(profiler.output_text(unicode=False, color=False,
                                                              show_all=False))
    own: dict[str, float] = {}
    via: dict[str, dict[str, float]] = {}  # function → eventwire caller → own time
    stages: dict[str, float] = {}
    root = session.root_frame()
    # Samples taken inside Cython code (thinc's gemm, spaCy's Token) lose their Python
    # callers and hang off the root: count them as their own line, mostly the parse.
    native = sum(c.time for c in (root.children if root else ())
                 if (c.file_path or "").endswith((".pyx", ".pxd")))
    in_process = 0.0
    stack = [(root, None, False)]
    while stack:
        frame, caller, in_stage = stack.pop()
        if frame is None:
            continue
        path = frame.file_path or ""
        here = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        inner = here if "eventwire" in path else caller
        if frame.function == "process" and path.endswith("eventwire/pipeline.py"):
            in_process += frame.time  # one frame per resumption of the generator
        is_stage = not in_stage and frame.function in STAGES and "eventwire" in path
        if is_stage:  # outermost call only, so recursion is not counted twice
            stages[frame.function] = stages.get(frame.function, 0.0) + frame.time
        stack.extend((child, inner, in_stage or is_stage) for child in frame.children)
        if frame.is_synthetic or not path or path.startswith("<"):
            continue
        own[here] = own.get(here, 0.0) + frame.total_self_time
        if caller and caller != here:
            by = via.setdefault(here, {})
            by[caller] = by.get(caller, 0.0) + frame.total_self_time
    # Shares are of the time spent working (pipeline + native frames), not of the wall
    # clock, which on a shared machine includes waiting for a CPU.
    total = (in_process + native) or session.duration or 1.0
    stages["native spaCy/thinc frames (callers lost; mostly the parse)"] = native
    ranked = sorted(own.items(), key=lambda kv: -kv[1])[:top]
    return {
        "seconds": round(session.duration, 2), "working_s": round(total, 2),
        "cpu_s": round(getattr(session, "cpu_time", 0.0) or 0.0, 2), "articles": len(raws),
        "stages": {k: {"s": round(v, 2), "share": round(v / total, 3)}
                   for k, v in sorted(stages.items(), key=lambda kv: -kv[1])},
        "top_own_time": [
            {"function": k, "own_s": round(v, 3), "share": round(v / total, 3),
             "called_from": max(via[k].items(), key=lambda kv: kv[1])[0] if via.get(k) else None}
            for k, v in ranked],
    }


def run_mode_subprocess(mode: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench", "--one-mode", mode,
           "--corpus", args.corpus, "--replicate", str(args.replicate),
           "--rss-every", str(args.rss_every), "--batch-size", str(args.batch_size),
           "--ingest-workers", str(args.ingest_workers)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO), str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"mode": mode, "error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else ""


def markdown_table(results: list[dict]) -> str:
    base = next((r for r in results if r["mode"] == BASELINE and "error" not in r), {})
    lines = ["| mode | articles | articles/s | words/s | × baseline | steady articles/s | "
             "CPU s | articles/CPU-s | × baseline (CPU) | peak RSS MB | RSS MB per step |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['mode']} | error: {' '.join(r['error'])} |" + " |" * 9)
            continue
        steps = " → ".join(f"{mb:.0f}" for _, mb in r["rss_mb_every"])
        lines.append(
            f"| {r['mode']} | {r['articles']} | {r['articles_per_s']:.1f} | {r['words_per_s']} | "
            f"{_ratio(r['articles_per_s'], base.get('articles_per_s'))} | "
            f"{r['steady_articles_per_s'] or ''} | {r['cpu_seconds']:.1f} | "
            f"{r['articles_per_cpu_s'] or ''} | "
            f"{_ratio(r['articles_per_cpu_s'], base.get('articles_per_cpu_s'))} | "
            f"{r['peak_rss_mb']:.0f} | {steps} |")
    return "\n".join(lines)


def speedup(results: list[dict]) -> dict | None:
    """Two workers against one process: measured, and estimated for two idle cores.

    On a shared machine the wall-clock ratio says more about the neighbours than about
    the pool; CPU seconds per article do not. If the pool keeps both workers busy, two
    idle cores would run it ``2 × (articles/CPU-s pooled) / (articles/CPU-s in-process)``
    times as fast as one process; the gap to 2 is the pool's overhead (worker start-up
    with its model loads, pickling, the parent's reading and ordering).
    """
    by = {r["mode"]: r for r in results if "error" not in r}
    one, two = by.get("process"), by.get("workers2")
    if not one or not two:
        return None
    return {
        "measured_wall": _ratio(two["articles_per_s"], one["articles_per_s"]) or None,
        "measured_steady": _ratio(two.get("steady_articles_per_s"),
                                  one.get("steady_articles_per_s")) or None,
        "estimated_two_idle_cores": _ratio(2 * two["articles_per_cpu_s"],
                                           one["articles_per_cpu_s"]) or None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=("polnear-dev", "samples", "both"), default="both")
    ap.add_argument("--replicate", type=int, default=1, help="copies of the corpus")
    ap.add_argument("--limit", type=int, default=0, help="at most this many articles (0: all)")
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of modes")
    ap.add_argument("--rss-every", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=Settings().batch_size)
    ap.add_argument("--ingest-workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks/results.json")
    ap.add_argument("--profile-limit", type=int, default=100,
                    help="articles in the profiled run")
    ap.add_argument("--profile", action="store_true",
                    help="also profile one in-process run (pyinstrument) and list the top costs")
    ap.add_argument("--one-mode", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    settings = Settings.load(batch_size=args.batch_size)
    if args.one_mode:
        if args.one_mode == "ingest":
            settings = settings.with_(workers=args.ingest_workers)
        raws = load_corpus(args.corpus, args.replicate, args.limit or None, settings)
        print(json.dumps(measure(args.one_mode, raws, settings, args.rss_every)))
        return 0

    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        ap.error(f"unknown modes: {', '.join(sorted(unknown))}")
    results = []
    for mode in modes:
        print(f"running {mode} …", file=sys.stderr, flush=True)
        results.append(run_mode_subprocess(mode, args))
    report = {
        "corpus": args.corpus, "replicate": args.replicate, "limit": args.limit or None,
        "batch_size": args.batch_size, "ingest_workers": args.ingest_workers,
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_avg_at_start": os.getloadavg()},
        "results": results,
        "speedup_workers2_vs_process": speedup(results),
    }
    if args.profile:
        print("profiling process …", file=sys.stderr, flush=True)
        raws = load_corpus(args.corpus, 1, args.profile_limit, settings)
        report["profile"] = profile_in_process(raws, settings, args.out.parent)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown_table(results))
    if report["speedup_workers2_vs_process"]:
        print("\n2 workers vs in-process: " + ", ".join(
            f"{k} {v}" for k, v in report["speedup_workers2_vs_process"].items()))
    if args.profile:
        prof = report["profile"]
        print(f"\nprofile of one in-process run ({prof['articles']} articles, "
              f"{prof['seconds']} s wall, {prof['working_s']} s working): time per stage")
        for name, v in prof["stages"].items():
            print(f"  {v['share']:.1%}  {v['s']:.2f} s  {name}")
        print("top costs (own time):")
        for p in prof["top_own_time"][:5]:
            print(f"  {p['share']:.1%}  {p['own_s']:.2f} s  {p['function']}"
                  + (f"  ← {p['called_from']}" if p["called_from"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
