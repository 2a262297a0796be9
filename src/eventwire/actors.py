"""Actors: named entities grouped into actors (placeholder until resolution lands)."""
from __future__ import annotations

from .records import Actor, CleanArticle

_KINDS = {"PERSON": "person", "ORG": "organization", "GPE": "country", "NORP": "group",
          "FAC": "location", "LOC": "location"}


def resolve_actors(doc, article: CleanArticle) -> list[Actor]:
    by_name: dict[tuple[str, str], list] = {}
    for ent in doc.ents:
        kind = _KINDS.get(ent.label_)
        if kind:
            by_name.setdefault((ent.text, kind), []).append((ent.start_char, ent.end_char))
    return [Actor(id=f"a{i}", name=n, kind=k, mentions=tuple(m))
            for i, ((n, k), m) in enumerate(by_name.items(), 1)]
