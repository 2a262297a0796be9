"""Executors: in-process, process pool, Spark. All yield records in input order.

``run_records`` is the one entry the CLI uses: ``settings.workers == 1`` runs the pipeline
in this process; more workers run it in a process pool (``runners.pool``) while this
process only reads input, keeps order and feeds the single store writer. The Spark runner
(``runners.spark``) writes Parquet tables instead of yielding records.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from ..clean import LineMemory, learn_chrome
from ..records import ArticleRecord, RawArticle
from ..settings import Settings


def run_records(raws: Iterable[RawArticle], settings: Settings,
                chrome_memory: LineMemory | None = None) -> Iterator[ArticleRecord]:
    """Records for ``raws`` in input order, with ``settings.workers`` processes.

    Page chrome is learned here, before the work is shared out, across the articles of
    each source (``clean.learn_chrome``); ``chrome_memory`` (the store) carries what was
    learned from earlier batches.
    """
    raws = learn_chrome(raws, chrome_memory)
    if settings.workers <= 1:
        from ..pipeline import process
        from .pool import limit_threads

        # One BLAS/OpenMP thread, as each pool worker runs: on the parse's small matrices a
        # second spinning thread costs CPU without speeding it up (benchmarks: process-1t).
        limit_threads()
        return process(raws, settings)
    from .pool import run_pool

    return run_pool(raws, settings)
