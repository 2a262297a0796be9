"""WARC / WARC.gz (warcio) → one article per HTML ``response`` record, streamed.

The URL comes from ``WARC-Target-URI``; the date from the page itself, else from
``WARC-Date`` (the crawl date, a fallback only). warcio does not complain about a cut-off
archive (it returns a short last record, or silently stops at a broken gzip member), so
truncation is detected here: a record whose block is shorter than its
``Content-Length``, or compressed bytes left over after the last complete member. The
records read before the damage are kept and one rejected article reports the damage.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import zlib
from dataclasses import replace
from typing import BinaryIO, Iterator

from ..records import RawArticle
from .articles import from_bytes, too_large

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 16
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def read_warc(stream: BinaryIO, source: str, max_bytes: int,
              total_bytes: int | None = None) -> Iterator[RawArticle]:
    """Articles from a binary WARC stream (plain or gzip); ``source`` = ``path#offset``.

    ``total_bytes`` (the file size, when known) lets a truncated gzip archive be told
    from a complete one.
    """
    from warcio.archiveiterator import ArchiveIterator

    if not _starts_like_archive(stream):
        # warcio reads any text as ARC records and yields nothing: say so instead
        yield RawArticle(source=source, meta={"format": "warc"},
                         reject_reason="not a WARC archive: the file does not begin with a "
                                       "WARC/ (or ARC filedesc://) header — check the file "
                                       "or give it the extension of its real format")
        return
    complete = 0
    it = None
    try:
        it = ArchiveIterator(stream)
        for record in it:
            offset = it.offset  # start of this record (get_record_offset() would read it)
            where = f"{source}#{offset}"
            if record.rec_type is None or record.length is None:
                raise EOFError(f"record at offset {offset} has incomplete WARC headers")
            article = _article(record, where, max_bytes)
            while record.raw_stream.read(_CHUNK):
                pass  # drain what the article did not read, to see whether the block is whole
            missing = getattr(record.raw_stream, "limit", 0)
            if missing > 0:  # block shorter than its Content-Length
                raise EOFError(f"record at offset {offset} is cut short ({missing} bytes missing)")
            complete += 1
            if article is not None:
                yield article
    except Exception as e:  # noqa: BLE001 — warcio/zlib raise many types on bad input
        yield _damaged(source, complete, f"{type(e).__name__}: {_printable(str(e))}")
        return
    if it is not None and total_bytes is not None and it.offset < total_bytes:
        yield _damaged(source, complete,
                       f"{total_bytes - it.offset} bytes after offset {it.offset} are not a "
                       "complete record")


def _starts_like_archive(stream: BinaryIO) -> bool:
    """True when the (possibly gzipped) stream begins with a WARC or ARC header."""
    head = stream.read(4096)
    stream.seek(0)
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(31).decompress(head, 64)
        except zlib.error:
            return False
    return head.lstrip(b"\r\n").startswith((b"WARC/", b"filedesc://"))


def _printable(message: str, limit: int = 160) -> str:
    """An error message that may quote raw archive bytes, made safe for a reason field."""
    cleaned = "".join(ch if ch.isprintable() and ord(ch) < 0x80 else "?" for ch in message)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _damaged(source: str, complete: int, why: str) -> RawArticle:
    return RawArticle(source=source, meta={"format": "warc", "records": complete},
                      reject_reason=f"truncated or corrupt WARC after {complete} records: {why}")


def _article(record, where: str, max_bytes: int) -> RawArticle | None:
    """The article in one record, a rejected article, or None for non-article records."""
    if record.rec_type not in ("response", "resource"):
        return None
    if record.rec_type == "response":
        if record.http_headers is None:
            return None
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            log.debug("skipping %s: HTTP status %s", where, status)
            return None
        ctype = record.http_headers.get_header("Content-Type") or ""
    else:
        ctype = record.rec_headers.get_header("Content-Type") or ""
    if not ctype.lower().startswith(_HTML_TYPES):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or None
    crawled = _warc_date(record.rec_headers.get_header("WARC-Date"))
    meta = {"format": "warc", "warc_record_type": record.rec_type}
    if record.length is not None and record.length > max_bytes:
        return RawArticle(source=where, url=url, published=crawled, meta=meta,
                          reject_reason=too_large(record.length, max_bytes))
    data = _read_up_to(record.content_stream(), max_bytes + 1)
    if len(data) > max_bytes:
        return RawArticle(source=where, url=url, published=crawled, meta=meta,
                          reject_reason=too_large(len(data), max_bytes))
    m = _CHARSET_RE.search(ctype)
    raw = from_bytes(data, where, html_hint=True, declared=m.group(1) if m else None,
                     url=url, meta=meta)
    if raw.published is None and crawled is not None:
        raw = replace(raw, published=crawled, meta={**raw.meta, "published_from": "WARC-Date"})
    return raw


def _read_up_to(stream, limit: int) -> bytes:
    """Read until EOF or ``limit`` bytes (warcio's ``read(n)`` may return less than n)."""
    parts, size = [], 0
    while size < limit:
        chunk = stream.read(min(_CHUNK, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _warc_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
