"""Typed, frozen records that every stage speaks.

The flow is ``RawArticle`` (ingest) → ``CleanArticle`` (clean) → stage outputs
(``Actor``, ``DateRef``, ``Quote``, ``Event``) → ``ArticleRecord`` (what is printed,
stored and exported). ``ArticleRecord.to_dict`` is the JSON article record of
``CONTRACT.md`` (schema 1) plus a few documented extensions (``outcome``, ``source``,
``duplicate_of``, ``quad_class``, ``mode``, ``author``, ``standfirst``, ``site_name``,
``dateline`` …).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from typing import Any, Literal

SCHEMA_VERSION = 1

Span = tuple[int, int]
OutcomeStatus = Literal["ok", "rejected", "failed"]
ActorKind = Literal["person", "organization", "country", "group", "location"]
# the form of a speech quote, or the kind of an attribution that is not speech
QuoteKind = Literal["direct", "indirect", "mixed", "belief", "evidence", "document"]
QUOTE_KINDS: tuple[str, ...] = ("direct", "indirect", "mixed", "belief", "evidence", "document")
Granularity = Literal["day", "week", "month", "year", "time", "unknown"]


def content_id(text: str) -> str:
    """sha256 of the whitespace-normalised text, hex, first 16 characters."""
    norm = " ".join(text.split())
    # surrogatepass: an id for a rejected text with lone surrogates, instead of a crash
    return hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class RawArticle:
    """One article as a reader found it, before cleaning.

    Exactly one of ``text`` / ``html`` is set for a readable article; ``reject_reason``
    is set instead when the reader already knows the input is unusable (binary,
    undecodable, truncated archive …), so the article still reaches the store as a
    ``rejected`` outcome rather than vanishing. ``author``, ``standfirst`` and
    ``site_name`` come from the page's metadata or the text's header; ``chrome`` holds
    the keys (``layout.line_key``) of lines learned as page chrome for the article's
    source (lines repeated across its other articles).
    """

    source: str
    text: str | None = None
    html: str | None = None
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    reject_reason: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    author: str | None = None
    standfirst: str | None = None
    site_name: str | None = None
    chrome: frozenset[str] = field(default_factory=frozenset, compare=False, hash=False)


@dataclass(frozen=True)
class CleanArticle:
    """Cleaned article text that every span points into."""

    id: str
    source: str
    text: str
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    language: str | None = "en"
    removed: tuple[tuple[str, str], ...] = ()  # (rule name, removed line) for audit
    author: str | None = None
    standfirst: str | None = None
    site_name: str | None = None
    dateline: Dateline | None = None


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    kind: ActorKind
    country: str | None = None
    sectors: tuple[str, ...] = ()
    role: str | None = None
    mentions: tuple[Span, ...] = ()
    cameo: str | None = None        # CAMEO-style actor code: country + sectors ("TURGOV")
    affiliation: str | None = None  # the body the actor speaks or works for

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "country": self.country,
            "sectors": list(self.sectors),
            "role": self.role,
            "cameo": self.cameo,
            "affiliation": self.affiliation,
            "mentions": [list(m) for m in self.mentions],
        }


@dataclass(frozen=True)
class DateRef:
    text: str
    value: str | None
    granularity: Granularity
    span: Span

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "granularity": self.granularity,
                "span": list(self.span)}


@dataclass(frozen=True)
class Speaker:
    actor: str | None
    name: str
    span: Span

    def to_dict(self) -> dict[str, Any]:
        return {"actor": self.actor, "name": self.name, "span": list(self.span)}


@dataclass(frozen=True)
class Cue:
    text: str
    span: Span

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "span": list(self.span)}


@dataclass(frozen=True)
class Quote:
    kind: QuoteKind
    text: str
    span: Span
    speaker: Speaker | None = None
    cue: Cue | None = None
    confidence: float | None = None
    # the quoted words themselves: one span per quoted piece of a direct quote split by
    # its attribution or running over paragraphs (marks included), else the content span
    parts: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker.to_dict() if self.speaker else None,
            "kind": self.kind,
            "text": self.text,
            "span": list(self.span),
            "parts": [list(p) for p in self.parts],
            "cue": self.cue.to_dict() if self.cue else None,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class EventSide:
    actor: str | None
    name: str
    country: str | None = None
    sectors: tuple[str, ...] = ()
    span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"actor": self.actor, "name": self.name, "country": self.country,
                "sectors": list(self.sectors),
                "span": list(self.span) if self.span else None}


@dataclass(frozen=True)
class Modality:
    negated: bool = False
    hypothetical: bool = False
    future: bool = False
    reported_by: str | None = None
    historical: bool = False
    question: bool = False      # asked about, not done (counted as hypothetical too)

    def to_dict(self) -> dict[str, Any]:
        return {"negated": self.negated, "hypothetical": self.hypothetical,
                "future": self.future, "reported_by": self.reported_by,
                "historical": self.historical, "question": self.question}


@dataclass(frozen=True)
class EventDate:
    text: str | None
    value: str | None
    granularity: Granularity
    from_publication: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "granularity": self.granularity,
                "from_publication": self.from_publication}


@dataclass(frozen=True)
class Event:
    plover: str
    cameo: str
    goldstein: float
    sentence: str
    span: Span
    confidence: float
    mode: str | None = None
    quad_class: int | None = None
    source: EventSide | None = None
    target: EventSide | None = None
    modality: Modality = field(default_factory=Modality)
    date: EventDate | None = None
    trigger: Cue | None = None

    @property
    def cameo_root(self) -> str:
        return self.cameo[:2]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plover": {"type": self.plover, "mode": self.mode},
            "cameo": {"code": self.cameo, "root": self.cameo_root},
            "goldstein": self.goldstein,
            "quad_class": self.quad_class,
            "source": self.source.to_dict() if self.source else None,
            "target": self.target.to_dict() if self.target else None,
            "modality": self.modality.to_dict(),
            "date": self.date.to_dict() if self.date else None,
            "sentence": self.sentence,
            "span": list(self.span),
            "trigger": self.trigger.to_dict() if self.trigger else None,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Dateline:
    """Where the story was filed: the dateline as written ("MOSCOW (Reuters) -"), its
    place ("Moscow") and its span in ``text``."""

    text: str
    place: str
    span: Span

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "place": self.place, "span": list(self.span)}


@dataclass(frozen=True)
class Outcome:
    status: OutcomeStatus
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason}


OK = Outcome("ok")


@dataclass(frozen=True)
class ArticleRecord:
    """The article record of CONTRACT.md, schema 1, with its outcome."""

    id: str
    source: str
    text: str
    outcome: Outcome = OK
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    language: str | None = "en"
    actors: tuple[Actor, ...] = ()
    quotes: tuple[Quote, ...] = ()
    events: tuple[Event, ...] = ()
    dates: tuple[DateRef, ...] = ()
    duplicate_of: str | None = None
    author: str | None = None
    standfirst: str | None = None
    site_name: str | None = None
    dateline: Dateline | None = None

    @property
    def ok(self) -> bool:
        return self.outcome.status == "ok"

    def with_(self, **changes: Any) -> "ArticleRecord":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "language": self.language,
            "text": self.text,
            "actors": [a.to_dict() for a in self.actors],
            "quotes": [q.to_dict() for q in self.quotes],
            "events": [e.to_dict() for e in self.events],
            "dates": [d.to_dict() for d in self.dates],
            "outcome": self.outcome.to_dict(),
            "source": self.source,
            "duplicate_of": self.duplicate_of,
            "author": self.author,
            "standfirst": self.standfirst,
            "site_name": self.site_name,
            "dateline": self.dateline.to_dict() if self.dateline else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ArticleRecord":
        """Inverse of ``to_dict`` (used by the store, exports and the Spark runner)."""
        def span(v: Any) -> Span:
            return (int(v[0]), int(v[1]))

        def side(v: Any) -> EventSide | None:
            if not v:
                return None
            return EventSide(v.get("actor"), v.get("name") or "", v.get("country"),
                             tuple(v.get("sectors") or ()),
                             span(v["span"]) if v.get("span") else None)

        actors = tuple(
            Actor(a["id"], a["name"], a["kind"], a.get("country"), tuple(a.get("sectors") or ()),
                  a.get("role"), tuple(span(m) for m in a.get("mentions") or ()),
                  a.get("cameo"), a.get("affiliation"))
            for a in d.get("actors") or ())
        quotes = tuple(
            Quote(q["kind"], q["text"], span(q["span"]),
                  Speaker(q["speaker"].get("actor"), q["speaker"].get("name") or "",
                          span(q["speaker"]["span"])) if q.get("speaker") else None,
                  Cue(q["cue"]["text"], span(q["cue"]["span"])) if q.get("cue") else None,
                  q.get("confidence"),
                  # records written before quotes had parts: the content span is the part
                  tuple(span(p) for p in q["parts"]) if "parts" in q else (span(q["span"]),))
            for q in d.get("quotes") or ())
        events = []
        for e in d.get("events") or ():
            m = e.get("modality") or {}
            dd = e.get("date")
            events.append(Event(
                plover=e["plover"]["type"], mode=e["plover"].get("mode"),
                cameo=e["cameo"]["code"], goldstein=float(e["goldstein"]),
                sentence=e["sentence"], span=span(e["span"]),
                confidence=float(e.get("confidence") or 0.0),
                quad_class=e.get("quad_class"),
                source=side(e.get("source")), target=side(e.get("target")),
                modality=Modality(bool(m.get("negated")), bool(m.get("hypothetical")),
                                  bool(m.get("future")), m.get("reported_by"),
                                  bool(m.get("historical")), bool(m.get("question"))),
                date=EventDate(dd.get("text"), dd.get("value"), dd.get("granularity") or "unknown",
                               bool(dd.get("from_publication"))) if dd else None,
                trigger=Cue(e["trigger"]["text"], span(e["trigger"]["span"]))
                if e.get("trigger") else None,
            ))
        dates = tuple(DateRef(x["text"], x.get("value"), x.get("granularity") or "unknown",
                              span(x["span"])) for x in d.get("dates") or ())
        out = d.get("outcome") or {"status": "ok"}
        pub = d.get("published")
        dl = d.get("dateline")
        return cls(
            id=d["id"], source=d.get("source") or "", text=d.get("text") or "",
            outcome=Outcome(out["status"], out.get("reason")),
            title=d.get("title"), url=d.get("url"),
            published=dt.date.fromisoformat(pub) if pub else None,
            language=d.get("language"), actors=actors, quotes=quotes,
            events=tuple(events), dates=dates, duplicate_of=d.get("duplicate_of"),
            author=d.get("author"), standfirst=d.get("standfirst"), site_name=d.get("site_name"),
            dateline=Dateline(dl["text"], dl["place"], span(dl["span"])) if dl else None,
        )
