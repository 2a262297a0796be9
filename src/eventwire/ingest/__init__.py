"""Ingest: files, folders, stdin and strings → ``RawArticle`` streams, one reader per format.

Formats are chosen by extension, then confirmed or found by sniffing the first bytes
(``.txt``/unknown → text or HTML, ``.html``, ``.jsonl``, ``.warc[.gz]``, RSS/Atom
``.xml``/``.rss``/``.atom``). Nothing here raises on bad input: an unreadable, binary,
empty, oversized or damaged input becomes a ``RawArticle`` with ``reject_reason``, so it
reaches the store as a ``rejected`` outcome and the batch goes on. JSONL and WARC files
are streamed record by record; single-article files are size-checked before reading.
"""
from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

from ..records import RawArticle
from ..settings import Settings
from .articles import from_bytes, from_string, parse_published, split_title, too_large
from .feed import entity_bomb_reason, is_feed, read_feed, xml_root
from .jsonl import parse_jsonl_line, read_jsonl
from .warc import read_warc

__all__ = ["raw_from_string", "read_paths", "read_file", "read_bytes", "parse_jsonl_line",
           "split_title", "ARTICLE_SUFFIXES"]

_TEXT = (".txt", ".text")
_HTML = (".html", ".htm", ".xhtml", ".shtml")
_JSONL = (".jsonl", ".ndjson")
_WARC = (".warc", ".warc.gz", ".arc", ".arc.gz")
_FEED = (".xml", ".rss", ".atom")
#: What a folder walk picks up; name any other file explicitly to read it (as text).
ARTICLE_SUFFIXES = _TEXT + _HTML + _JSONL + _WARC + _FEED
_HEAD = 64 * 1024
STDIN_SOURCE = "<stdin>"


def raw_from_string(s: str, published=None, url=None, title=None,
                    source: str = "<string>") -> RawArticle:
    """One article from a string of text or HTML (told apart by sniffing).

    ``published`` may be a ``date``, a ``datetime``, an ISO 8601 string or None; a string
    that is not ISO 8601 raises ``ValueError`` (a caller's mistake, not bad input).
    A plain text whose first line is a headline has it split off into ``title`` when no
    title is given.
    """
    return from_string(s, source, title=title, url=url, published=parse_published(published))


def read_paths(paths: Sequence[str], settings: Settings | None = None) -> Iterator[RawArticle]:
    """Stream articles from files, folders (recursive, sorted) and ``-`` (stdin, one article)."""
    settings = settings or Settings.load()
    for p in paths:
        if p == "-":
            yield _read_stdin(settings)
            continue
        path = Path(p)
        if path.is_dir():
            for f in _walk(path):
                yield from read_file(f, settings)
        else:
            yield from read_file(path, settings)


def read_file(path: Path | str, settings: Settings | None = None) -> Iterator[RawArticle]:
    """Articles in one file (several for JSONL, WARC and feeds)."""
    settings = settings or Settings.load()
    path = Path(path)
    source = str(path)
    try:
        st = path.stat()
        if not path.is_file():
            yield _rejected(source, "not a regular file")
            return
        with path.open("rb") as stream:
            yield from read_stream(stream, path.name, source, st.st_size, settings)
    except FileNotFoundError:
        yield _rejected(source, "cannot read: no such file or folder")
    except PermissionError as e:
        yield _rejected(source, f"cannot read: permission denied ({e.strerror}); check the "
                                "file's permissions")
    except (OSError, EOFError, zlib.error) as e:
        yield _rejected(source, f"cannot read: {type(e).__name__}: {e}")


def read_bytes(data: bytes, name: str, settings: Settings | None = None,
               source: str | None = None) -> Iterator[RawArticle]:
    """Articles in one file's bytes (any format, chosen by ``name``'s extension and sniffing).

    For callers that already hold the bytes (Spark ``binaryFiles``, uploads).
    """
    settings = settings or Settings.load()
    yield from read_stream(io.BytesIO(data), name, source or name, len(data), settings)


def read_stream(stream: BinaryIO, name: str, source: str, size: int | None,
                settings: Settings) -> Iterator[RawArticle]:
    """Articles in a seekable binary stream holding one file named ``name``."""
    limit = settings.max_article_bytes
    head = stream.read(_HEAD)
    stream.seek(0)
    if not head:
        yield _rejected(source, "empty: file has no content")
        return
    kind = _kind(name.lower(), head)
    if kind == "warc":
        yield from read_warc(stream, source, limit, total_bytes=size)
        return
    if kind == "jsonl":
        yield from read_jsonl(stream, source, limit)
        return
    if size is not None and size > limit:
        yield _rejected(source, too_large(size, limit))
        return
    data = stream.read(limit + 1)
    if len(data) > limit:
        yield _rejected(source, too_large(len(data), limit))
        return
    if kind == "feed":
        yield from read_feed(data, source)
    elif kind == "xml":
        root = xml_root(data)
        yield _rejected(source, entity_bomb_reason(data)
                        or f"XML document with root <{root}>, not an RSS/Atom feed")
    else:
        yield from_bytes(data, source, html_hint=(kind == "html"), text_only=(kind == "text"))


def _kind(name: str, head: bytes) -> str:
    """Reader for a file: by extension, then by sniffing ``head`` for the others."""
    if name.endswith(_WARC) or _is_warc(head):
        return "warc"
    if name.endswith(_JSONL):
        return "jsonl"
    if name.endswith(_HTML):
        return "html"
    if name.endswith(_TEXT):
        return "text"
    xml_decl = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml")
    if name.endswith(_FEED) or xml_decl or is_feed(head):
        if entity_bomb_reason(head) or is_feed(head):
            return "feed"
        return "html" if xml_root(head) == "html" else "xml"
    if _looks_like_jsonl(head):
        return "jsonl"
    return "auto"


def _is_warc(head: bytes) -> bool:
    if head.startswith(b"WARC/"):
        return True
    if head[:2] == b"\x1f\x8b":
        try:
            return gzip.GzipFile(fileobj=io.BytesIO(head)).read(5) == b"WARC/"
        except (OSError, EOFError, zlib.error):
            return False
    return False


def _looks_like_jsonl(head: bytes) -> bool:
    import json

    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    if not first.startswith(b"{"):
        return False
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return isinstance(obj, dict) and ("text" in obj or "html" in obj)


def _read_stdin(settings: Settings) -> RawArticle:
    limit = settings.max_article_bytes
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        return _rejected(STDIN_SOURCE, f"too large: over {limit} bytes on stdin "
                                       "(raise EVENTWIRE_MAX_ARTICLE_BYTES)")
    if not data:
        return _rejected(STDIN_SOURCE, "empty: nothing on stdin")
    return from_bytes(data, STDIN_SOURCE)


def _walk(root: Path) -> list[Path]:
    """Article files under ``root``, hidden entries skipped, sorted by path components."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and name.lower().endswith(ARTICLE_SUFFIXES):
                found.append(Path(folder, name))
    return sorted(found, key=lambda f: f.relative_to(root).parts)


def _rejected(source: str, reason: str) -> RawArticle:
    return RawArticle(source=source, reject_reason=reason)
