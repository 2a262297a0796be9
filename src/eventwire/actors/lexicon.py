"""The actor knowledge the stage reads names with: the compiled knowledge base and the
phrase tables.

* ``kb.py`` — the compiled knowledge base (``knowledge/kb.json.gz``, built by
  ``eventwire train kb``): country names with historical names and years, demonyms,
  regions, cities, organisations (IGOs, NGOs, armed groups, parties, media, companies,
  national institutions) and people with their offices and years. This module asks it
  with the article's publication date and focus state.
* ``capitals.tsv`` — capitals and seats of government that stand for a government by
  metonymy ("Ankara said" → Turkey; "the Kremlin" → RUS GOV).
* ``titles.tsv`` — titles and role nouns → sectors, kind, gender and scope.
* ``org_types.tsv`` — words inside organisation names that tell the sector.
* ``actor_words.tsv`` — closed word classes (quantifiers, motion verbs, locative
  prepositions, honorifics, government heads).

Every file names its source and licence in its header.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator

from .kb import Entry, KnowledgeBase, knowledge_base, norm_name

SECTOR_CODES = frozenset(
    "GOV MIL COP JUD LEG SPY PTY ELI REB UAF INS BUS MED JRN CVL EDU HLH LAB REL REF AGR "
    "CRM OPP ENV NGO IGO UNK".split())
ACTOR_KINDS = frozenset({"person", "organization", "country", "group", "location"})
NAME_TYPES = frozenset({"common", "alias", "historical"})

__all__ = ["Lexicon", "Place", "Title", "lexicon", "norm_name", "read_table", "Entry"]


@dataclass(frozen=True)
class Place:
    """What a name of an organisation, seat or capital denotes."""

    country: str | None     # ISO-3, IGO, NGO, IMG or None
    sectors: tuple[str, ...]
    canonical: str | None = None
    city: bool = False      # a capital that stands for its country (or IGO), not a building
    generic: bool = False   # a body most states have: the article's state comes first
    type: str = ""          # the knowledge base's type (igo, party, media, institution …)


@dataclass(frozen=True)
class Title:
    title: str
    sectors: tuple[str, ...]
    kind: str
    plural_only: bool = False
    gender: str | None = None
    national: bool = False  # an office a state has once: unqualified, the focus state's


@dataclass(frozen=True)
class Lexicon:
    kb: KnowledgeBase
    seats: dict[str, Place]            # capitals and seats of government (metonymy)
    titles: dict[str, Title]           # lemma title → sectors, kind
    title_pattern: re.Pattern[str]     # longest-first alternation over titles
    org_words: dict[str, tuple[str, ...]]
    title_heads: frozenset[str]        # last word of every title ("defense minister" → minister)
    words: dict[str, frozenset[str]]   # actor_words.tsv classes

    # -- countries -------------------------------------------------------------------------
    def country(self, text: str, published: dt.date | None = None,
                focus: str | None = None) -> Entry | None:
        """A state named by one of its names ("Holland", "Zaire" in 1995) — not by an
        adjective or demonym."""
        e = self.kb.resolve(text, published, focus, kinds={"country"})
        return e if e is not None and e.type in NAME_TYPES else None

    def country_of(self, text: str, published: dt.date | None = None) -> str | None:
        e = self.country(text, published)
        return e.country if e else None

    def demonym_of(self, text: str, published: dt.date | None = None) -> str | None:
        """The state of a nationality adjective or demonym ("Turkish", "Syrians")."""
        return (self.kb.adjective_country(text, published)
                or self.kb.people_country(text, published))

    def country_name(self, iso3: str) -> str | None:
        return self.kb.country_name(iso3)

    # -- organisations, seats, places ------------------------------------------------------
    def org(self, text: str, published: dt.date | None = None,
            focus: str | None = None) -> Place | None:
        e = self.kb.resolve(text, published, focus, kinds={"organization"})
        if e is None:
            return None
        return Place(e.country, e.sectors, e.name, generic=e.generic, type=e.type)

    def place_of(self, text: str, published: dt.date | None = None,
                 focus: str | None = None) -> tuple[str, Place] | None:
        """(table, place): an organisation of the knowledge base (``igo`` for
        intergovernmental bodies, else ``institution``), else a capital or seat."""
        hit = self.org(text, published, focus)
        if hit is not None:
            return ("igo" if hit.country == "IGO" else "institution"), hit
        seat = self.seats.get(norm_name(text))
        return ("seat", seat) if seat else None

    def region_of(self, text: str, published: dt.date | None = None,
                  focus: str | None = None) -> str | None:
        """The country of a region, province, territory or city ("Texas" → USA, "Mosul"
        → IRQ); None when the name is shared and the article does not decide."""
        e = self.kb.resolve(text, published, focus, kinds={"region", "city"})
        return e.country if e else None

    def person(self, text: str, published: dt.date | None = None,
               focus: str | None = None) -> Entry | None:
        """A person of the knowledge base with the office held at the publication date
        (the most recent one, as current, when the date is unknown)."""
        if published is None:
            terms = [e for e in self.kb.lookup(text) if e.kind == "person"]
            if not terms:
                return None
            if len({(e.name, e.country) for e in terms}) > 1:
                mine = [e for e in terms if focus is not None and e.country == focus]
                if len({e.name for e in mine}) != 1:
                    return None
                terms = mine
            # the date unknown: the highest office held, the latest term of it
            return min(terms, key=lambda e: (_office_rank(e.office), -(e.valid_from or 0)))
        return self.kb.resolve(text, published, focus, kinds={"person"})

    def is_generic(self, text: str) -> bool:
        """Whether the name is an institution most states have ("Supreme Court")."""
        return any(e.generic for e in self.kb.lookup(text) if e.kind == "organization")

    def country_hint(self, text: str, published: dt.date | None = None,
                     focus: str | None = None) -> tuple[str, tuple[str, ...]] | None:
        """Country (and the sectors the word implies) from any name-like word or phrase:
        an organisation, seat, state name or demonym."""
        hit = self.place_of(text, published, focus)
        if hit and hit[1].country:
            return hit[1].country, hit[1].sectors
        iso = self.country_of(text, published) or self.demonym_of(text, published)
        return (iso, ()) if iso else None


def _office_rank(office: str | None) -> int:
    from .kb import HEAD_OFFICES

    if office in HEAD_OFFICES:
        return 0
    if office and ("minister" in office or "secretary" in office):
        return 1
    return 2


def _rows(name: str) -> Iterator[list[str]]:
    text = resources.files("eventwire").joinpath("knowledge", name).read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        yield [c.strip() for c in line.split("\t")]


def read_table(name: str) -> list[list[str]]:
    """Rows of a knowledge TSV (comment lines dropped); used by the loader and the tests."""
    return list(_rows(name))


def _title(row: list[str]) -> Title:
    t, s, k = row[0], row[1], row[2]
    gender = row[3] if len(row) > 3 and row[3] else None
    national = len(row) > 4 and row[4] == "national"
    return Title(t.casefold(), tuple(s.split()), k.split("-")[0], k.endswith("-plural"),
                 gender, national)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load every table once per process."""
    seats = {norm_name(r[0]): Place(r[1], tuple(r[2].split()),
                                    r[4] if len(r) > 4 and r[4] else r[0], r[3] == "city")
             for r in _rows("capitals.tsv")}
    titles = {r[0].casefold(): _title(r) for r in _rows("titles.tsv")}
    alternation = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])")
    org_words = {w.casefold(): tuple(s.split()) for w, s in _rows("org_types.tsv")}
    heads = frozenset(t.split()[-1].split("-")[-1] for t in titles) | frozenset(titles)
    words: dict[str, set[str]] = {}
    for cls, word in _rows("actor_words.tsv"):
        words.setdefault(cls, set()).add(word.casefold())
    return Lexicon(knowledge_base(), seats, titles, pattern, org_words, heads,
                   {k: frozenset(v) for k, v in words.items()})
