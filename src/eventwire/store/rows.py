"""Flatten an ``ArticleRecord`` into the store's table rows.

One place decides how a record becomes rows, so the store, the exports and the Spark
runner (which writes Parquet without a database) produce identical columns. Sectors are
space-separated codes; spans become ``start``/``end`` columns; near-copies and non-ok
articles have no fact rows.
"""
from __future__ import annotations

import json
from typing import Any

from ..records import ArticleRecord

FACT_TABLES = ("actors", "quotes", "events", "dates")


def record_json(rec: ArticleRecord) -> str:
    """The article record as stored in ``articles.record_json`` and written by JSONL export."""
    return json.dumps(rec.to_dict(), ensure_ascii=False, separators=(",", ":"))


def article_row(rec: ArticleRecord, *, ingested_at: str, minhash: bytes | None = None,
                similarity: float | None = None) -> dict[str, Any]:
    """The ``articles`` row; counts are zero for articles without fact rows."""
    has_facts = rec.ok and rec.duplicate_of is None
    return {
        "id": rec.id,
        "source": rec.source,
        "title": rec.title,
        "url": rec.url,
        "published": rec.published.isoformat() if rec.published else None,
        "language": rec.language,
        "text": rec.text,
        "outcome": rec.outcome.status,
        "reason": rec.outcome.reason,
        "duplicate_of": rec.duplicate_of,
        "similarity": similarity,
        "minhash": minhash,
        "n_actors": len(rec.actors) if has_facts else 0,
        "n_quotes": len(rec.quotes) if has_facts else 0,
        "n_events": len(rec.events) if has_facts else 0,
        "ingested_at": ingested_at,
        "record_json": record_json(rec),
    }


def _sectors(sectors: tuple[str, ...] | None) -> str:
    return " ".join(sectors or ())


def actor_rows(rec: ArticleRecord) -> list[dict[str, Any]]:
    return [{
        "article_id": rec.id,
        "actor_id": a.id,
        "name": a.name,
        "kind": a.kind,
        "country": a.country,
        "sectors": _sectors(a.sectors),
        "role": a.role,
        "n_mentions": len(a.mentions),
        "mentions_json": json.dumps([list(m) for m in a.mentions]),
        "cameo": a.cameo,
        "affiliation": a.affiliation,
    } for a in rec.actors]


def quote_rows(rec: ArticleRecord) -> list[dict[str, Any]]:
    rows = []
    for i, q in enumerate(rec.quotes):
        sp, cue = q.speaker, q.cue
        rows.append({
            "article_id": rec.id,
            "idx": i,
            "kind": q.kind,
            "text": q.text,
            "start": q.span[0],
            "end": q.span[1],
            "speaker_actor": sp.actor if sp else None,
            "speaker_name": sp.name if sp else None,
            "speaker_start": sp.span[0] if sp else None,
            "speaker_end": sp.span[1] if sp else None,
            "cue_text": cue.text if cue else None,
            "cue_start": cue.span[0] if cue else None,
            "cue_end": cue.span[1] if cue else None,
            "confidence": q.confidence,
            "parts_json": json.dumps([list(p) for p in q.parts or (q.span,)]),
        })
    return rows


def event_rows(rec: ArticleRecord) -> list[dict[str, Any]]:
    rows = []
    for i, e in enumerate(rec.events):
        src, tgt, m, d = e.source, e.target, e.modality, e.date
        rows.append({
            "article_id": rec.id,
            "idx": i,
            "plover": e.plover,
            "mode": e.mode,
            "cameo": e.cameo,
            "cameo_root": e.cameo_root,
            "goldstein": float(e.goldstein),
            "quad_class": e.quad_class,
            "source_actor": src.actor if src else None,
            "source_name": src.name if src else None,
            "source_country": src.country if src else None,
            "source_sectors": _sectors(src.sectors) if src else None,
            "target_actor": tgt.actor if tgt else None,
            "target_name": tgt.name if tgt else None,
            "target_country": tgt.country if tgt else None,
            "target_sectors": _sectors(tgt.sectors) if tgt else None,
            "negated": m.negated,
            "hypothetical": m.hypothetical,
            "future": m.future,
            "historical": m.historical,
            "reported_by": m.reported_by,
            "date_text": d.text if d else None,
            "date_value": d.value if d else None,
            "date_granularity": d.granularity if d else None,
            "date_from_publication": d.from_publication if d else False,
            "sentence": e.sentence,
            "start": e.span[0],
            "end": e.span[1],
            "confidence": float(e.confidence),
        })
    return rows


def date_rows(rec: ArticleRecord) -> list[dict[str, Any]]:
    return [{
        "article_id": rec.id,
        "idx": i,
        "text": d.text,
        "value": d.value,
        "granularity": d.granularity,
        "start": d.span[0],
        "end": d.span[1],
    } for i, d in enumerate(rec.dates)]


def fact_rows(rec: ArticleRecord) -> dict[str, list[dict[str, Any]]]:
    """Rows per fact table; empty for non-ok articles and near-copies."""
    if not rec.ok or rec.duplicate_of is not None:
        return {t: [] for t in FACT_TABLES}
    return {"actors": actor_rows(rec), "quotes": quote_rows(rec), "events": event_rows(rec),
            "dates": date_rows(rec)}
