"""Quotation-mark spans: pair opening and closing marks in a text, news-style.

Hand-written rather than taken from a library because the news conventions matter here
and no maintained library implements them: a quote that runs over several paragraphs has
no closing mark until its last paragraph, and each continuation paragraph re-opens with a
mark; straight ``"`` marks must be told apart as opening or closing by their context;
single marks (‘ ’ ') are nested quotes or apostrophes, so they never open a top-level
quote. An opening mark that is never closed (a typo, a cut article) yields no span rather
than swallowing the rest of the text.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..records import Span

# opening mark → the marks that may close it
_PAIRS = {"“": "”\"", "\"": "\"”", "«": "»", "„": "“”\""}
_OPEN_BEFORE = set(" \t\n([{—–-/:;,") | {""}


@dataclass(frozen=True)
class MarkedQuote:
    """A top-level quotation: ``span`` includes both marks; ``pieces`` are the paragraph
    parts of a multi-paragraph quote (one piece otherwise)."""

    span: Span
    pieces: tuple[Span, ...]

    @property
    def inner(self) -> Span:
        return self.span[0] + 1, self.span[1] - 1


def _opens(text: str, i: int) -> bool:
    ch = text[i]
    if ch in "“«„":
        return True
    if ch != "\"":
        return False
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return before in _OPEN_BEFORE and after not in ("", " ", "\n", "\t")


def _para_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j


def _next_para_start(text: str, i: int) -> int:
    """Index of the first non-blank character after the paragraph break at ``i``."""
    j = i
    while j < len(text) and text[j] in " \t\r\n":
        j += 1
    return j


def find_marked_quotes(text: str, max_chars: int = 5_000) -> list[MarkedQuote]:
    """Top-level quotation spans in ``text``, sorted and never overlapping.

    ``max_chars`` bounds one quote (the ``max_quote_chars`` setting) so that a stray mark
    cannot turn a whole article into a quote.
    """
    out: list[MarkedQuote] = []
    i, n = 0, len(text)
    while i < n:
        if not _opens(text, i):
            i += 1
            continue
        start, closers = i, _PAIRS[text[i]]
        pieces: list[Span] = []
        piece_start, j, end = i, i + 1, None
        while j < n and j - start <= max_chars:
            ch = text[j]
            if ch == "\n":
                nxt = _next_para_start(text, j)
                # multi-paragraph convention: no closing mark, next paragraph re-opens
                if nxt < n and text[nxt] in "“\"«":
                    pieces.append((piece_start, j))
                    piece_start, j = nxt, nxt + 1
                    continue
                break
            if ch in closers:
                end = j + 1
                break
            j += 1
        if end is None:
            i = start + 1  # unbalanced: no quote from this mark
            continue
        pieces.append((piece_start, end))
        out.append(MarkedQuote((start, end), tuple(pieces)))
        i = end
    return out


def quote_mask(text: str, quotes: list[MarkedQuote]) -> bytearray:
    """Per character: 0 outside, 1 inside a quote, 2 on its opening or closing mark."""
    mask = bytearray(len(text))
    for q in quotes:
        for s, e in q.pieces:
            mask[s:e] = b"\x01" * (e - s)
            mask[s] = 2
        mask[q.span[1] - 1] = 2
    return mask
