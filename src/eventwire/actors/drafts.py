"""The draft table the actor passes share: mutable actors while one document is read.

A ``Draft`` collects an actor's mentions, names, country, sectors, role and affiliation
as the passes find them (``mentions.py`` reads names and title phrases, ``context.py``
reads what modifiers, appositions and the article's focus state say, ``coref.py`` links
surnames, definite titles and pronouns); ``resolve.py`` runs the passes in order and turns
the drafts into ``Actor`` records. ``DraftTable`` holds the document, its sentence index,
the knowledge tables and the drafts, and offers the two primitives every pass uses:
``draft`` (find or make an actor by key) and ``mention`` (record a span of it).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..layout import DATELINE, DATELINE_SEARCH_CHARS
from ..records import CleanArticle, Span
from .lexicon import Lexicon, Title

# how much a source of sectors weighs (Draft.learn)
# a former office (ELI) < a party role of the tables (candidate, party leader: PTY) < a title
# the article gives < a state office the tables say is held then
SECTORS_FROM_DEFAULT, SECTORS_FROM_PARTY, SECTORS_FROM_TITLE, SECTORS_FROM_OFFICE = 1, 2, 3, 4
# sectors of the state (a person or body holding one is an official of some state)
STATE_SECTORS = frozenset({"GOV", "MIL", "COP", "JUD", "LEG", "SPY"})
POSSESSIVES = frozenset({"'s", "'", "\u2019s", "\u2019"})


@dataclass
class Draft:
    """A mutable actor while the document is read."""

    key: str
    kind: str
    names: list[str] = field(default_factory=list)   # proper forms seen
    country: str | None = None
    sectors: tuple[str, ...] = ()
    role: str | None = None
    gender: str | None = None
    affiliation: str | None = None
    known: bool = False        # resolved in the knowledge base (a canonical name)
    canonical: str | None = None  # the knowledge base's name of a known person
    mentions: list[Span] = field(default_factory=list)
    # (char start, sentence index, is subject, governing verb token) of every mention,
    # for pronoun resolution
    anchors: list[tuple[int, int, bool, int]] = field(default_factory=list)
    pronoun_votes: dict[str, int] = field(default_factory=dict)
    title_heads: set[str] = field(default_factory=set)
    national: bool = False     # holds an office a state has once (title scope "national")
    sector_weight: int = 0

    def add(self, span: Span, sent: int, subject: bool, verb: int,
            name: str | None = None) -> None:
        self.mentions.append(span)
        self.anchors.append((span[0], sent, subject, verb))
        if name:
            self.names.append(name)

    def learn(self, country: str | None, sectors: tuple[str, ...], role: str | None,
              title: Title | None = None, affiliation: str | None = None,
              weight: int = 1) -> None:
        """Fill what is not known yet; sectors also when this source weighs more
        (``SECTORS_FROM_*``: an office the tables say is held then, over a title the
        article gives, over a default such as a former office)."""
        if country and not self.country:
            self.country = country
        if sectors and (not self.sectors or weight > self.sector_weight):
            self.sectors = sectors
            self.sector_weight = weight
        if role and not self.role:
            self.role = role
        if affiliation and not self.affiliation:
            self.affiliation = affiliation
        if title:
            self.title_heads.add(title.title.split()[-1].split("-")[0])
            if title.gender and not self.gender:
                self.gender = title.gender
            self.national = self.national or title.national


@dataclass
class Context:
    """What a phrase's modifiers or apposition say: country, sectors, role, title and the
    body it belongs to (its affiliation)."""

    country: str | None = None
    place_sectors: tuple[str, ...] = ()
    title: Title | None = None
    role: str | None = None
    affiliation: str | None = None
    former: bool = False      # "former President …": CAMEO codes former officials as elites

    def sectors(self, generic: tuple[str, ...] = ("GOV",)) -> tuple[str, ...]:
        """The title's sectors, unless the title is generic ("spokesman": GOV) and the
        body it belongs to tells better ("Pentagon spokesman": MIL); ELI for a former
        holder of an office."""
        if self.former and self.title:
            return ("ELI",)
        if self.title and not (self.place_sectors and self.title.sectors == generic):
            return self.title.sectors
        return self.place_sectors


class DraftTable:
    """One document being read into drafts (see the module docstring)."""

    def __init__(self, doc, article: CleanArticle, lex: Lexicon) -> None:
        self.doc = doc
        self.text = article.text
        self.article = article
        self.published: dt.date | None = article.published
        self.lex = lex
        self.drafts: dict[str, Draft] = {}
        self.used: set[int] = set()          # token indices consumed as mentions/context
        self.sent_of = [0] * len(doc)
        for si, sent in enumerate(doc.sents):
            for i in range(sent.start, sent.end):
                self.sent_of[i] = si
        self.ents = list(doc.ents)           # replaced by MentionPass.entities()
        self.ent_index = {i: e for e in self.ents for i in range(e.start, e.end)}
        self.datelines = [m.span() for m in DATELINE.finditer(
            self.text, 0, min(len(self.text), DATELINE_SEARCH_CHARS))]
        self.focus: str | None = None        # the article's state (context.focus_state)

    def draft(self, key: str, kind: str) -> Draft:
        d = self.drafts.get(key)
        if d is None:
            d = self.drafts[key] = Draft(key, kind)
        return d

    def mention(self, d: Draft, start_tok: int, end_tok: int, name: str | None = None,
                root=None) -> None:
        span = (self.doc[start_tok].idx,
                self.doc[end_tok - 1].idx + len(self.doc[end_tok - 1].text))
        root = root if root is not None else self.doc[end_tok - 1]
        d.add(span, self.sent_of[start_tok], root.dep_ in ("nsubj", "nsubjpass"),
              verb_of(root), name)
        self.used.update(range(start_tok, end_tok))

    def ent_at(self, i: int):
        return self.ent_index.get(i)

    def ent_type(self, tok) -> str:
        """The entity label of a token in this reading ("" outside any entity)."""
        e = self.ent_index.get(tok.i)
        return e.label_ if e is not None else ""

    def set_entities(self, ents: list) -> None:
        self.ents = sorted(ents, key=lambda e: e.start)
        self.ent_index = {i: e for e in self.ents for i in range(e.start, e.end)}

    def span_text(self, toks) -> str:
        return self.text[toks[0].idx:toks[-1].idx + len(toks[-1].text)]


def verb_of(tok) -> int:
    """Index of the verb governing a token (the token's own head chain, at most 4 steps)."""
    for _ in range(4):
        if tok.pos_ in ("VERB", "AUX") or tok.head.i == tok.i:
            return tok.i
        tok = tok.head
    return tok.i
