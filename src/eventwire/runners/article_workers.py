"""Extraction on request (the web): one article at a time per worker process, under the
article time limit.

``limits.time_limit`` works through ``SIGALRM``, which only a process's main thread
receives, so an extraction in a web server's request thread would never be cut off.
Here each article goes to a worker process and runs the pipeline in that process's main
thread, under ``ARTICLE_TIMEOUT_S`` exactly as ``eventwire extract`` runs it. Each worker
is a one-process ``pool.WorkerPool``: the pool runner's start method (forkserver), its
initializer (the model loaded once, one BLAS thread, Ctrl-C ignored) and its clean-up.

* ``settings.workers`` workers (``EVENTWIRE_WORKERS``, default 1), started on the first
  article each takes, and warmed up (model loaded) before that article is handed over;
  an article waits in its request thread until a worker is free, so a worker's clock runs
  only while it has the article.
* A backstop for what no signal interrupts (C code that holds the interpreter, such as a
  regular expression backtracking): a worker that has not answered ``2 ×
  ARTICLE_TIMEOUT_S + HARD_LIMIT_GRACE_S`` after it was given the article (the parse and
  the analysis each have the limit; the grace covers cleaning, the parse of an article
  small enough to be parsed in a batch, and the hand-over) is killed and replaced, and the
  article comes back ``rejected`` with a timeout reason.
* A worker that dies on an article is replaced; the article comes back ``failed``
  ("worker process died"). Other workers and their articles are not touched.
* :meth:`ArticleWorkers.close` (the web app's shutdown) terminates them all.
"""
from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from ..records import ArticleRecord, Outcome, RawArticle
from ..settings import Settings
from .pool import (WORKER_DIED, WorkFunction, WorkerPool, default_start_method, load_model,
                   pipeline_work, unanalysed)

log = logging.getLogger(__name__)

# Seconds a worker may take beyond twice the article time limit before it is killed.
HARD_LIMIT_GRACE_S = 30.0


class ArticleWorkers:
    """Worker processes that extract one article per call of :meth:`extract`; safe to
    call from many threads at once."""

    def __init__(self, settings: Settings, *, work: WorkFunction = pipeline_work,
                 warm_up: Callable[[Settings], None] | None = load_model,
                 start_method: str | None = None) -> None:
        self.settings = settings
        ctx = multiprocessing.get_context(start_method or default_start_method())
        self._workers = [WorkerPool(ctx, 1, settings, work, warm_up)
                         for _ in range(max(1, settings.workers))]
        self._idle: queue.Queue[WorkerPool] = queue.Queue()
        for worker in self._workers:
            self._idle.put(worker)
        self._closed = threading.Event()

    @property
    def running(self) -> int:
        """How many workers have a process now."""
        return sum(worker.running for worker in self._workers)

    def hard_limit_s(self) -> float | None:
        """Seconds a worker may hold one article before it is killed (None: no limit,
        as with ``ARTICLE_TIMEOUT_S`` 0)."""
        limit = self.settings.article_timeout_s
        return 2 * limit + HARD_LIMIT_GRACE_S if limit > 0 else None

    def extract(self, raw: RawArticle) -> ArticleRecord:
        """The record of one article, extracted in a free worker (waits for one)."""
        if self._closed.is_set():
            raise RuntimeError("the extraction workers are shut down")
        worker = self._idle.get()
        try:
            return self._run(worker, raw)
        finally:
            self._idle.put(worker)

    def _run(self, worker: WorkerPool, raw: RawArticle) -> ArticleRecord:
        worker.warm()  # start-up and model load happen before the article's clock
        limit = self.hard_limit_s()
        future = worker.submit([raw])
        try:
            (record,) = future.result(timeout=limit)
            return record
        except FutureTimeout:
            log.error("extraction of %s ran over %g s; its worker is replaced", raw.source,
                      limit)
            worker.close(terminate=True)
            return unanalysed(raw, Outcome(
                "rejected", f"timeout: extraction took over {limit:g} s and was stopped "
                "(raise EVENTWIRE_ARTICLE_TIMEOUT_S to allow more)"))
        except BrokenProcessPool:
            log.error("worker process died on %s; it is replaced", raw.source)
            worker.close(terminate=True)
            return unanalysed(raw, Outcome("failed", WORKER_DIED))

    def close(self) -> None:
        """Terminate every worker (articles in progress are lost)."""
        self._closed.set()
        for worker in self._workers:
            worker.close(terminate=True)
