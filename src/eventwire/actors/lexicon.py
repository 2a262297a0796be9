"""Actor knowledge tables (countries, demonyms, seats, institutions, IGOs, titles, org words).

Read once per process from the TSV files under ``eventwire/knowledge/`` and cached; each
file names its source and licence in its header. Country names come from pycountry
(name, official and common names) plus ``countries.tsv`` for the usual press forms that
ISO does not list ("U.S.", "Britain", "Russia", "Turkey"); regions come from pycountry's
ISO 3166-2 subdivisions plus ``regions.tsv`` for press forms ("Bavaria", "Crimea").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator

SECTOR_CODES = frozenset(
    "GOV MIL COP JUD LEG SPY PTY ELI REB UAF INS BUS MED JRN CVL EDU HLH LAB REL REF AGR "
    "CRM OPP ENV NGO IGO UNK".split())
ACTOR_KINDS = frozenset({"person", "organization", "country", "group", "location"})

_APOS = str.maketrans({"\u2019": "'", "\u2018": "'"})
_SPACE = re.compile(r"\s+")


def norm_name(text: str) -> str:
    """Lookup key for a name: case-folded, straight apostrophes, no leading "the", no
    possessive, no trailing full stop ("The U.S.'s" → "u.s")."""
    s = _SPACE.sub(" ", text.translate(_APOS)).strip().casefold()
    if s.startswith("the "):
        s = s[4:]
    if s.endswith("'s"):
        s = s[:-2]
    elif s.endswith("'"):
        s = s[:-1]
    return s.rstrip(".").strip()


@dataclass(frozen=True)
class Place:
    """A lookup result: what a name denotes."""

    country: str            # ISO-3 or "IGO"
    sectors: tuple[str, ...]
    canonical: str | None = None
    city: bool = False      # a capital that stands for its country (or IGO), not a building
    generic: bool = False   # a body most states have: a dateline's state comes first


@dataclass(frozen=True)
class Title:
    title: str
    sectors: tuple[str, ...]
    kind: str
    plural_only: bool = False


@dataclass(frozen=True)
class Lexicon:
    countries: dict[str, str]          # norm name → ISO-3
    demonyms: dict[str, str]           # norm demonym → ISO-3
    seats: dict[str, Place]            # capitals and seats of government (metonymy)
    institutions: dict[str, Place]     # national institutions, parties, media
    igos: dict[str, Place]             # IGO aliases
    titles: dict[str, Title]           # lemma title → sectors, kind
    title_pattern: re.Pattern[str]     # longest-first alternation over titles
    org_words: dict[str, tuple[str, ...]]
    title_heads: frozenset[str]        # last word of every title ("defense minister" → minister)
    regions: dict[str, str]            # norm region, state or province name → ISO-3

    def country_of(self, text: str) -> str | None:
        return self.countries.get(norm_name(text))

    def demonym_of(self, text: str) -> str | None:
        return self.demonyms.get(norm_name(text))

    def place_of(self, text: str) -> tuple[str, Place] | None:
        """(table, place) for a name in the IGO, institution or seat tables, in that order."""
        key = norm_name(text)
        for table, entries in (("igo", self.igos), ("institution", self.institutions),
                               ("seat", self.seats)):
            hit = entries.get(key)
            if hit:
                return table, hit
        return None

    def region_of(self, text: str) -> str | None:
        """The country of a region, state or province ("Texas" → USA, "Bavaria" → DEU)."""
        return self.regions.get(norm_name(text))

    def is_generic(self, text: str) -> bool:
        """Whether the name is an institution most states have ("Supreme Court")."""
        hit = self.institutions.get(norm_name(text))
        return hit is not None and hit.generic

    def country_hint(self, text: str) -> tuple[str, tuple[str, ...]] | None:
        """Country (and the sectors the word implies) from any name-like word or phrase."""
        hit = self.place_of(text)
        if hit:
            return hit[1].country, hit[1].sectors
        iso = self.country_of(text) or self.demonym_of(text)
        return (iso, ()) if iso else None


def _rows(name: str) -> Iterator[list[str]]:
    text = resources.files("eventwire").joinpath("knowledge", name).read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        yield [c.strip() for c in line.split("\t")]


def read_table(name: str) -> list[list[str]]:
    """Rows of a knowledge TSV (comment lines dropped); used by the loader and the tests."""
    return list(_rows(name))


def _pycountry_names() -> dict[str, str]:
    import pycountry

    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            v = getattr(c, attr, None)
            if v:
                out[norm_name(v)] = c.alpha_3
    return out


def _regions(countries: dict[str, str]) -> dict[str, str]:
    """ISO 3166-2 subdivision names (pycountry) that belong to one country only and are
    not a country's name ("Georgia" stays the country), then ``regions.tsv``."""
    import pycountry

    seen: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        seen.setdefault(norm_name(sub.name), set()).add(sub.country_code)
    out: dict[str, str] = {}
    for name, codes in seen.items():
        if len(codes) == 1 and name not in countries:
            country = pycountry.countries.get(alpha_2=next(iter(codes)))
            if country is not None:
                out[name] = country.alpha_3
    out.update({norm_name(n): iso for n, iso in _rows("regions.tsv")})
    return out


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load every table once per process."""
    countries = _pycountry_names()
    countries.update({norm_name(a): iso for a, iso in _rows("countries.tsv")})
    demonyms = {norm_name(d): iso for d, iso in _rows("demonyms.tsv")}
    seats = {norm_name(r[0]): Place(r[1], tuple(r[2].split()),
                                    r[4] if len(r) > 4 and r[4] else r[0], r[3] == "city")
             for r in _rows("capitals.tsv")}
    inst = {norm_name(r[0]): Place(r[1], tuple(r[2].split()), r[0],
                                   generic=len(r) > 3 and r[3] == "generic")
            for r in _rows("institutions.tsv")}
    igos = {norm_name(a): Place("IGO", tuple(s.split()), canon)
            for a, canon, s in _rows("igos.tsv")}
    titles = {t.casefold(): Title(t.casefold(), tuple(s.split()), k.split("-")[0],
                                  k.endswith("-plural"))
              for t, s, k in _rows("titles.tsv")}
    alternation = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])")
    org_words = {w.casefold(): tuple(s.split()) for w, s in _rows("org_types.tsv")}
    heads = frozenset(t.split()[-1].split("-")[-1] for t in titles) | frozenset(titles)
    return Lexicon(countries, demonyms, seats, inst, igos, titles, pattern, org_words, heads,
                   _regions(countries))
