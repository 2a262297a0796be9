"""JSON Lines → one article per line, streamed; a bad line becomes a rejected article.

Each line is an object with ``text`` or ``html`` and optional ``title``, ``url``,
``published`` (ISO date or datetime), ``author``, ``site_name`` and ``id``. A record's
``text`` is kept whole (no headline is split off it: the producer already cut it). Lines are read one at a time with a
bounded ``readline`` so a 100 MB file, or one absurdly long line, never sits in memory.
"""
from __future__ import annotations

import json
from typing import Any, BinaryIO, Iterator

from ..records import RawArticle
from .articles import from_html, from_text, parse_published, too_large

_CHUNK = 1 << 20
_OPTIONAL_STR = ("title", "url", "author", "site_name")


def read_jsonl(stream: BinaryIO, source: str, max_bytes: int) -> Iterator[RawArticle]:
    """Articles from a binary JSONL stream; ``source`` of each is ``"<source>:<lineno>"``."""
    lineno = 0
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        lineno += 1
        where = f"{source}:{lineno}"
        if len(line) > max_bytes and not line.endswith(b"\n"):
            size = len(line) + _skip_rest_of_line(stream)
            yield RawArticle(source=where, reject_reason=f"line {lineno}: {too_large(size, max_bytes)}")
            continue
        if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        yield parse_jsonl_line(line, where, lineno)


def parse_jsonl_line(line: bytes | str, source: str, lineno: int = 0) -> RawArticle:
    """One JSONL line → RawArticle (rejected, with the line number and problem, if bad)."""
    def bad(problem: str) -> RawArticle:
        return RawArticle(source=source, reject_reason=f"line {lineno}: {problem}",
                          meta={"format": "jsonl", "line": lineno})

    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as e:
            return bad(f"not valid UTF-8 ({e.reason} at byte {e.start})")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return bad(f"broken JSON ({e.msg} at column {e.colno})")
    if not isinstance(obj, dict):
        return bad(f"expected a JSON object, got {_json_type(obj)}")
    text, html = obj.get("text"), obj.get("html")
    for key, value in (("text", text), ("html", html)):
        if value is not None and not isinstance(value, str):
            return bad(f'"{key}" must be a string, got {_json_type(value)}')
    if not (text or html):
        return bad('no "text" or "html" field with content')
    for key in _OPTIONAL_STR:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return bad(f'"{key}" must be a string, got {_json_type(obj[key])}')
    for key in ("text", "html") + _OPTIONAL_STR:
        value = obj.get(key)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as e:  # a lone "\ud800" escape: not valid Unicode
                return bad(f'"{key}" holds an unpaired surrogate escape at character {e.start} '
                           "(not valid Unicode; fix the program that wrote the file)")
            if "\x00" in value:  # a "\u0000" escape: no store (PostgreSQL) can hold it
                return bad(f'"{key}" holds a NUL character (\\u0000) at character '
                           f'{value.index(chr(0))}; remove it from the file')
    try:
        published = parse_published(obj.get("published"))
    except ValueError as e:
        return bad(str(e))
    ident = obj.get("id")
    if ident is not None and not isinstance(ident, (str, int)):
        return bad(f'"id" must be a string or integer, got {_json_type(ident)}')
    meta: dict[str, Any] = {"format": "jsonl", "line": lineno}
    if ident is not None:
        meta["id"] = ident
    kw = dict(title=obj.get("title") or None, url=obj.get("url") or None,
              published=published, meta=meta, author=obj.get("author") or None,
              site_name=obj.get("site_name") or None)
    if text:
        # the record's text is the article as its producer cut it: no header is read off
        return from_text(text, source, header=False, **kw)
    meta["format"] = "jsonl+html"
    return from_html(html, source, **kw)


def _skip_rest_of_line(stream: BinaryIO) -> int:
    skipped = 0
    while True:
        chunk = stream.readline(_CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean",
            type(None): "null", int: "number", float: "number"}.get(type(value), type(value).__name__)
