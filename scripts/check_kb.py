"""Check the knowledge-base source tables for form: columns, codes, years, duplicate keys.

Usage: python scripts/check_kb.py [FILE ...]   (default: every table in knowledge/kb/)
"""
from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import pycountry

KB = Path(__file__).resolve().parents[1] / "src" / "eventwire" / "knowledge" / "kb"
SECTORS = set("GOV MIL COP JUD LEG SPY PTY ELI REB UAF INS BUS MED JRN CVL EDU HLH LAB REL "
              "REF AGR CRM OPP ENV NGO IGO UNK".split())
SPECIAL = {"IGO", "NGO", "IMG"}
HISTORIC = {c.alpha_3 for c in pycountry.historic_countries}
ISO3 = {c.alpha_3 for c in pycountry.countries} | {"XKX"}
ORG = ["name", "aliases", "country", "sectors", "type", "note"]
COLUMNS = {
    "country_names.tsv": ["name", "iso3", "type", "from", "to", "note"],
    "regions.tsv": ["name", "aliases", "country", "type", "note"],
    "people.tsv": ["name", "aliases", "country", "office", "sectors", "from", "to", "note"],
}


def rows(path: Path) -> tuple[list[str], list[dict[str, str]], list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    errors = []
    if not lines or not lines[0].startswith("#"):
        errors.append("no '#' header naming the source")
    body = [l for l in lines if l and not l.startswith("#")]
    reader = csv.reader(body, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, [])
    out = []
    for n, r in enumerate(reader, 2):
        if len(r) < len(header):
            r = r + [""] * (len(header) - len(r))
        if len(r) != len(header):
            errors.append(f"data row {n}: {len(r)} cells, header has {len(header)}: {r[:3]}")
            continue
        out.append(dict(zip(header, (c.strip() for c in r))))
    return header, out, errors


def check(path: Path) -> list[str]:
    header, data, errors = rows(path)
    kind = "people.tsv" if path.name.startswith("people") else path.name
    want = COLUMNS.get(kind, ORG)
    if header != want:
        return errors + [f"header {header} != {want}"]
    country_col = "iso3" if "iso3" in header else "country"
    seen: Counter = Counter()
    for i, r in enumerate(data, 1):
        c = r[country_col]
        if c and c not in ISO3 | SPECIAL | HISTORIC:
            errors.append(f"row {i} {r['name']!r}: unknown country code {c!r}")
        if not c and kind not in {"regions.tsv"}:
            errors.append(f"row {i} {r['name']!r}: no country")
        for s in r.get("sectors", "").split():
            if s not in SECTORS:
                errors.append(f"row {i} {r['name']!r}: unknown sector {s!r}")
        for y in ("from", "to"):
            if r.get(y) and not (r[y].isdigit() and 1800 <= int(r[y]) <= 2026):
                errors.append(f"row {i} {r['name']!r}: bad year {y}={r[y]!r}")
        if r.get("from") and r.get("to") and int(r["from"]) > int(r["to"]):
            errors.append(f"row {i} {r['name']!r}: from after to")
        if not r["name"]:
            errors.append(f"row {i}: empty name")
        if kind == "people.tsv":
            key = (r["name"].lower(), r["office"], r["from"])
        elif kind == "country_names.tsv":
            key = (r["name"].lower(), r["type"], r["from"])
        else:
            key = r["name"].lower()
        seen[key] += 1
        if kind not in {"people.tsv", "country_names.tsv"}:
            for a in filter(None, (x.strip() for x in r.get("aliases", "").split("|"))):
                if a.lower() != r["name"].lower():
                    seen[("alias", a.lower())] += 1
    dup = [k for k, n in seen.items() if n > 1]
    if dup:
        # a shared name is allowed when every row that carries it says why in its note
        noted = {a.strip().lower() for r in data if r.get("note")
                 for a in [r["name"], *r.get("aliases", "").split("|")] if a.strip()}
        dup = [k for k in dup if not (isinstance(k, tuple) and k[0] == "alias" and k[1] in noted)]
    errors += [f"duplicate key {k!r}" for k in dup]
    return errors


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(KB.glob("*.tsv"))
    bad = 0
    for f in files:
        errs = check(f)
        n = len(rows(f)[1])
        print(f"{f.name}: {n} rows, {len(errs)} problems")
        for e in errs[:50]:
            print("  ", e)
        bad += bool(errs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
