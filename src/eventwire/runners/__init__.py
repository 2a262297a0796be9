"""Executors: in-process, process pool, Spark. All yield records in input order."""
from __future__ import annotations

from typing import Iterable, Iterator

from ..records import ArticleRecord, RawArticle
from ..settings import Settings


def run_records(raws: Iterable[RawArticle], settings: Settings) -> Iterator[ArticleRecord]:
    """Records for ``raws`` in input order, with ``settings.workers`` processes."""
    from ..pipeline import process

    return process(raws, settings)
