"""The CAMEO code table (names, Goldstein values) and the PLOVER type table, read from data.

Both tables live in ``knowledge/cameo.tsv`` and ``knowledge/plover.tsv`` (sources in their
headers); this module only reads them once per process and answers look-ups. Quad classes
follow CODEBOOK.md: CAMEO roots 01–05 verbal cooperation (1), 06–08 material cooperation
(2), 09–13 verbal conflict (3), 14–20 material conflict (4).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator

#: The 15 labels of the PLV set (CONCEDE and RETREAT merged into YIELD), in a fixed order.
PLV_LABELS: tuple[str, ...] = (
    "ACCUSE", "AGREE", "AID", "ASSAULT", "COERCE", "CONSULT", "COOPERATE", "MOBILIZE",
    "PROTEST", "REJECT", "REQUEST", "SANCTION", "SUPPORT", "THREATEN", "YIELD")


@dataclass(frozen=True)
class CameoCode:
    code: str
    root: str
    goldstein: float
    name: str


@dataclass(frozen=True)
class PloverType:
    name: str
    plv_label: str
    quad_class: int
    default_cameo: str
    cameo_roots: tuple[str, ...]
    description: str


def knowledge_rows(filename: str) -> Iterator[dict[str, str]]:
    """Rows of a TSV knowledge file (``#`` header comments skipped, first line = columns)."""
    text = resources.files("eventwire.knowledge").joinpath(filename).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)


@lru_cache(maxsize=1)
def cameo_table() -> dict[str, CameoCode]:
    return {r["code"]: CameoCode(r["code"], r["root"], float(r["goldstein"]), r["name"])
            for r in knowledge_rows("cameo.tsv")}


@lru_cache(maxsize=1)
def plover_table() -> dict[str, PloverType]:
    return {r["plover"]: PloverType(r["plover"], r["plv_label"], int(r["quad_class"]),
                                    r["default_cameo"], tuple(r["cameo_roots"].split(",")),
                                    r["description"])
            for r in knowledge_rows("plover.tsv")}


def cameo_entry(code: str) -> CameoCode:
    """The entry for ``code``, falling back to its parent code and then its root."""
    table = cameo_table()
    for n in range(len(code), 1, -1):
        if code[:n] in table:
            return table[code[:n]]
    raise KeyError(f"unknown CAMEO code {code!r}")


def goldstein(code: str) -> float:
    return cameo_entry(code).goldstein


def quad_class(cameo: str) -> int:
    """Quad class of a CAMEO code from its root (CODEBOOK.md)."""
    root = int(cameo[:2])
    if root <= 5:
        return 1
    if root <= 8:
        return 2
    if root <= 13:
        return 3
    return 4


def plv_label(plover: str) -> str:
    """The PLV label of a PLOVER type (CONCEDE/RETREAT → YIELD); unknown names pass through."""
    t = plover_table().get(plover)
    return t.plv_label if t else plover


def default_cameo(plover: str) -> str:
    """CAMEO code for a PLOVER (or PLV) type when no pattern gives a finer one."""
    if plover == "YIELD":
        return "08"
    return plover_table()[plover].default_cameo


def cameo_fits(plover: str, cameo: str) -> bool:
    """Whether a CAMEO code belongs to a PLOVER (or PLV) type's roots."""
    types = [t for t in plover_table().values() if plover in (t.name, t.plv_label)]
    return any(cameo.startswith(root) or root.startswith(cameo)
               for t in types for root in t.cameo_roots)
