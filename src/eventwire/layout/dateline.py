"""The dateline that opens a wire story: where it was filed.

"ANKARA (Reuters) - ", "PARIS, Feb 5 (AFP) – ", "MOSCOW — ", "HEMPSTEAD, N.Y., Sept. 26
(UPI) — ", "Kyiv (AFP) - ": a place name at the start of a line (in capitals, or in title
case when an agency in brackets follows), an optional state, date or agency, then a dash.
The place is where the story was filed, not an actor, and the words before the dash
belong to no quote.
"""
from __future__ import annotations

import re

from ..records import Dateline

# Labels that open headlines and ledes the same way ("EXCLUSIVE – ", "UPDATE - ") are
# not places.
_NOT_PLACES = (r"(?!(?:EXCLUSIVE|BREAKING(?: NEWS)?|UPDATED?|WATCH|LIVE|ANALYSIS|OPINION|"
               r"EDITORIAL|VIDEO|PHOTOS?|CORRECTION|FILE|REVIEW|COMMENT|EXPLAINER|FACT CHECK)"
               r"[ \t]*[-—–(,])")
_CAPS_PLACE = _NOT_PLACES + r"[A-Z][A-Z.'\- ]{1,40}?"
# Title-case places ("Kyiv", "New Delhi") only before an agency: "Kyiv - " alone could be a
# headline fragment, "Kyiv (AFP) - " cannot.
_TITLE_PLACE = r"[A-Z][a-z'.\-]+(?: [A-Z][a-z'.\-]+){0,3}"
_REST = r"(?:[ \t]*,[^\n\-—–]{0,60}?)?[ \t]*"
_AGENCY = r"\([A-Za-z][\w .&/-]{0,30}\)[ \t]*"
_DASH = r"[-—–]{1,2}(?:[ \t]|$)"
DATELINE = re.compile(
    rf"^[ \t]*(?P<place>{_CAPS_PLACE}|{_TITLE_PLACE}(?={_REST}{_AGENCY}))"
    rf"{_REST}(?:{_AGENCY})?{_DASH}", re.M)
DATELINE_SEARCH_CHARS = 1500


def dateline_end(text: str, pos: int) -> int | None:
    """Where the dateline that opens the line at ``pos`` ends ("ANKARA (Reuters) - "),
    or None when that line opens with none."""
    if pos > 0 and text[pos - 1] != "\n":
        return None
    m = DATELINE.match(text, pos)
    return m.end() if m else None


def find_dateline(text: str) -> Dateline | None:
    """The first dateline within the story's first ``DATELINE_SEARCH_CHARS`` characters."""
    m = DATELINE.search(text, 0, min(len(text), DATELINE_SEARCH_CHARS))
    if m is None:
        return None
    raw = m.group("place").strip()
    place = " ".join(w.capitalize() if w.isupper() and len(w) > 2 else w
                     for w in raw.split()) if raw.isupper() else raw
    written = m.group().strip()
    start = m.start() + m.group().index(written)
    return Dateline(written, place, (start, start + len(written)))
