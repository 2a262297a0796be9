"""Closed word classes that several stages read (``knowledge/verb_classes.tsv``): one table,
so the date stage and the event stage mean the same by "a reporting verb"."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _classes() -> dict[str, frozenset[str]]:
    text = resources.files("eventwire").joinpath("knowledge", "verb_classes.tsv").read_text("utf-8")
    out: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            cls, word = line.split("\t")[:2]
            out.setdefault(cls.strip(), set()).add(word.strip().lower())
    return {k: frozenset(v) for k, v in out.items()}


def verb_class(name: str) -> frozenset[str]:
    """The lemmas of one class (``reporting``, ``light``); an unknown class is an error."""
    try:
        return _classes()[name]
    except KeyError:
        raise KeyError(f"no verb class {name!r} in knowledge/verb_classes.tsv; known: "
                       f"{', '.join(sorted(_classes()))}") from None
