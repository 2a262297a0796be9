"""Read queries behind the web pages: article lists, actor pages, event tables and dyads.

SQLAlchemy Core over the store's tables (``store/schema.py``) with bound parameters only,
so one code path serves SQLite and PostgreSQL. What a filter means comes from
``store.reads`` (the one read path ``eventwire export`` and ``stats`` use too): ``since`` /
``until`` are the publication date, ``event_since`` / ``event_until`` the event's own
date, and negated or hypothetical events are left out of every event table and count
unless ``include_flagged``. List queries never read ``record_json`` or ``text`` (the heavy
columns); they filter and count on indexed columns (``published``, ``outcome``,
``plover``, the dyad index). Full-text search goes through ``Store.search`` (FTS5 on
SQLite) and the other filters are applied to its hits in SQL.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Sequence

from sqlalchemy import and_, case, distinct, func, literal, or_, select
from sqlalchemy.engine import Connection

from ..store import reads
from ..store.reads import Filters
from ..store.schema import actors, articles, events, quotes

# Full-text hits fetched before the other filters apply; a query matching more articles
# than this lists only its best-ranked ones (the page says so).
SEARCH_CAP = 5_000
# Rows an actor page lists per section (quotes, events as source, events as target).
ACTOR_ROWS_CAP = 500
OUTCOMES = reads.OUTCOMES

ARTICLE_LIST_COLUMNS = (
    articles.c.id, articles.c.title, articles.c.source, articles.c.url, articles.c.published,
    articles.c.outcome, articles.c.reason, articles.c.duplicate_of, articles.c.n_actors,
    articles.c.n_quotes, articles.c.n_events,
)

EVENT_COLUMNS = tuple(events.columns)


# ---------------------------------------------------------------- actor keys

def slugify(name: str) -> str:
    """Lower-case ASCII words joined by single dashes ("İbrahim Kalın" → "ibrahim-kalin")."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("ı", "i")).encode(
        "ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def actor_key(name: str, country: str | None) -> str:
    """Stable URL key of an actor: name slug, ``--``, ISO-3 country (omitted when unknown)."""
    slug = slugify(name) or "unnamed"
    return f"{slug}--{country}" if country else slug


def parse_actor_key(key: str) -> tuple[str, str | None]:
    """Inverse of :func:`actor_key`: ``(slug, country or None)``."""
    slug, sep, country = key.partition("--")
    return slug, (country.upper() if sep and country else None)


# ---------------------------------------------------------------- articles

@dataclass
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    capped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_articles(store, q: str | None, filters: Filters, page: int, per_page: int) -> Page:
    """One page of articles (newest first, or best match first when searching), filtered
    as the ``articles`` table of ``eventwire export`` is."""
    offset = (page - 1) * per_page
    conds = reads.conditions("articles", filters)
    with store.engine.connect() as conn:
        if q:
            return _search_articles(store, conn, q, conds, page, per_page)
        total = conn.execute(select(func.count()).select_from(articles).where(*conds)).scalar_one()
        rows = conn.execute(
            select(*ARTICLE_LIST_COLUMNS).where(*conds)
            .order_by(articles.c.published.is_(None), articles.c.published.desc(),
                      articles.c.id)
            .limit(per_page).offset(offset)).mappings().all()
    return Page([dict(r) for r in rows], total, page, per_page)


def _search_articles(store, conn: Connection, q: str, conds: list, page: int,
                     per_page: int) -> Page:
    hits = store.search(q, limit=SEARCH_CAP, offset=0)
    snippets = {article_id: snippet for article_id, snippet in hits}
    ranked = list(snippets)
    if not ranked:
        return Page([], 0, page, per_page)
    rows = conn.execute(select(*ARTICLE_LIST_COLUMNS).where(
        articles.c.id.in_(ranked), *conds)).mappings().all()
    by_id = {r["id"]: dict(r, snippet=snippets[r["id"]]) for r in rows}
    matched = [by_id[i] for i in ranked if i in by_id]
    start = (page - 1) * per_page
    return Page(matched[start:start + per_page], len(matched), page, per_page,
                capped=len(hits) >= SEARCH_CAP)


# ---------------------------------------------------------------- events

_EVENTS = events.join(articles, articles.c.id == events.c.article_id)


def list_events(store, filters: Filters, page: int, per_page: int) -> Page:
    """One page of events (newest article first), filtered as the ``events`` table of
    ``eventwire export`` is; each row carries ``flagged``."""
    conds = reads.conditions("events", filters)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(_EVENTS).where(*conds)
                             ).scalar_one()
        rows = conn.execute(
            select(*EVENT_COLUMNS, reads.flagged().label("flagged"), articles.c.published,
                   articles.c.title)
            .select_from(_EVENTS).where(*conds)
            .order_by(articles.c.published.is_(None), articles.c.published.desc(),
                      events.c.article_id, events.c.idx)
            .limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return Page([dict(r) for r in rows], total, page, per_page)


def event_facets(store) -> dict[str, list]:
    """Values present in the store, for the filter drop-downs."""
    with store.engine.connect() as conn:
        plovers = conn.execute(select(events.c.plover).distinct().order_by(events.c.plover)).scalars().all()
        countries = conn.execute(
            select(actors.c.country).distinct().where(actors.c.country.is_not(None))
            .order_by(actors.c.country)).scalars().all()
    return {"plover": list(plovers), "countries": list(countries)}


# ---------------------------------------------------------------- actors

@dataclass
class ActorSummary:
    key: str
    name: str
    country: str | None
    names: list[str]
    kinds: list[str]
    sectors: list[str]
    roles: list[str]
    n_articles: int


def _country_cond(column, country: str | None):
    return column == country if country else column.is_(None)


def find_actor(store, key: str) -> ActorSummary | None:
    """Resolve an actor key to every stored name with that slug and country."""
    slug, country = parse_actor_key(key)
    if not slug:
        return None
    with store.engine.connect() as conn:
        names = _names_for_slug(conn, slug, country)
        if not names:
            return None
        rows = conn.execute(
            select(actors.c.article_id, actors.c.name, actors.c.kind, actors.c.sectors,
                   actors.c.role)
            .where(actors.c.name.in_(names), _country_cond(actors.c.country, country))).all()
    counts: dict[str, int] = {}
    kinds, sectors, roles, article_ids = set(), set(), set(), set()
    for r in rows:
        counts[r.name] = counts.get(r.name, 0) + 1
        kinds.add(r.kind)
        sectors.update((r.sectors or "").split())
        if r.role:
            roles.add(r.role)
        article_ids.add(r.article_id)
    ordered = sorted(counts, key=lambda n: (-counts[n], n))
    return ActorSummary(key=actor_key(ordered[0], country), name=ordered[0], country=country,
                        names=ordered, kinds=sorted(kinds), sectors=sorted(sectors),
                        roles=sorted(roles), n_articles=len(article_ids))


def _names_for_slug(conn: Connection, slug: str, country: str | None) -> list[str]:
    # A slug is [a-z0-9-]; "ibrahim%kalin" narrows candidates through LIKE, then the exact
    # slug decides. Names that only slug alike after transliteration ("Kalın") miss the
    # LIKE, so the fallback compares every distinct name for the country.
    like = "%" + slug.replace("-", "%") + "%"
    base = select(actors.c.name).distinct().where(_country_cond(actors.c.country, country))
    candidates = conn.execute(base.where(func.lower(actors.c.name).like(like))).scalars().all()
    names = [n for n in candidates if slugify(n) == slug]
    if not names:
        names = [n for n in conn.execute(base).scalars() if (slugify(n) or "unnamed") == slug]
    return names


def _actor_join(names: Sequence[str], country: str | None, article_col, actor_col):
    return and_(actors.c.article_id == article_col, actors.c.actor_id == actor_col,
                actors.c.name.in_(names), _country_cond(actors.c.country, country))


def actor_quotes(store, actor: ActorSummary, kind: str | None = None) -> list[dict[str, Any]]:
    """Quotes attributed to the actor, across articles (newest first); ``kind``: only
    quotes of that kind (``direct``, ``belief`` …)."""
    stmt = (select(quotes.c.article_id, quotes.c.idx, quotes.c.kind, quotes.c.text,
                   quotes.c.start, quotes.c.end, quotes.c.parts_json, quotes.c.cue_text,
                   quotes.c.speaker_name, articles.c.title, articles.c.published)
            .select_from(quotes.join(articles, articles.c.id == quotes.c.article_id)
                         .join(actors, _actor_join(actor.names, actor.country,
                                                   quotes.c.article_id, quotes.c.speaker_actor)))
            .where(*([quotes.c.kind == kind] if kind else []))
            .order_by(articles.c.published.desc(), quotes.c.article_id, quotes.c.idx)
            .limit(ACTOR_ROWS_CAP))
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    for r in rows:
        r["parts"] = json.loads(r.pop("parts_json") or "[]")
    return rows


def _flag_rule(filters: Filters) -> list:
    """The flagged-event rule of ``filters`` alone (other event filters do not apply
    to actor and dyad pages)."""
    return reads.event_conditions(Filters(include_flagged=filters.include_flagged))


def actor_events(store, actor: ActorSummary, side: str, filters: Filters) -> list[dict[str, Any]]:
    """Events with the actor as ``source`` or ``target`` (newest first)."""
    actor_col = events.c.source_actor if side == "source" else events.c.target_actor
    stmt = (select(*EVENT_COLUMNS, reads.flagged().label("flagged"), articles.c.title,
                   articles.c.published)
            .select_from(_EVENTS.join(actors, _actor_join(actor.names, actor.country,
                                                          events.c.article_id, actor_col)))
            .where(*_flag_rule(filters))
            .order_by(articles.c.published.desc(), events.c.article_id, events.c.idx)
            .limit(ACTOR_ROWS_CAP))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def actor_timeline(store, actor: ActorSummary, filters: Filters) -> list[dict[str, Any]]:
    """Per month of publication: articles naming the actor, their quotes and events."""
    month = func.substr(articles.c.published, 1, 7)
    mentioned = (select(actors.c.article_id, actors.c.actor_id)
                 .where(actors.c.name.in_(actor.names),
                        _country_cond(actors.c.country, actor.country))).subquery()
    art = (select(month.label("month"), func.count(distinct(articles.c.id)).label("n"))
           .select_from(articles.join(mentioned, mentioned.c.article_id == articles.c.id))
           .where(articles.c.published.is_not(None)).group_by(month))
    quo = (select(month.label("month"), func.count().label("n"))
           .select_from(quotes.join(articles, articles.c.id == quotes.c.article_id)
                        .join(mentioned, and_(mentioned.c.article_id == quotes.c.article_id,
                                              mentioned.c.actor_id == quotes.c.speaker_actor)))
           .where(articles.c.published.is_not(None)).group_by(month))

    def ev(col):
        return (select(month.label("month"), func.count().label("n"))
                .select_from(_EVENTS.join(mentioned, and_(
                    mentioned.c.article_id == events.c.article_id, mentioned.c.actor_id == col)))
                .where(articles.c.published.is_not(None), *_flag_rule(filters))
                .group_by(month))

    series: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for name, stmt in (("articles", art), ("quotes", quo),
                           ("events_as_source", ev(events.c.source_actor)),
                           ("events_as_target", ev(events.c.target_actor))):
            for r in conn.execute(stmt):
                row = series.setdefault(r.month, {"month": r.month, "articles": 0, "quotes": 0,
                                                  "events_as_source": 0, "events_as_target": 0})
                row[name] = r.n
    return [series[m] for m in sorted(series)]


# ---------------------------------------------------------------- dyads

def _event_month():
    """Month of an event: its own date when known to the month, else the article's."""
    own = case((events.c.date_granularity.in_(("day", "month")),
                func.substr(events.c.date_value, 1, 7)), else_=None)
    return func.coalesce(own, func.substr(articles.c.published, 1, 7))


def dyad_series(store, a: str, b: str, filters: Filters) -> dict[str, Any]:
    """Monthly event counts and Goldstein sums/means between two countries, both directions."""
    month = _event_month().label("month")
    direction = case((events.c.source_country == a, literal("a_to_b")),
                     else_=literal("b_to_a")).label("direction")
    pair = or_(and_(events.c.source_country == a, events.c.target_country == b),
               and_(events.c.source_country == b, events.c.target_country == a))
    stmt = (select(month, direction, func.count().label("n"),
                   func.sum(events.c.goldstein).label("total"))
            .select_from(_EVENTS).where(pair, *_flag_rule(filters)).group_by(month, direction))
    months: dict[str | None, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(stmt):
            row = months.setdefault(r.month, {"month": r.month})
            row[r.direction] = {"count": r.n, "goldstein_sum": round(float(r.total), 3)}
    undated = months.pop(None, None)
    series = []
    for m in sorted(months):
        row = months[m]
        series.append(_with_totals(row))
    totals = _with_totals({"month": None, **_sum_rows(series)})
    return {"a": a, "b": b, "series": series, "totals": totals,
            "undated": _with_totals(undated) if undated else None}


def _sum_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in ("a_to_b", "b_to_a"):
        count = sum(r[d]["count"] for r in rows)
        out[d] = {"count": count, "goldstein_sum": round(sum(r[d]["goldstein_sum"] for r in rows), 3)}
    return out


def _with_totals(row: dict[str, Any]) -> dict[str, Any]:
    zero = {"count": 0, "goldstein_sum": 0.0}
    out = {"month": row.get("month")}
    for d in ("a_to_b", "b_to_a"):
        v = dict(row.get(d) or zero)
        v["goldstein_mean"] = round(v["goldstein_sum"] / v["count"], 3) if v["count"] else None
        out[d] = v
    count = out["a_to_b"]["count"] + out["b_to_a"]["count"]
    total = round(out["a_to_b"]["goldstein_sum"] + out["b_to_a"]["goldstein_sum"], 3)
    out["both"] = {"count": count, "goldstein_sum": total,
                   "goldstein_mean": round(total / count, 3) if count else None}
    return out


def top_dyads(store, filters: Filters, limit: int = 20) -> list[dict[str, Any]]:
    """Country pairs with the most events (either direction), for the dyad page's index."""
    lo = case((events.c.source_country < events.c.target_country, events.c.source_country),
              else_=events.c.target_country).label("a")
    hi = case((events.c.source_country < events.c.target_country, events.c.target_country),
              else_=events.c.source_country).label("b")
    stmt = (select(lo, hi, func.count().label("n"))
            .where(events.c.source_country.is_not(None), events.c.target_country.is_not(None),
                   events.c.source_country != events.c.target_country, *_flag_rule(filters))
            .group_by(lo, hi).order_by(func.count().desc(), lo, hi).limit(limit))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]
