"""Ingest: readers per format → ``RawArticle``."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Iterator, Sequence

from ..records import RawArticle
from ..settings import Settings


def _date(v) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def raw_from_string(s: str, published=None, url=None, title=None, source: str = "<string>") -> RawArticle:
    looks_html = s.lstrip()[:1] == "<"
    return RawArticle(source=source, text=None if looks_html else s, html=s if looks_html else None,
                      title=title, url=url, published=_date(published))


def read_paths(paths: Sequence[str], settings: Settings | None = None) -> Iterator[RawArticle]:
    for p in paths:
        if p == "-":
            yield raw_from_string(sys.stdin.read(), source="-")
            continue
        path = Path(p)
        files = sorted(x for x in path.rglob("*") if x.is_file()) if path.is_dir() else [path]
        for f in files:
            yield raw_from_string(f.read_text(encoding="utf-8", errors="replace"), source=str(f))
