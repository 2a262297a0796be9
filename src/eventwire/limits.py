"""Per-article time limit.

A wall-clock limit via ``SIGALRM``/``setitimer`` in the main thread of a process (the
CLI, every worker process and every Spark task run stages there). In other threads,
where signals cannot be delivered, the limit is not enforced and the size limits
(bytes, sentences) are what bounds the work.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


class ArticleTimeout(Exception):
    """An article's analysis ran over the configured time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):  # noqa: ARG001
        raise ArticleTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
