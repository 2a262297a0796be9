"""Process-pool executor: the pipeline in N worker processes, records in input order.

Why a pool of whole pipelines rather than ``nlp.pipe(n_process=N)``: ``n_process`` only
spreads the parse, while the stages after it (actors, quotes, events, dates) add about
40 % to it (``benchmarks/bench.py``, PolNeAR dev + samples: the whole pipeline runs at
0.72× the bare parse's rate) and would stay serial in a parent that also holds the model.
CPU time per article in the pool is within 6 % of in-process (same run), so two idle cores
should give about 1.9× one process. Each worker loads the spaCy pipeline once (in its initializer); the
parent never loads it, so the parent stays small and only reads input, keeps order and
feeds the single store writer.

How it behaves:

* input is cut into chunks of ``min(settings.batch_size, 16)`` raw articles (small enough
  that the last chunks leave no worker idle for long and the first records come soon,
  large enough that spaCy still batches the parse); at most
  ``2 × workers`` chunks are in flight, so a 100 MB JSONL streams through in bounded memory;
* records come back in input order (a deque of futures, consumed from the head);
* the start method is ``forkserver`` where the platform has it (else ``spawn``): the
  fork server imports the eventwire modules once (``set_forkserver_preload``) so workers
  fork with the libraries already imported but without any model loaded and without the
  parent's threads. Measured (2 workers, 84 PolNeAR dev articles, a shared 2-core machine,
  so ±20 %): forkserver 40 s, spawn 65 s (re-imports spaCy and the stages per worker),
  fork 43 s, fork after loading the model in the parent 35 s. That last one is fastest,
  but it puts the model in the parent and forks a process that may already run threads
  (progress bar, torch), which can deadlock the child; forkserver is the safe default;
* Ctrl-C (``KeyboardInterrupt``) or the consumer closing the generator terminates the
  workers at once; records already yielded (and committed by the store) stay;
* a worker that dies (segfault, killed by the OOM killer) breaks the pool: the chunks that
  were in flight are re-run one article at a time in a fresh pool, so only the article that
  kills a worker again comes back ``failed`` ("worker process died"), and the run goes on;
* an exception raised by the work function itself (not a dead worker) — e.g. no spaCy
  model installed — is a setup error: the pool is terminated and the error re-raised.

Workers ignore SIGINT (the parent decides when to stop them) and run single-threaded:
the BLAS and OpenMP pools that numpy and thinc/torch load (OpenBLAS, libgomp — two threads
each per process on a 2-core machine, spinning while they wait) are limited to one thread
with ``threadpoolctl`` (the environment variables would come too late: the fork server has
already imported numpy), and ``torch.set_num_threads(1)`` once torch is loaded, so N
workers on N cores do not oversubscribe them.
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Callable, Iterable, Iterator, Sequence

from ..records import ArticleRecord, Outcome, RawArticle, content_id
from ..settings import Settings

log = logging.getLogger(__name__)

#: A work function turns one chunk of raw articles into exactly one record per article,
#: in order. It must be importable by name (it is pickled by reference to the workers).
WorkFunction = Callable[[Sequence[RawArticle], Settings], list[ArticleRecord]]

WORKER_DIED = "worker process died"
DEFAULT_CHUNK = 16


class WorkerStartError(RuntimeError):
    """Fresh worker processes die before doing any work (broken environment)."""


def _start_error() -> WorkerStartError:
    return WorkerStartError(
        "worker processes die as soon as they start (before any article) — check that the "
        "main script guards its entry with `if __name__ == \"__main__\":` and that the "
        "model loads in a plain `python -c` (or run with --workers 1)")



# Worker-process state, set by the initializer.
_worker_settings: Settings | None = None
_worker_setup_error: BaseException | None = None


def pipeline_work(chunk: Sequence[RawArticle], settings: Settings) -> list[ArticleRecord]:
    """The default work function: the in-process pipeline over one chunk."""
    from ..pipeline import process

    return list(process(chunk, settings))


def default_start_method() -> str:
    """``forkserver`` where available (Linux, macOS), else ``spawn``."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def load_model(settings: Settings) -> None:
    """The default warm-up: load everything the pipeline loads, once in each worker.

    Running ``process`` over no articles loads the spaCy pipeline and warms the stages'
    lazy resources (quote tagger, event model), so that happens while the pool
    starts rather than inside the first chunk.
    """
    from ..pipeline import process

    for _ in process((), settings):
        pass


def run_pool(raws: Iterable[RawArticle], settings: Settings, *,
             work: WorkFunction = pipeline_work,
             warm_up: Callable[[Settings], None] | None = load_model,
             start_method: str | None = None,
             chunk_size: int | None = None, max_in_flight: int | None = None,
             ) -> Iterator[ArticleRecord]:
    """Records for ``raws`` in input order, computed by ``settings.workers`` processes.

    ``work`` and ``warm_up`` are the plug points (tests use light ones that need no model);
    both must be importable top-level functions.
    """
    workers = max(1, settings.workers)
    chunk_size = max(1, chunk_size or min(settings.batch_size, DEFAULT_CHUNK))
    max_in_flight = max(1, max_in_flight or 2 * workers)
    ctx = multiprocessing.get_context(start_method or default_start_method())
    pool = WorkerPool(ctx, workers, settings, work, warm_up)
    inflight: deque[tuple[list[RawArticle], Future]] = deque()
    it = iter(raws)
    try:
        exhausted = False
        while True:
            while not exhausted and len(inflight) < max_in_flight:
                chunk = list(islice(it, chunk_size))
                if not chunk:
                    exhausted = True
                    break
                inflight.append((chunk, pool.submit(chunk)))
            if not inflight:
                return
            chunk, fut = inflight[0]
            try:
                records = fut.result()
            except BrokenProcessPool:
                pending = list(inflight)
                inflight.clear()
                log.warning("a worker process died; re-running the unfinished chunks one "
                            "article at a time in a fresh pool")
                pool.restart()
                for c, f in pending:
                    if f.done() and not f.cancelled() and f.exception() is None:
                        _check_count(c, f.result())  # finished before the crash: keep
                        yield from f.result()
                    else:
                        yield from _isolate(pool, c)
                continue
            inflight.popleft()
            _check_count(chunk, records)
            yield from records
    finally:
        # Normal end: workers are idle, shut down politely. Any other exit (Ctrl-C,
        # consumer closed us, setup error): terminate now, don't wait for queued chunks.
        pool.close(terminate=bool(inflight) or sys.exc_info()[0] is not None)


def _isolate(pool: "WorkerPool", chunk: list[RawArticle]) -> Iterator[ArticleRecord]:
    """Re-run a suspect chunk one article at a time; an article that kills again fails."""
    for raw in chunk:
        try:
            records = pool.submit([raw]).result()
        except BrokenProcessPool:
            log.error("worker process died on %s; recorded as failed", raw.source)
            pool.restart()
            yield unanalysed(raw, Outcome("failed", WORKER_DIED))
            continue
        _check_count([raw], records)
        yield from records


def _check_count(chunk: Sequence[RawArticle], records: list[ArticleRecord]) -> None:
    if len(records) != len(chunk):
        raise RuntimeError(f"work function returned {len(records)} records for "
                           f"{len(chunk)} articles; it must return one per article")


def unanalysed(raw: RawArticle, outcome: Outcome) -> ArticleRecord:
    """The record of an article no worker finished (it died, or was stopped): no text."""
    basis = raw.text or raw.html or raw.source
    return ArticleRecord(id=content_id(f"{raw.source}\0{basis}"), source=raw.source, text="",
                         outcome=outcome, title=raw.title, url=raw.url,
                         published=raw.published, language=None)


class WorkerPool:
    """A ProcessPoolExecutor of worker processes set up as described above (start method,
    initializer, warm-up), that can be replaced after a crash and terminated at once.
    Not thread-safe: one caller at a time."""

    def __init__(self, ctx, workers: int, settings: Settings, work: WorkFunction,
                 warm_up: Callable[[Settings], None] | None) -> None:
        self._ctx, self._workers, self._settings = ctx, workers, settings
        self._work, self._warm_up = work, warm_up
        self._executor: ProcessPoolExecutor | None = None
        self._warm = False

    @property
    def running(self) -> bool:
        return self._executor is not None

    def warm(self) -> None:
        """Start the workers if none run and wait until one is set up (model loaded);
        a failed set-up (no model installed …) is raised here."""
        if self._executor is not None and self._warm:
            return
        self._run_probe(_check_setup)
        self._warm = True

    def _start(self) -> ProcessPoolExecutor:
        if self._ctx.get_start_method() == "forkserver":
            # Imported once in the fork server, shared by every worker it forks.
            self._ctx.set_forkserver_preload(["eventwire.pipeline"])
        log.info("starting %d worker processes (%s)", self._workers,
                 self._ctx.get_start_method())
        return ProcessPoolExecutor(max_workers=self._workers, mp_context=self._ctx,
                                   initializer=_init_worker,
                                   initargs=(self._settings, self._warm_up, _parent_logging()))

    def submit(self, chunk: list[RawArticle]) -> Future:
        if self._executor is None:
            self._executor = self._start()
        return self._executor.submit(_run_chunk, self._work, chunk)

    def restart(self) -> None:
        """Replace a broken pool; raise if the fresh workers cannot even start."""
        self.close(terminate=True)
        self._run_probe(_ping)

    def _run_probe(self, probe: Callable[[], object]) -> None:
        """Start the workers if none run and wait for ``probe`` to run in one; workers
        that die before it does are a ``WorkerStartError``."""
        if self._executor is None:
            self._executor = self._start()
        try:
            self._executor.submit(probe).result()
        except BrokenProcessPool:
            self.close(terminate=True)
            raise _start_error() from None

    def close(self, terminate: bool) -> None:
        ex, self._executor, self._warm = self._executor, None, False
        if ex is None:
            return
        if not terminate:
            ex.shutdown(wait=True)
            return
        # ProcessPoolExecutor has no public terminate before Python 3.14.
        procs = list((getattr(ex, "_processes", None) or {}).values())
        ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)


def _parent_logging() -> tuple[int, str] | None:
    """The parent's root log level and format, when it has configured logging."""
    root = logging.getLogger()
    if not root.handlers:
        return None
    fmt = getattr(root.handlers[0].formatter, "_fmt", None) or logging.BASIC_FORMAT
    return root.level, fmt


def _init_worker(settings: Settings, warm_up: Callable[[Settings], None] | None,
                 log_config: tuple[int, str] | None) -> None:
    """Worker initializer: parent's logging, ignore Ctrl-C, one thread, load the model once."""
    global _worker_settings, _worker_setup_error
    if log_config is not None:
        # Workers start without the parent's logging set-up; mirror it onto stderr so
        # warnings from stages are not lost.
        logging.basicConfig(level=log_config[0], format=log_config[1], stream=sys.stderr)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads()
    _worker_settings = settings
    try:
        if warm_up is not None:
            warm_up(settings)
    except Exception as e:  # noqa: BLE001 — reported by the first task, not a dead worker
        _worker_setup_error = e
    limit_threads()


def limit_threads() -> None:
    """One thread for the BLAS/OpenMP pools and torch in this process (cheap to repeat)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    _limit_torch_threads()


def _limit_torch_threads() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def _ping() -> bool:
    return True


def _check_setup() -> None:
    if _worker_setup_error is not None:
        raise _worker_setup_error


def _run_chunk(work: WorkFunction, chunk: list[RawArticle]) -> list[ArticleRecord]:
    if _worker_setup_error is not None:
        raise _worker_setup_error
    assert _worker_settings is not None, "worker used without its initializer"
    records = work(chunk, _worker_settings)
    _limit_torch_threads()  # a stage may have imported torch lazily
    return records
