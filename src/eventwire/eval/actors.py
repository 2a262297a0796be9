"""Score actors and dates against the bundled samples gold (``eventwire eval actors --set samples``).

Each gold article runs through the whole pipeline (``eventwire.pipeline.extract``).
Actors match by name: the system name or any of its mention texts equals the gold name or
an alias (case-insensitive, no leading "the"); locations are not scored. Country and sector
accuracy are over matched actors (null = null counts as right; sectors compare as sets).
Dates match by text in document order (leading prepositions dropped on both sides); value
and granularity accuracy are over matched dates.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..actors.lexicon import norm_name
from ..settings import Settings

SCORED_KINDS = frozenset({"person", "organization", "country", "group"})


def default_gold_path() -> Path:
    return Path(str(resources.files("eventwire").joinpath("eval", "gold",
                                                          "samples_actors_dates.jsonl")))


def load_gold(path: Path | None = None) -> list[dict[str, Any]]:
    path = path or default_gold_path()
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if "text" in r]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "fp": fp, "fn": fn}


def _acc(right: int, n: int) -> dict[str, float]:
    return {"accuracy": round(right / n, 4) if n else 0.0, "right": right, "n": n}


def _date_key(text: str) -> str:
    s = norm_name(text)
    for lead in ("on ", "in ", "over ", "during ", "at ", "by ", "since "):
        if s.startswith(lead):
            s = s[len(lead):]
    return norm_name(s)


def match_actors(gold: list[dict], system: list[dict], text: str
                 ) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """(matched pairs, unmatched gold, unmatched system) for one article; locations are
    not scored on either side."""
    gold = [g for g in gold if g.get("kind", "person") in SCORED_KINDS]
    pool = [a for a in system if a["kind"] in SCORED_KINDS]
    forms = []
    for a in pool:
        names = {norm_name(a["name"])}
        names |= {norm_name(text[s:e]) for s, e in a["mentions"]}
        forms.append(names)
    pairs, missed = [], []
    taken: set[int] = set()
    for g in gold:
        want = {norm_name(g["name"])} | {norm_name(x) for x in g.get("aliases", ())}
        # the system actor whose canonical name matches first, then any mention form
        hit = next((k for k, a in enumerate(pool)
                    if k not in taken and norm_name(a["name"]) in want), None)
        if hit is None:
            hit = next((k for k in range(len(pool)) if k not in taken and forms[k] & want), None)
        if hit is None:
            missed.append(g)
        else:
            taken.add(hit)
            pairs.append((g, pool[hit]))
    extra = [a for k, a in enumerate(pool) if k not in taken]
    return pairs, missed, extra


def match_dates(gold: list[dict], system: list[dict]
                ) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    pairs, missed = [], []
    taken: set[int] = set()
    for g in gold:
        key = _date_key(g["text"])
        hit = next((k for k, d in enumerate(system)
                    if k not in taken and _date_key(d["text"]) == key), None)
        if hit is None:
            missed.append(g)
        else:
            taken.add(hit)
            pairs.append((g, system[hit]))
    return pairs, missed, [d for k, d in enumerate(system) if k not in taken]


def _score(arts: list[dict], records: list[dict]) -> dict:
    tot = {k: 0 for k in ("a_tp", "a_fp", "a_fn", "c_ok", "s_ok", "d_tp", "d_fp", "d_fn",
                          "v_ok", "g_ok")}
    errors: list[dict[str, Any]] = []
    for art, rec in zip(arts, records):
        pairs, missed, extra = match_actors(art["actors"], rec["actors"], rec["text"])
        tot["a_tp"] += len(pairs)
        tot["a_fn"] += len(missed)
        tot["a_fp"] += len(extra)
        for g, s in pairs:
            c_ok = g["country"] == s["country"]
            s_ok = set(g["sectors"]) == set(s["sectors"])
            tot["c_ok"] += c_ok
            tot["s_ok"] += s_ok
            if not (c_ok and s_ok):
                errors.append({"article": art["id"], "actor": g["name"],
                               "gold": [g["country"], g["sectors"]],
                               "system": [s["country"], s["sectors"]]})
        errors += [{"article": art["id"], "missed_actor": g["name"]} for g in missed]
        errors += [{"article": art["id"], "extra_actor": s["name"]} for s in extra]
        dpairs, dmissed, dextra = match_dates(art["dates"], rec["dates"])
        tot["d_tp"] += len(dpairs)
        tot["d_fn"] += len(dmissed)
        tot["d_fp"] += len(dextra)
        for g, s in dpairs:
            tot["v_ok"] += g["value"] == s["value"]
            tot["g_ok"] += g["granularity"] == s["granularity"]
            if g["value"] != s["value"] or g["granularity"] != s["granularity"]:
                errors.append({"article": art["id"], "date": g["text"],
                               "gold": [g["value"], g["granularity"]],
                               "system": [s["value"], s["granularity"]]})
        errors += [{"article": art["id"], "missed_date": g["text"]} for g in dmissed]
        errors += [{"article": art["id"], "extra_date": s["text"]} for s in dextra]
    return {
        "articles": len(arts),
        "actor_detection": _prf(tot["a_tp"], tot["a_fp"], tot["a_fn"]),
        "actor_country": _acc(tot["c_ok"], tot["a_tp"]),
        "actor_sectors": _acc(tot["s_ok"], tot["a_tp"]),
        "date_detection": _prf(tot["d_tp"], tot["d_fp"], tot["d_fn"]),
        "date_value": _acc(tot["v_ok"], tot["d_tp"]),
        "date_granularity": _acc(tot["g_ok"], tot["d_tp"]),
        "errors": errors,
    }


def evaluate_actors(path: Path | None, settings: Settings | None = None) -> dict:
    """Precision/recall/F1 for actor and date detection plus per-field accuracies, over
    all gold articles and per split (``dev``: the rules were written against them;
    ``heldout``: written afterwards, the honest estimate)."""
    from ..pipeline import extract

    settings = settings or Settings.load()
    gold = load_gold(path)
    records = [extract(a["text"], published=a.get("published"), settings=settings).to_dict()
               for a in gold]
    result = {"gold": str(path or default_gold_path()), **_score(gold, records)}
    splits = sorted({a.get("split", "dev") for a in gold})
    if len(splits) > 1:
        result["splits"] = {}
        for name in splits:
            keep = [k for k, a in enumerate(gold) if a.get("split", "dev") == name]
            part = _score([gold[k] for k in keep], [records[k] for k in keep])
            part.pop("errors")
            result["splits"][name] = part
    return result


def render_actors(result: dict):
    """The metrics as a rich table (errors are in ``--json``)."""
    from rich.table import Table

    table = Table(title=f"actors and dates — {result['articles']} gold articles")
    for col in ("field", "precision", "recall", "F1", "accuracy", "n"):
        table.add_column(col, justify="left" if col == "field" else "right")
    for name in ("actor_detection", "date_detection"):
        m = result[name]
        table.add_row(name.replace("_", " "), f"{m['precision']:.3f}", f"{m['recall']:.3f}",
                      f"{m['f1']:.3f}", "", str(m["tp"] + m["fn"]))
    for name in ("actor_country", "actor_sectors", "date_value", "date_granularity"):
        m = result[name]
        table.add_row(name.replace("_", " "), "", "", "", f"{m['accuracy']:.3f}", str(m["n"]))
    for split, part in (result.get("splits") or {}).items():
        for name in ("actor_detection", "date_detection"):
            m = part[name]
            table.add_row(f"{split}: {name.replace('_', ' ')}", f"{m['precision']:.3f}",
                          f"{m['recall']:.3f}", f"{m['f1']:.3f}", "", str(m["tp"] + m["fn"]))
        for name in ("actor_country", "actor_sectors", "date_value"):
            m = part[name]
            table.add_row(f"{split}: {name.replace('_', ' ')}", "", "", "",
                          f"{m['accuracy']:.3f}", str(m["n"]))
    return table
