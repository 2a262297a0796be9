"""Bytes → text: BOM first, then strict UTF-8, then charset-normalizer; binary refused.

Order and why: a BOM is authoritative; most of today's news is UTF-8 and a strict UTF-8
decode almost never succeeds on other encodings by accident; only then is the
statistical detector (charset-normalizer) asked. When it names a single-byte Latin code
page (it often says cp1250 for short Western text) and the bytes are valid windows-1252,
windows-1252 wins: it is what the WHATWG encoding standard uses for "latin-1" labels and
the usual legacy encoding of English web text, and it keeps curly quotes and dashes.
UTF-16 without a BOM is recognised by its zero-byte pattern before the NUL-byte binary
check would refuse it.
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Single-byte Latin-script code pages that charset-normalizer may pick for Western text.
_LATIN_SINGLE_BYTE = {
    "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_2", "iso8859_3",
    "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15",
    "iso8859_16", "mac_roman", "mac_latin2", "mac_iceland", "mac_turkish", "cp437", "cp850",
    "cp858", "cp1140", "hp_roman8",
}

# Labels that browsers (WHATWG encoding standard) decode as windows-1252.
_WHATWG_ALIASES = {"latin_1": "cp1252", "ascii": "cp1252", "iso8859_1": "cp1252"}

# Control characters other than tab, newline, carriage return, form feed and vertical tab.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Above this share of control characters a "text" is really binary (calibrated by hand:
# real text has none; compressed or image bytes decoded as cp1252 have 5-15 %).
MAX_CONTROL_RATIO = 0.01
_SNIFF_BYTES = 64 * 1024


class DecodeError(ValueError):
    """The bytes are not usable text; the message is the reject reason."""


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` to ``(text, encoding)`` or raise :class:`DecodeError`.

    ``declared`` is an encoding named by the container (an HTTP header, an HTML meta tag);
    it is used when the bytes decode cleanly with it and there is no BOM.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), enc
            except UnicodeDecodeError as e:
                raise DecodeError(f"undecodable text: {enc} byte order mark but {e.reason} "
                                  f"at byte {e.start + len(bom)}") from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if data[:2] == b"\x1f\x8b":
        raise DecodeError("binary content, not text: gzip-compressed data "
                          "(decompress it first, e.g. with gunzip)")
    nul = data.find(b"\x00", 0, _SNIFF_BYTES)
    if nul >= 0:
        raise DecodeError(f"binary content, not text (NUL byte at offset {nul})")
    text, enc = _decode_unmarked(data, declared)
    _check_controls(text)
    return text, enc


def _decode_unmarked(data: bytes, declared: str | None) -> tuple[str, str]:
    if declared:
        try:
            name = codecs.lookup(declared).name
            name = _WHATWG_ALIASES.get(name, name)
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise DecodeError("undecodable text: not UTF-8 and no other encoding fits "
                          "(convert the file to UTF-8)")
    enc = best.encoding
    if enc in _LATIN_SINGLE_BYTE:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best), enc


def _utf16_without_bom(data: bytes) -> str | None:
    """Name the UTF-16 byte order when zero bytes sit in every other position."""
    head = data[:4096]
    if len(head) < 8 or len(head) % 2:
        head = head[: len(head) - len(head) % 2]
    if len(head) < 8:
        return None
    even_zero = head[0::2].count(0) / (len(head) / 2)
    odd_zero = head[1::2].count(0) / (len(head) / 2)
    if odd_zero > 0.4 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.4 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def _check_controls(text: str) -> None:
    sample = text[:_SNIFF_BYTES]
    if not sample:
        return
    controls = len(_CONTROL_RE.findall(sample))
    unassigned = sum(1 for ch in sample if ch >= "\x80" and unicodedata.category(ch) in ("Cc", "Co", "Cn"))
    ratio = (controls + unassigned) / len(sample)
    if ratio > MAX_CONTROL_RATIO:
        raise DecodeError(f"binary content, not text ({ratio:.0%} control or unassigned "
                          "characters)")
