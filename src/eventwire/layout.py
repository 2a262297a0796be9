"""Article layout read off plain text: the dateline that opens a wire story.

"ANKARA (Reuters) - ", "PARIS, Feb 5 (AFP) – ", "MOSCOW — ": a place name in capitals at the
start of a line, an optional date or agency, then a dash. The place is where the story was
filed, not an actor, and the words before the dash belong to no quote.
"""
from __future__ import annotations

import re

DATELINE = re.compile(
    r"^[ \t]*(?P<place>[A-Z][A-Z.'\- ]{1,40}?)(?:[ \t]*,[^\n\-—–]{0,60}?)?[ \t]*"
    r"(?:\([A-Za-z][\w .&-]{0,30}\)[ \t]*)?[-—–]{1,2}(?:[ \t]|$)", re.M)
DATELINE_SEARCH_CHARS = 1500


def dateline_end(text: str, pos: int) -> int | None:
    """Where the dateline that opens the line at ``pos`` ends ("ANKARA (Reuters) - "),
    or None when that line opens with none."""
    if pos > 0 and text[pos - 1] != "\n":
        return None
    m = DATELINE.match(text, pos)
    return m.end() if m else None
