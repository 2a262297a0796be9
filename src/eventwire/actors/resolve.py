"""Actors: entity, title and pronoun mentions grouped into actors with country, sectors and role.

How. Mentions come from spaCy NER (PERSON, ORG, GPE, NORP, FAC, LOC), from noun phrases
headed by a title in ``titles.tsv`` ("the spokesman", "Turkish officials", "the ministry")
and from third-person pronouns. Country and sectors come from the knowledge tables
(demonyms, capitals and seats by metonymy, national institutions, IGOs) read off the
mention itself, its compound/possessive modifiers ("Turkish Defense Minister Hulusi
Akar", "State Department spokesman Ned Price"), its apposition ("Ibrahim Kalin,
spokesman for …"; "the foreign minister of Iran, Javad Zarif"). A person whose context
names no country keeps ``country=None`` — never the article's main country. A name that
only qualifies a person or title ("Turkish", "State Department" above) is context, not a
mention of its own.

Coreference is written by hand because the coreference libraries (coreferee, fastcoref)
need model downloads that cannot happen here; it is deliberately small:
- full name ↔ surname, also when NER mislabels the surname (GPE/ORG) or misses it;
- a definite title phrase ("the spokesman") → the most recent person whose role has that
  title; "the ministry" → the most recent organisation named with that word; a
  government phrase with a country ("the French government") → that country's actor;
- he/she/his/her → the closest person in the same or the two previous sentences, subjects
  first, never the subject of the same verb for an object pronoun, and never a person
  whose honorific/title or clear majority of pronouns says the other gender;
- they/their → a group that was a subject in the same or the previous sentence;
  its → the closest country/organisation in the same or the previous sentence.
Measured by hand on PolNeAR dev: 20 of 25 sampled he/she/his/her/him links right.

A dateline ("ANKARA, Feb 5 (Reuters) -") is a place, not an actor: its entities are
skipped. Capitals are locations after "in/at/from/near" (and "to" after a verb of motion)
and stand for their government elsewhere ("Ankara said" → merged into the Turkey actor);
seats (the Kremlin, the Pentagon) stay organisations with their own sectors.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ..records import Actor, CleanArticle, Span
from ..layout import DATELINE, DATELINE_SEARCH_CHARS, dateline_end
from .lexicon import Lexicon, Place, Title, lexicon, norm_name

log = logging.getLogger(__name__)

_ENT_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})
_MODIFIER_DEPS = frozenset({"compound", "amod", "nmod"})
_LOCATIVE_PREPS = frozenset({"in", "at", "from", "near", "outside", "inside", "across",
                             "around", "throughout", "within", "via"})
_HONORIFICS = {"mr": "m", "mr.": "m", "mrs": "f", "mrs.": "f", "ms": "f", "ms.": "f",
               "miss": "f", "dr": None, "dr.": None, "sir": "m", "lady": "f"}
_FEMININE_TITLES = ("spokeswoman", "congresswoman", "queen", "chairwoman", "businesswoman")
_PRONOUNS_PERSON = {"he": "m", "him": "m", "his": "m", "himself": "m",
                    "she": "f", "her": "f", "hers": "f", "herself": "f"}
_PRONOUNS_GROUP = frozenset({"they", "them", "their", "themselves"})
_PRONOUNS_ORG = frozenset({"its"})
# Titles so generic that a modifying institution tells the sector better
# ("Pentagon spokesman" → MIL, "Senate aide" → LEG).
_GENERIC_TITLE_SECTORS = ("GOV",)
_GOVERNMENT_HEADS = frozenset({"government", "administration", "regime", "authority",
                               "cabinet"})
_STATE_SECTORS = frozenset({"GOV", "MIL", "COP", "JUD", "LEG", "SPY"})
# Offices that exist once per state, so an unqualified one in a datelined report is the
# dateline state's; generic titles (spokeswoman, prosecutor, governor) are not inferred.
_NATIONAL_OFFICE = re.compile(r"\b(?:presidential|president|prime minister|premier|"
                              r"chancellor|minister|ministry)\b", re.I)
_PRONOUN_WINDOW_SENTS = 2
_POSSESSIVES = frozenset({"'s", "'", "\u2019s", "\u2019"})
_QUANTIFIERS = frozenset({"more", "some", "many", "several", "other", "few", "fewer",
                          "additional", "dozens", "hundreds", "thousands", "most", "all"})
_MOTION_VERBS = frozenset({"travel", "go", "fly", "return", "come", "head", "arrive", "move",
                           "flee", "drive", "sail", "trip", "journey", "visit"})


@dataclass
class _Draft:
    """A mutable actor while the document is read."""

    key: str
    kind: str
    names: list[str] = field(default_factory=list)   # proper forms seen
    country: str | None = None
    sectors: tuple[str, ...] = ()
    role: str | None = None
    gender: str | None = None
    mentions: list[Span] = field(default_factory=list)
    # (char start, sentence index, is subject, governing verb token) of every mention,
    # for pronoun resolution
    anchors: list[tuple[int, int, bool, int]] = field(default_factory=list)
    pronoun_votes: dict[str, int] = field(default_factory=dict)
    title_heads: set[str] = field(default_factory=set)

    def add(self, span: Span, sent: int, subject: bool, verb: int,
            name: str | None = None) -> None:
        self.mentions.append(span)
        self.anchors.append((span[0], sent, subject, verb))
        if name:
            self.names.append(name)

    def learn(self, country: str | None, sectors: tuple[str, ...], role: str | None,
              title: Title | None = None) -> None:
        if country and not self.country:
            self.country = country
        if sectors and not self.sectors:
            self.sectors = sectors
        if role and not self.role:
            self.role = role
        if title:
            self.title_heads.add(title.title.split()[-1].split("-")[0])
            if title.title.startswith(_FEMININE_TITLES):
                self.gender = self.gender or "f"


@dataclass
class _Context:
    """What a person's or phrase's modifiers say: country, sectors, role, title."""

    country: str | None = None
    place_sectors: tuple[str, ...] = ()
    title: Title | None = None
    role: str | None = None

    def sectors(self) -> tuple[str, ...]:
        if self.title and not (self.place_sectors and
                               self.title.sectors == _GENERIC_TITLE_SECTORS):
            return self.title.sectors
        return self.place_sectors


class _Reader:
    """Reads one parsed document into actor drafts."""

    def __init__(self, doc, article: CleanArticle, lex: Lexicon) -> None:
        self.doc = doc
        self.text = article.text
        self.lex = lex
        self.drafts: dict[str, _Draft] = {}
        self.used: set[int] = set()          # token indices consumed as mentions/context
        self.sent_of = [0] * len(doc)
        for si, sent in enumerate(doc.sents):
            for i in range(sent.start, sent.end):
                self.sent_of[i] = si
        self._ent_index = {i: e for e in doc.ents for i in range(e.start, e.end)}
        self.datelines = [m.span() for m in DATELINE.finditer(
            self.text, 0, min(len(self.text), DATELINE_SEARCH_CHARS))]
        self.dateline_state = self._dateline_state()

    def _dateline_state(self) -> str | None:
        """The state (ISO-3) of the report's first dateline, if it names one."""
        if not self.datelines:
            return None
        m = DATELINE.match(self.text, self.datelines[0][0])
        hint = self.lex.country_hint(m.group("place").strip()) if m else None
        return hint[0] if hint and hint[0] and hint[0] != "IGO" else None

    def _localised(self, name: str, hit: tuple[str, tuple[str, ...]] | None
                   ) -> tuple[str, tuple[str, ...]] | None:
        """A body every state has ("the Supreme Court", "Parliament") belongs to the
        dateline's state in a datelined report; the table's state otherwise."""
        if hit and self.dateline_state and self.lex.is_generic(name):
            return self.dateline_state, hit[1]
        return hit

    # -- drafts -------------------------------------------------------------------------
    def draft(self, key: str, kind: str) -> _Draft:
        d = self.drafts.get(key)
        if d is None:
            d = self.drafts[key] = _Draft(key, kind)
        return d

    def mention(self, d: _Draft, start_tok: int, end_tok: int, name: str | None = None,
                root=None) -> None:
        span = (self.doc[start_tok].idx,
                self.doc[end_tok - 1].idx + len(self.doc[end_tok - 1].text))
        root = root if root is not None else self.doc[end_tok - 1]
        d.add(span, self.sent_of[start_tok], root.dep_ in ("nsubj", "nsubjpass"),
              _verb_of(root), name)
        self.used.update(range(start_tok, end_tok))

    # -- context of a name ----------------------------------------------------------------
    def _hint(self, tok) -> tuple[str, tuple[str, ...]] | None:
        """Country hint from one token or the entity it belongs to (proper names only, so
        "us"/"who" as pronouns never read as USA/WHO)."""
        if tok.ent_type_ in ("GPE", "NORP", "ORG", "FAC", "LOC"):
            ent = self._ent_at(tok.i)
            if ent is not None:
                hit = self._localised(ent.text, self.lex.country_hint(ent.text))
                if hit:
                    return hit
                region = self.lex.region_of(ent.text) if ent.label_ in ("GPE", "LOC") else None
                if region:
                    return region, ()                 # "Texas Governor …" → USA
        if tok.pos_ in ("PROPN", "ADJ") or tok.ent_type_:
            return self._localised(tok.text, self.lex.country_hint(tok.text))
        return None

    def _ent_at(self, i: int):
        return self._ent_index.get(i)

    def read_context(self, toks: list, head) -> _Context:
        """Country, place sectors, title and role from a run of modifier tokens."""
        ctx = _Context()
        for t in toks:
            hit = self._hint(t)
            if hit:
                ctx.country = ctx.country or hit[0]
                ctx.place_sectors = ctx.place_sectors or hit[1]
        title, start = self.match_title(toks, head)
        if title is not None:
            ctx.title = title
            # the role starts after the words that only gave the country/institution
            # ("Turkish Defense Minister" → "Defense Minister") but keeps other modifiers
            # ("presidential spokesman")
            k = 0
            while k < start and (self._hint(toks[k]) or toks[k].dep_ in ("case", "det")
                                 or toks[k].pos_ in ("PUNCT", "PRON", "DET")):
                k += 1
            while 0 < k < start and toks[k - 1].text == "-" and toks[k].tag_ in ("VBN", "VBD"):
                k += 1      # "Moscow-based journalist" → "journalist", not "based journalist"
            first = toks[k]
            last = toks[-1]
            role = self.text[first.idx:last.idx + len(last.text)].strip(" ,")
            ctx.role = role or None
            if not ctx.place_sectors:
                # a sector word before a generic title: "military spokesman" → MIL,
                # "company spokeswoman" → BUS
                for t in toks[:start]:
                    word = self.lex.titles.get((t.lemma_ or t.text).casefold())
                    if word is not None and word.sectors != _GENERIC_TITLE_SECTORS:
                        ctx.place_sectors = word.sectors
                        break
        return ctx

    def match_title(self, toks: list, head) -> tuple[Title | None, int]:
        """Longest title in the lemmas of ``toks``, preferring one that covers ``head``."""
        if not toks:
            return None, 0
        parts, offsets = [], []
        pos = 0
        for t in toks:
            lem = (t.lemma_ or t.text).casefold()
            offsets.append((pos, pos + len(lem)))
            parts.append(lem)
            pos += len(lem)
            if t.whitespace_ and t is not toks[-1]:
                parts.append(" ")
                pos += 1
        lemmas = "".join(parts)
        best: tuple[tuple[int, int, int], Title, int] | None = None
        for m in self.lex.title_pattern.finditer(lemmas):
            first = next(k for k, (a, b) in enumerate(offsets) if b > m.start())
            last = next(k for k, (a, b) in enumerate(offsets) if b >= m.end())
            covers = head is not None and toks[first].i <= head.i <= toks[last].i
            score = (1 if covers else 0, m.end() - m.start(), last)
            if best is None or score > best[0]:
                best = (score, self.lex.titles[m.group(0)], first)
        if best is None:
            return None, 0
        return best[1], best[2]

    def left_modifiers(self, start: int, end: int) -> list:
        """Compound/amod/possessive tokens directly left of tokens [start, end)."""
        doc = self.doc
        sent_start = doc[start].sent.start
        out: list = []
        lo = start
        i = start - 1
        while i >= sent_start and len(out) < 8:
            t = doc[i]
            if t.dep_ == "case" and t.text in _POSSESSIVES:
                out.insert(0, t)
            elif t.pos_ == "PUNCT" and t.text in "-–" and i > sent_start:
                out.insert(0, t)
            elif (t.pos_ in ("PROPN", "NOUN", "ADJ", "NUM") and lo <= t.head.i < end
                  and t.head.i > t.i):
                out.insert(0, t)
            else:
                break
            lo = i
            i -= 1
        while out and (out[0].pos_ == "PUNCT" or out[0].dep_ == "case"):
            out.pop(0)
        return out

    def phrase_tokens(self, head, exclude: range | None = None) -> list:
        """Tokens of ``head``'s phrase up to the first comma, without determiners."""
        toks = []
        for t in head.subtree:
            if exclude is not None and t.i in exclude:
                continue
            if t.i > head.i and t.text in (",", ";", "(", ")", "--", "—"):
                break
            if t.i < head.i and t.text in (",", ";"):
                toks = []
                continue
            toks.append(t)
        while toks and (toks[0].pos_ in ("DET", "PUNCT") or toks[0].dep_ == "det"):
            toks.pop(0)
        while toks and toks[-1].pos_ == "PUNCT":
            toks.pop()
        return toks

    # -- passes ------------------------------------------------------------------------------
    def run(self) -> list[_Draft]:
        doc = self.doc
        ents = [e for e in doc.ents if e.label_ in _ENT_LABELS
                and not any(a <= e.start_char < b for a, b in self.datelines)]
        persons = [e for e in ents if e.label_ == "PERSON"]
        self.surnames = self._surname_index(persons)
        for ent in ents:
            self.read_entity(ent)
        self.read_bare_surnames()
        self.read_title_phrases()
        self.read_pronouns()
        self.apply_dateline_country()
        return [d for d in self.drafts.values() if d.mentions]

    def apply_dateline_country(self) -> None:
        """A person holding a national office (president, minister, presidential aide) with no
        country of their own in a datelined report holds the dateline state's office: wire style names the country of an official only
        when it differs from the dateline's ("ANKARA - … presidential spokesman Ibrahim
        Kalin said" → TUR). Without a dateline nothing is inferred."""
        if self.dateline_state is None:
            return
        for d in self.drafts.values():
            if (d.kind == "person" and d.country is None and d.role and d.sectors
                    and set(d.sectors) <= _STATE_SECTORS
                    and _NATIONAL_OFFICE.search(d.role)):
                d.country = self.dateline_state

    def _surname_index(self, persons) -> dict[str, str]:
        """Last name (and full name) → person key, from multi-word PERSON entities."""
        out: dict[str, str] = {}
        for e in persons:
            toks = self._strip(e)
            if len(toks) >= 2:
                key = "p:" + norm_name(" ".join(t.text for t in toks))
                out.setdefault(norm_name(toks[-1].text), key)
                out[norm_name(" ".join(t.text for t in toks))] = key
        return out

    def _strip(self, ent) -> list:
        toks = [t for t in ent if not (t.dep_ == "case" or t.text in _POSSESSIVES)]
        while toks and (toks[0].lower_ in ("the",) or toks[0].lower_ in _HONORIFICS):
            toks.pop(0)
        return toks

    def read_entity(self, ent) -> None:
        toks = self._strip(ent)
        if not toks:
            return
        start, end = toks[0].i, toks[-1].i + 1
        name = self.text[toks[0].idx:toks[-1].idx + len(toks[-1].text)]
        key = norm_name(name)
        root = ent.root
        lex = self.lex
        misread_place = ent.label_ == "PERSON" and len(toks) == 1 and lex.country_hint(name)
        if (ent.label_ == "PERSON" and not misread_place) or (
                key in self.surnames and not lex.country_hint(name)):
            self.read_person(ent, toks, name)
            return
        if ent.label_ in ("NORP", "GPE") and self.used.issuperset(range(start, end)):
            return      # already read as a person's context ("a Democrat from Ohio")
        qualifier = self._is_modifier(root) and self._modifies_person_or_title(root)
        if (end + 1 < len(self.doc) and self.doc[end].text == "-"
                and self.doc[end + 1].lower_ == "based"):
            return      # "a Moscow-based journalist": where someone works, not an actor
        place = lex.place_of(name)
        if place is not None:
            table, p = place
            if qualifier:
                return
            self.read_place(table, p, start, end, name, root)
            return
        iso = lex.country_of(name)
        if iso and ent.label_ in ("GPE", "LOC", "ORG", "NORP"):
            if qualifier:
                return
            d = self.draft("c:" + iso, "country")
            d.learn(iso, ("GOV",), None)
            self.mention(d, start, end, name, root)
            return
        if ent.label_ == "NORP" or lex.demonym_of(name):
            self.read_norp(start, end, name, root)
            return
        if ent.label_ == "ORG":
            if qualifier:
                return
            self.read_org(ent, start, end, name, root)
            return
        d = self.draft("l:" + key, "location")
        if ent.label_ in ("GPE", "LOC"):
            d.learn(lex.region_of(name), (), None)   # "Texas" → USA
        self.mention(d, start, end, name, root)

    def _is_modifier(self, root) -> bool:
        """A name used as a modifier of a noun ("Turkish officials", "U.S. President")."""
        return root.dep_ in _MODIFIER_DEPS and root.head.pos_ in ("NOUN", "PROPN") \
            and root.head.i != root.i

    def _modifies_person_or_title(self, root) -> bool:
        head = root.head
        while head.dep_ == "compound" and head.head.i != head.i:
            if head.ent_type_ == "PERSON":
                return True
            head = head.head
        if head.ent_type_ == "PERSON":
            return True
        return (head.lemma_ or "").casefold() in self.lex.titles

    def read_place(self, table: str, p: Place, start: int, end: int, name: str, root) -> None:
        if table == "igo":
            d = self.draft("i:" + norm_name(p.canonical or name), "organization")
            d.learn("IGO", p.sectors, None)
            self.mention(d, start, end, name if self.lex.igos.get(norm_name(name)) else None,
                         root)
            if not d.names:
                d.names.append(p.canonical or name)
            return
        if table == "institution":
            kind = "group" if self.doc[end - 1].tag_ in ("NNS", "NNPS") else "organization"
            d = self.draft("o:" + norm_name(name), kind)
            d.learn(self._localised(name, (p.country, p.sectors))[0], p.sectors, None)
            self.mention(d, start, end, name, root)
            return
        # a seat or capital: a place after a locative preposition, else its government
        locative = root.dep_ == "pobj" and (
            root.head.lower_ in _LOCATIVE_PREPS
            or (root.head.lower_ == "to" and (root.head.head.lemma_ or "") in _MOTION_VERBS))
        if locative:
            d = self.draft("l:" + norm_name(name), "location")
            d.learn(p.country if p.country != "IGO" else None, (), None)
            self.mention(d, start, end, name, root)
            return
        if p.city and p.country == "IGO":
            igo = self.lex.igos.get(norm_name(p.canonical or name))
            if igo is not None:                             # "Brussels said" → the EU
                self.read_place("igo", igo, start, end, name, root)
                return
        if p.city:
            d = self.draft("c:" + p.country, "country")   # "Ankara said" → Turkey
            d.learn(p.country, p.sectors, None)
            self.mention(d, start, end, None, root)
            if not d.names:
                d.names.append(name)
            return
        d = self.draft("o:" + norm_name(name), "organization")
        d.learn(p.country, p.sectors, None)
        self.mention(d, start, end, name, root)

    def read_norp(self, start: int, end: int, name: str, root) -> None:
        if self._is_modifier(root) or root.pos_ == "ADJ":
            return      # "Turkish officials": the country goes to the head phrase
        iso = self.lex.demonym_of(name)
        d = self.draft("g:" + norm_name(name), "group")
        d.learn(iso, (), None)
        self.mention(d, start, end, name, root)

    def read_org(self, ent, start: int, end: int, name: str, root) -> None:
        lex = self.lex
        toks = list(self.doc[start:end])
        country = None
        for t in toks:
            iso = lex.country_of(t.text) or lex.demonym_of(t.text) if t.pos_ in (
                "PROPN", "ADJ") else None
            if iso:
                country = iso
                break
        left = self.left_modifiers(start, end)
        ctx = self._apposition(ent, self.read_context(left, left[-1] if left else None))
        if country is None and len(toks) > 1:
            prefix = lex.igos.get(norm_name(toks[0].text))      # "UN Human Rights Council"
            if prefix is not None:
                country = "IGO"
        country = country or ctx.country
        title, _ = self.match_title(toks, toks[-1])
        sectors: tuple[str, ...] = ()
        if title is not None and title.kind == "organization":
            sectors = title.sectors
        else:
            for t in toks:
                s = lex.org_words.get(t.lower_)
                if s:
                    sectors = s
                    break
        if not sectors and ctx.title is not None and ctx.title.kind == "organization":
            sectors = ctx.title.sectors      # "state oil company PDVSA" → BUS
        d = self.draft("o:" + norm_name(name), "organization")
        d.learn(country, sectors or ctx.place_sectors, None, title)
        self.mention(d, start, end, name, root)

    def read_person(self, ent, toks: list, name: str) -> None:
        doc = self.doc
        # NER sometimes swallows the title: "Qatari Emir Tamim bin Khalid"
        lead = 0
        while lead < len(toks) - 1 and (self._hint(toks[lead]) or (
                toks[lead].lemma_ or "").casefold() in self.lex.title_heads):
            lead += 1
        if lead:
            toks = toks[lead:]
            name = self.text[toks[0].idx:toks[-1].idx + len(toks[-1].text)]
        start, end = toks[0].i, toks[-1].i + 1
        key = norm_name(name)
        full = self.surnames.get(key)
        if full is None:
            full = "p:" + key
        d = self.draft(full, "person")
        honor = doc[start - 1].lower_ if start > 0 else ""
        if honor in _HONORIFICS and _HONORIFICS[honor]:
            d.gender = d.gender or _HONORIFICS[honor]
        left = self.left_modifiers(start, end)
        ctx = self.read_context(left, left[-1] if left else None)
        self.used.update(t.i for t in left)
        ctx = self._apposition(ent, ctx)
        d.learn(ctx.country, ctx.sectors(), ctx.role, ctx.title)
        self.mention(d, start, end, name if len(toks) >= 2 or not d.names else None,
                     ent.root)

    def _apposition(self, ent, ctx: _Context) -> _Context:
        """Context from "Name, spokesman for …", "the foreign minister of Iran, Name" or
        "the state broadcaster CCTV"; fills what the left modifiers did not give."""
        if ctx.title is not None and ctx.country is not None:
            return ctx
        root = ent.root
        span = range(ent.start, ent.end)
        heads = [c for c in root.children if c.dep_ == "appos" and c.i >= ent.end
                 and c.ent_type_ != "PERSON"]
        if heads:
            toks = self.phrase_tokens(heads[0], span)
            head = heads[0]
        elif root.dep_ == "appos" and root.head.i < ent.start \
                and root.head.pos_ in ("NOUN", "PROPN") and root.head.ent_type_ != "PERSON":
            head = root.head
            toks = self.phrase_tokens(head, range(ent.start, head.right_edge.i + 1))
        else:
            return ctx
        got = self.read_context(toks, head)
        if got.title is None and got.country is None:
            return ctx
        self.used.update(t.i for t in toks if not t.ent_type_ or t.ent_type_ == "NORP")
        if ctx.title is not None:          # the left title wins; the apposition adds a country
            ctx.country = ctx.country or got.country
            return ctx
        if got.title is not None and toks:
            got.role = self.text[toks[0].idx:toks[-1].idx + len(toks[-1].text)].strip(" ,")
        got.country = got.country or ctx.country
        return got

    def read_bare_surnames(self) -> None:
        """A surname NER missed ("Price told reporters") joins the person it names."""
        for t in self.doc:
            if t.pos_ != "PROPN" or t.ent_type_ or t.i in self.used:
                continue
            key = self.surnames.get(norm_name(t.text))
            if key and key in self.drafts and not self.lex.country_hint(t.text):
                self.mention(self.drafts[key], t.i, t.i + 1, None, t)

    # -- title phrases ---------------------------------------------------------------------
    def read_title_phrases(self) -> None:
        lex = self.lex
        for t in self.doc:
            if t.i in self.used or t.pos_ not in ("NOUN", "PROPN") or t.dep_ == "compound":
                continue
            if t.ent_type_ and t.ent_type_ not in ("NORP",):
                continue
            if (t.lemma_ or t.text).casefold() not in self._title_heads():
                continue
            if t.dep_ in ("attr", "acomp", "oprd") or (t.dep_ == "pobj" and t.head.lower_ == "as"):
                continue      # predicates ("is a general", "as a general") refer to no one
            left = [c for c in t.lefts if c.dep_ in ("amod", "compound", "nmod", "poss",
                                                     "nummod", "det", "case")]
            lo = min([c.left_edge.i for c in left if c.dep_ != "det"] + [t.i])
            mods = [x for x in self.doc[lo:t.i + 1]
                    if x.i not in self.used or x.i == t.i
                    or x.ent_type_ in ("GPE", "NORP", "ORG", "FAC", "LOC")]
            if len(mods) != t.i + 1 - lo:
                continue
            of_toks = []
            for c in t.rights:
                if c.dep_ == "prep" and c.lower_ == "of":
                    of_toks = [x for x in c.subtree]
                    break
            title, _ = self.match_title(mods, t)
            lemma = (t.lemma_ or t.text).casefold()
            # the title must end at the head noun ("fighter jet" is no fighter)
            if title is None or not (title.title == lemma or title.title.endswith(
                    (" " + lemma, "-" + lemma))):
                continue
            if title.plural_only and t.tag_ not in ("NNS", "NNPS"):
                continue
            ctx = self.read_context(mods + of_toks, t)
            ctx.title = title
            det = next((c.lower_ for c in t.lefts if c.dep_ == "det"), None)
            plural = t.tag_ in ("NNS", "NNPS")
            self._title_phrase(t, lo, title, ctx, det, plural, mods, of_toks)

    def _title_heads(self) -> frozenset[str]:
        return self.lex.title_heads

    def _title_phrase(self, t, lo: int, title: Title, ctx: _Context, det: str | None,
                      plural: bool, mods: list, of_toks: list) -> None:
        doc = self.doc
        start = lo
        while start < t.i and (doc[start].dep_ in ("det", "case", "nummod")
                               or doc[start].pos_ in ("PRON", "NUM")
                               or doc[start].lower_ in _QUANTIFIERS):
            start += 1
        end = t.i + 1
        if of_toks and ctx.country and any(self._hint(x) for x in of_toks):
            end = of_toks[-1].i + 1
        name = self.text[doc[start].idx:doc[end - 1].idx + len(doc[end - 1].text)]
        head = title.title.split()[-1]
        sectors = ctx.sectors()
        target: _Draft | None = None
        kind = "group" if plural and title.kind == "person" else title.kind
        named = self._named_org(mods[:-1]) if kind == "organization" else None
        if named is not None:                  # "the Interfax news agency" → Interfax
            target = named
            target.learn(None, title.sectors, None, title)
        elif kind == "organization" and head in _GOVERNMENT_HEADS and ctx.country:
            target = self.draft("c:" + ctx.country, "country")
            target.learn(ctx.country, ("GOV",), None)
            if not target.names:
                target.names.append(name)
        elif det in ("the", "this", "that") and not plural and not ctx.country:
            target = self._antecedent_for_title(t, head, title.kind)
        elif plural and not ctx.country:
            target = self._recent(t.idx, lambda d: d.kind == "group" and head in d.title_heads)
        if target is None:
            key = "t:" + norm_name(name)
            target = self.draft(key, kind)
            target.learn(ctx.country, sectors, ctx.role or name, title)
            self.mention(target, start, end, name, t)
            return
        self.mention(target, start, end, None, t)

    def _named_org(self, toks: list) -> _Draft | None:
        for x in toks:
            if x.ent_type_ == "ORG":
                ent = self._ent_at(x.i)
                d = self.drafts.get("o:" + norm_name(ent.text)) if ent is not None else None
                if d is not None and not d.sectors:
                    return d
        return None

    def _antecedent_for_title(self, t, head: str, kind: str) -> _Draft | None:
        if kind == "person":
            return self._recent(t.idx, lambda d: d.kind == "person" and (
                head in d.title_heads or (d.role is not None and head in d.role.casefold())))
        return self._recent(t.idx, lambda d: d.kind == "organization" and (
            head in d.title_heads or any(head in n.casefold() for n in d.names)))

    def _recent(self, before: int, pred) -> _Draft | None:
        best, best_pos = None, -1
        for d in self.drafts.values():
            if not pred(d):
                continue
            pos = max((a[0] for a in d.anchors if a[0] < before), default=-1)
            if pos > best_pos:
                best, best_pos = d, pos
        return best

    # -- pronouns --------------------------------------------------------------------------
    def read_pronouns(self) -> None:
        for t in self.doc:
            low = t.lower_
            if t.pos_ != "PRON" and t.tag_ not in ("PRP", "PRP$"):
                continue
            if low in _PRONOUNS_PERSON:
                gender = _PRONOUNS_PERSON[low]
                d = self._pronoun_antecedent(t, lambda d: d.kind == "person" and (
                    _gender(d) in (None, gender)))
                if d is not None:         # "her" twice, then "he" cannot be the same person
                    d.pronoun_votes[gender] = d.pronoun_votes.get(gender, 0) + 1
            elif low in _PRONOUNS_GROUP:
                # plural antecedents are too easy to miss (most plural subjects are not
                # actors), so "they" only takes a group that was a subject
                d = self._pronoun_antecedent(t, lambda d: d.kind == "group", window=1,
                                             subjects_only=True)
            elif low in _PRONOUNS_ORG:
                d = self._pronoun_antecedent(
                    t, lambda d: d.kind in ("country", "organization"), window=1)
            else:
                continue
            if d is not None:
                self.mention(d, t.i, t.i + 1, None, t)

    def _pronoun_antecedent(self, t, pred, window: int = _PRONOUN_WINDOW_SENTS,
                            subjects_only: bool = False) -> _Draft | None:
        """Closest sentence first; within it a subject first, then the latest mention."""
        sent = self.sent_of[t.i]
        own_verb = _verb_of(t)
        object_like = t.dep_ in ("dobj", "pobj", "iobj", "dative")
        best, best_score = None, None
        for d in self.drafts.values():
            if not pred(d):
                continue
            for pos, s, subj, verb in d.anchors:
                if pos >= t.idx or sent - s > window or (subjects_only and not subj):
                    continue
                if subj and verb == own_verb and object_like:
                    continue    # "Trump attacked him": not the subject of the same verb
                score = (s, subj, pos)
                if best_score is None or score > best_score:
                    best, best_score = d, score
        return best


def _verb_of(tok) -> int:
    """Index of the verb governing a token (the token's own head chain, at most 4 steps)."""
    for _ in range(4):
        if tok.pos_ in ("VERB", "AUX") or tok.head.i == tok.i:
            return tok.i
        tok = tok.head
    return tok.i


def _gender(d: _Draft) -> str | None:
    """Known gender: an honorific or title, else a clear majority of resolved pronouns."""
    if d.gender:
        return d.gender
    m, f = d.pronoun_votes.get("m", 0), d.pronoun_votes.get("f", 0)
    if m >= f + 2:
        return "m"
    if f >= m + 2:
        return "f"
    return None


def _finish(drafts: list[_Draft]) -> list[Actor]:
    drafts.sort(key=lambda d: min(d.mentions))
    out = []
    for n, d in enumerate(drafts, 1):
        names = d.names or [d.key.split(":", 1)[1]]
        name = max(names, key=lambda s: (len(s.split()), len(s)))
        out.append(Actor(id=f"a{n}", name=name, kind=d.kind, country=d.country,
                         sectors=tuple(dict.fromkeys(d.sectors)), role=d.role,
                         mentions=tuple(sorted(set(d.mentions)))))
    return out


def resolve_actors(doc, article: CleanArticle) -> list[Actor]:
    """Actors of one parsed article, ids in order of first mention, mentions sorted."""
    return _finish(_Reader(doc, article, lexicon()).run())


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
