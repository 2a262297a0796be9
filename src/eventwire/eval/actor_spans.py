"""Actors on real news, scored span by span (``eventwire eval actors --set plv|polnear``).

Gold: hand-coded actor spans with the actor's country, sectors and kind —
``PLV_train_actors.tsv`` (the marked source and target of PLV_train's sentences, shared
data; corrections of our own in ``gold/plv_actor_corrections.tsv``) and
``gold/polnear_dev_actors.tsv`` (every actor mention of sentences drawn from 40 PolNeAR
dev articles, ``docs/gold/actors.md``). Every sentence or article runs through the
pipeline users run (``pipeline.process``).

For each gold span the system actor is the one with a mention overlapping the span (the
mention overlapping the gold head's text first, then the largest overlap). Scores:

* **found**: share of gold spans with such an actor;
* **country**: over gold spans with a country — right when the system actor's country
  equals it (no actor, or a null country, is wrong);
* **sector**: over gold spans with sectors — right when the system actor's sectors share
  a code with the gold's; **sectors exact** when the sets are equal;
* **null country right**: over gold spans without a country, the share the system also
  leaves null (a guess there is a false fact).

Parts: the locked 30 % (``gold/locked.json``: ``plv`` sentence ids; PolNeAR articles in
``polnear_dev``) first, then the open rest. Misses are listed for the open part only.
"""
from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

from ..records import ArticleRecord, RawArticle
from ..settings import Settings

csv.field_size_limit(10**8)


@dataclass(frozen=True)
class GoldSpan:
    key: str                  # sentence id (PLV) or file name (PolNeAR)
    span: tuple[int, int]     # in the text that was run
    text: str
    head: str
    kind: str
    country: str | None
    sectors: frozenset[str]
    locked: bool
    note: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def _gold_dir() -> Path:
    return Path(str(resources.files("eventwire").joinpath("eval", "gold")))


def _corrections() -> dict[tuple[str, str, str], dict[str, str]]:
    """Our corrections of shared PLV actor labels: (sentence id, role, span) → fields."""
    path = _gold_dir() / "plv_actor_corrections.tsv"
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    if not path.is_file():
        return out
    lines = [l for l in path.read_text(encoding="utf-8").splitlines()
             if l and not l.startswith("#")]
    for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        out.setdefault((r["sentence_id"], r["role"], r["span"]), {})[r["field"]] = r["value"]
    return out


def load_plv(shared_dir: Path) -> tuple[dict[str, str], list[GoldSpan]]:
    """(sentence id → sentence, gold spans) from PLV_train and PLV_train_actors."""
    from .splits import locked

    data = shared_dir / "data" / "plv"
    with open(data / "PLV_train.tsv", encoding="utf-8", newline="") as f:
        sentences = {r["sentence_id"]: r["sentence"]
                     for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    lock = {str(i) for i in locked("plv")}
    fixes = _corrections()
    gold = []
    with open(data / "PLV_train_actors.tsv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            sid = r["sentence_id"]
            sent = sentences.get(sid)
            if sent is None:
                continue
            r = {**r, **fixes.get((sid, r["role"], r["span"]), {})}
            i = sent.find(r["span"])
            if i < 0:
                i = sent.lower().find(r["span"].lower())
            if i < 0:
                continue
            gold.append(GoldSpan(sid, (i, i + len(r["span"])), r["span"], r["head"], r["kind"],
                                 r["country"] or None, frozenset(r["sectors"].split("|")) - {""},
                                 sid in lock, r.get("note", ""), {"role": r["role"]}))
    return sentences, gold


def load_polnear(shared_dir: Path) -> tuple[dict[str, str], list[GoldSpan]]:
    """(file → raw text, gold spans) from our PolNeAR dev actor gold."""
    from .splits import locked

    lock = set(locked("polnear_dev"))
    lines = [l for l in (_gold_dir() / "polnear_dev_actors.tsv").read_text(
        encoding="utf-8").splitlines() if l and not l.startswith("#")]
    gold, texts = [], {}
    for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        f = r["file"]
        if f not in texts:
            texts[f] = (shared_dir / "data/polnear/dev/text" / f).read_text(encoding="utf-8")
        gold.append(GoldSpan(f, (int(r["start"]), int(r["end"])), r["span"], r["head"],
                             r["kind"], r["country"] or None,
                             frozenset(r["sectors"].split("|")) - {""}, f in lock, r["note"]))
    return texts, gold


def _offset(raw: str, rec: ArticleRecord) -> int | None:
    if not rec.text:
        return None
    i = raw.find(rec.text)
    return i if i >= 0 else None


def system_actor(rec: ArticleRecord, span: tuple[int, int], head: str, off: int):
    """The system actor for a gold span given in raw-text offsets (see module docstring)."""
    s, e = span[0] - off, span[1] - off
    h = rec.text.find(head, s, e) if head else -1
    hs, he = (h, h + len(head)) if h >= 0 else (s, e)
    best, best_key = None, None
    for a in rec.actors:
        for ms, me in a.mentions:
            if not (ms < e and s < me):
                continue
            on_head = ms < he and hs < me
            key = (on_head, min(e, me) - max(s, ms))
            if best_key is None or key > best_key:
                best, best_key = a, key
    return best


def run_texts(texts: dict[str, str], settings: Settings, published: dict[str, dt.date]
              ) -> dict[str, ArticleRecord]:
    from ..pipeline import process

    raws = (RawArticle(source=k, text=t, published=published.get(k)) for k, t in texts.items())
    return {r.source: r for r in process(raws, settings)}


def score(gold: Sequence[GoldSpan], texts: dict[str, str], records: dict[str, ArticleRecord],
          list_errors: bool) -> dict:
    c: Counter = Counter()
    by_kind: dict[str, Counter] = {}
    errors = []
    for g in gold:
        rec = records[g.key]
        off = _offset(texts[g.key], rec)
        a = system_actor(rec, g.span, g.head, off) if off is not None else None
        k = by_kind.setdefault(g.kind, Counter())
        for cnt in (c, k):
            cnt["n"] += 1
            cnt["found"] += a is not None
        sys_country = a.country if a else None
        sys_sectors = set(a.sectors) if a else set()
        if g.country:
            ok = sys_country == g.country
            for cnt in (c, k):
                cnt["country_n"] += 1
                cnt["country_ok"] += ok
        else:
            c["null_n"] += 1
            c["null_ok"] += sys_country is None
        if g.sectors:
            ok_s = bool(sys_sectors & g.sectors)
            for cnt in (c, k):
                cnt["sector_n"] += 1
                cnt["sector_ok"] += ok_s
            c["sector_exact"] += sys_sectors == set(g.sectors)
        if list_errors and (a is None or (g.country and sys_country != g.country)
                            or (g.sectors and not sys_sectors & g.sectors)):
            errors.append({"key": g.key, "span": g.text, "head": g.head, "kind": g.kind,
                           "gold": [g.country, sorted(g.sectors)],
                           "system": None if a is None else [a.name, a.kind, a.country,
                                                             list(a.sectors)]})

    def rate(ok, n):
        return {"accuracy": round(c[ok] / c[n], 4) if c[n] else 0.0, "right": c[ok], "n": c[n]}

    out = {"spans": c["n"], "found": rate("found", "n"), "country": rate("country_ok", "country_n"),
           "sector": rate("sector_ok", "sector_n"), "sectors_exact": rate("sector_exact", "sector_n"),
           "null_country_right": rate("null_ok", "null_n"),
           "by_kind": {kind: {"n": v["n"],
                              "country": round(v["country_ok"] / v["country_n"], 4) if v["country_n"] else None,
                              "sector": round(v["sector_ok"] / v["sector_n"], 4) if v["sector_n"] else None}
                       for kind, v in sorted(by_kind.items())}}
    if list_errors:
        out["errors"] = errors
    return out


def evaluate_actor_spans(which: str, settings: Settings,
                         parts: Iterable[str] = ("locked", "open")) -> dict:
    """Score the pipeline's actors on the ``plv`` or ``polnear`` real-news gold."""
    from .events_articles import published_dates

    shared = settings.shared_dir
    if which == "plv":
        texts, gold = load_plv(shared)
        keys = {g.key for g in gold}
        texts = {k: v for k, v in texts.items() if k in keys}
        published: dict[str, dt.date] = {}
    elif which == "polnear":
        texts, gold = load_polnear(shared)
        dates = published_dates(shared / "data/polnear/metadata.tsv")
        published = {f: dates[Path(f).stem] for f in texts if Path(f).stem in dates}
    else:
        raise ValueError(f"unknown actor gold set {which!r} (plv, polnear)")
    records = run_texts(texts, settings, published)
    result = {"set": which, "parts": {}}
    for part in parts:
        chosen = [g for g in gold if part == "all" or g.locked == (part == "locked")]
        result["parts"][part] = score(chosen, texts, records, list_errors=part != "locked")
    return result


def render_actor_spans(result: dict):
    from rich.table import Table

    t = Table(title=f"actors on real news — {result['set']} (spans)")
    for col in ("part", "spans", "found", "country", "sector", "sectors exact",
                "null country kept"):
        t.add_column(col, justify="left" if col == "part" else "right")
    for part, r in result["parts"].items():
        t.add_row(part, str(r["spans"]), f"{r['found']['accuracy']:.3f}",
                  f"{r['country']['accuracy']:.3f} ({r['country']['n']})",
                  f"{r['sector']['accuracy']:.3f} ({r['sector']['n']})",
                  f"{r['sectors_exact']['accuracy']:.3f}",
                  f"{r['null_country_right']['accuracy']:.3f} ({r['null_country_right']['n']})")
    return t
