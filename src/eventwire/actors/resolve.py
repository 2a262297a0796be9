"""Actors: entity, title and pronoun mentions grouped into actors with country, sectors,
role, affiliation and a CAMEO-style code.

The article is read in passes over one draft table (``drafts.py``):

1. the article's focus state (``context.py``: dateline, headline, most-mentioned state);
2. names (``mentions.py``): NER entities read against the knowledge base at the
   publication date, with their modifiers and appositions (``context.py``);
3. coreference (``coref.py``): surnames NER missed;
4. title phrases (``mentions.py``): "the spokesman", "Afghan police", "Clinton's aides";
5. pronouns (``coref.py``);
6. the focus state for offices, institutions and title phrases with no country of their
   own (``context.py``).

A dateline ("ANKARA, Feb 5 (Reuters) -") is a place, not an actor: its entities are
skipped. The actor's ``cameo`` code is its country code followed by its sector codes
(``TURGOV``, ``USAGOVMIL``, ``IGO``, ``REB`` for rebels of no known state), the form CAMEO
actor codes take, so rows join with other event data sets.
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace

from ..records import Actor, CleanArticle
from .coref import CoreferencePass
from .drafts import Draft
from .lexicon import Lexicon, lexicon
from .mentions import ENT_LABELS, MentionPass

log = logging.getLogger(__name__)

_HEADLINE = re.compile(r"[^\n]{1,200}\n[ \t]*\n")


class ArticleReader(MentionPass, CoreferencePass):
    """Reads one parsed document into actor drafts, pass by pass."""

    def __init__(self, doc, article: CleanArticle, lex: Lexicon) -> None:
        super().__init__(doc, article, lex)
        self.surnames: dict[str, str] = {}
        self.headline_end = self._headline_end()

    def _headline_end(self) -> int | None:
        """End of a headline line that opens the text (a short first line without a final
        full stop, then a blank line), whose title-case words are not names."""
        m = _HEADLINE.match(self.text)
        if not m:
            return None
        line = m.group(0).strip()
        if line.endswith((".", '"', "\u201d")) and len(line.split()) > 12:
            return None
        return m.end()

    def run(self) -> list[Draft]:
        self.set_entities(self.entities())
        self.focus = self.focus_state()
        ents = [e for e in self.ents if e.label_ in ENT_LABELS
                and not any(a <= e.start_char < b for a, b in self.datelines)]
        self.surnames = self.surname_index([e for e in ents if e.label_ == "PERSON"
                                            and not self.in_headline(e.start_char)])
        for ent in ents:
            self.read_entity(ent)
        self.read_bare_surnames()
        self.read_title_phrases()
        self.read_pronouns()
        self.apply_focus()
        return [d for d in self.drafts.values() if d.mentions]


def cameo_code(country: str | None, sectors: tuple[str, ...]) -> str | None:
    """CAMEO-style actor code: country then sectors ("TURGOV"); None when both are unknown."""
    if not country and not sectors:
        return None
    parts = [country] if country else []
    parts += [s for s in sectors if s != country]
    return "".join(parts)


def _finish(drafts: list[Draft]) -> list[Actor]:
    drafts.sort(key=lambda d: min(d.mentions))
    out = []
    for n, d in enumerate(drafts, 1):
        names = d.names or [d.key.split(":", 1)[1].split("|")[0]]
        names = [" ".join(n.split()) for n in names]
        if d.known and d.kind in ("country", "organization"):
            name = names[0]
        elif d.known and d.kind == "person" and d.canonical:
            name = d.canonical          # the knowledge base's name of the person
        else:
            name = max(names, key=lambda s: (len(s.split()), len(s)))
        sectors = tuple(dict.fromkeys(d.sectors))
        out.append(Actor(id=f"a{n}", name=name, kind=d.kind, country=d.country,
                         sectors=sectors, role=d.role,
                         mentions=tuple(sorted(set(d.mentions))),
                         cameo=cameo_code(d.country, sectors), affiliation=d.affiliation))
    return out


def resolve_actors(doc, article: CleanArticle) -> list[Actor]:
    """Actors of one parsed article, ids in order of first mention, mentions sorted."""
    return _finish(ArticleReader(doc, article, lexicon()).run())


_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself"})


def quoted_speakers(doc, actors: list[Actor], quotes) -> list[Actor]:
    """"I", "me" and "my" inside a direct quote are its speaker: they join the speaker's
    actor as mentions (run after the quote stage)."""
    extra: dict[str, list[tuple[int, int]]] = {}
    direct = [q for q in quotes if q.kind in ("direct", "mixed") and q.speaker is not None
              and q.speaker.actor is not None]
    if not direct:
        return actors
    for t in doc:
        if t.lower_ not in _FIRST_PERSON:
            continue
        for q in direct:
            if any(a <= t.idx < b for a, b in (q.parts or (q.span,))):
                extra.setdefault(q.speaker.actor, []).append((t.idx, t.idx + len(t)))
                break
    if not extra:
        return actors
    return [replace(a, mentions=tuple(sorted(set(a.mentions) | set(extra[a.id]))))
            if a.id in extra else a for a in actors]


def actor_for_span(actors: list[Actor], span: tuple[int, int]) -> Actor | None:
    """The actor a span refers to: first an actor with a mention containing the span (the
    tightest), then one with a mention inside the span (the largest), then the largest
    partial overlap; None when no mention overlaps."""
    start, end = span
    best: tuple[tuple[int, int], Actor] | None = None
    for actor in actors:
        for ms, me in actor.mentions:
            if not (ms < end and start < me):
                continue
            if ms <= start and end <= me:
                key = (0, me - ms)
            elif start <= ms and me <= end:
                key = (1, -(me - ms))
            else:
                key = (2, -(min(end, me) - max(start, ms)))
            if best is None or key < best[0]:
                best = (key, actor)
    return best[1] if best else None
