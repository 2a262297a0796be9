"""Mentions pass: named entities and title phrases → actor drafts.

Mentions come from spaCy NER (PERSON, ORG, GPE, NORP, FAC, LOC) and from noun phrases
headed by a title of ``titles.tsv`` ("the spokesman", "Turkish officials", "the
ministry"). Each name is read against the knowledge base at the publication date: a state
by any of its names ("Holland", "Zaire" in 1995) is one actor under its common name
("Netherlands"); an organisation of the tables brings its country and sectors; a person of
the tables their country and the office held then ("Macron" in 2019: FRA GOV; a former
office: ELI); a place (region, city) is a location of its country. A name that only
qualifies a person or title ("Turkish", "State Department" in "State Department spokesman
Ned Price") is context, not a mention of its own.

Shapes read here (the module's rules, each tested):
* demonym and state modifiers on group nouns give the group's country ("Syrian Kurds",
  "Afghan police"); coordinated ones give one actor each ("French and German diplomats");
* a possessive owner gives its country to a title phrase and, for a generic title, its
  sectors, and becomes its affiliation ("Clinton's aides": the aides, of Clinton's party);
* capitals are places after "in/at/from …" and stand for their government elsewhere
  ("Ankara said" → Turkey); seats (the Kremlin) stay organisations;
* a headline line yields an actor only from a name the knowledge base knows: its
  title-case fragments ("Surges Past", "Super PAC Haul") are no actors.
"""
from __future__ import annotations

from .context import ContextPass
from .drafts import (POSSESSIVES, SECTORS_FROM_DEFAULT, SECTORS_FROM_OFFICE,
                     SECTORS_FROM_PARTY, SECTORS_FROM_TITLE, Context, Draft)
from .lexicon import NAME_TYPES, Place, Title, norm_name

ENT_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})
_MODIFIER_DEPS = frozenset({"compound", "amod", "nmod"})
_GENERIC_TITLE_SECTORS = ("GOV",)


_KB_LABEL = {"organization": "ORG", "person": "PERSON", "country": "GPE"}
_MAX_NAME_TOKENS = 7
_NAME_LINKS = frozenset({"of", "for", "and", "the", "de", "al", "bin", "el", "-", "'s", "&"})


class MentionPass(ContextPass):
    """The mention readers (mixed into the article reader, see ``resolve.py``)."""

    # -- entities: spaCy's NER, corrected by the knowledge base ----------------------------
    def entities(self) -> list:
        """spaCy's entities, with the names the knowledge base knows added or corrected:
        a known organisation, person or state written with capitals is an entity of its
        kind even when the small NER model misses it ("Islamic State militants") or
        labels it otherwise ("Boko Haram" as a person). The longest known name wins where
        it contains NER's span; a partial overlap keeps NER's."""
        from spacy.tokens import Span

        doc = self.doc
        ents = [e for e in doc.ents]
        taken = {i: e for e in ents for i in range(e.start, e.end)}
        found = []
        for sent in doc.sents:
            i = sent.start
            while i < sent.end:
                tok = doc[i]
                if not (tok.is_title or tok.is_upper) or tok.is_punct or tok.like_num:
                    i += 1
                    continue
                hit = None
                for j in range(min(sent.end, i + _MAX_NAME_TOKENS), i, -1):
                    last = doc[j - 1]
                    if last.lower_ in _NAME_LINKS or last.is_punct:
                        continue
                    if j - i == 1 and tok.pos_ != "PROPN" and not tok.is_upper:
                        continue
                    text = doc[i:j].text
                    if not self.lex.kb.has_key(text):
                        continue
                    entries = self.lex.kb.lookup(text)
                    if j - i == 1 and not tok.is_upper:
                        # "Ana" is not "ANA": a single word must be a word of the name
                        entries = tuple(e for e in entries if text.casefold() in
                                        {w.casefold() for w in e.name.replace("-", " ").split()})
                    kinds = {e.kind for e in entries}
                    kind = next((k for k in ("organization", "person", "country") if k in kinds),
                                None)
                    if kind is not None:
                        hit = (j, _KB_LABEL[kind])
                        break
                if hit is None:
                    i += 1
                    continue
                j, label = hit
                found.append(Span(doc, i, j, label=label))
                i = j
        out = list(ents)
        for span in found:
            inside = {id(taken[k]) for k in range(span.start, span.end) if k in taken}
            olds = [e for e in out if id(e) in inside]
            if not olds:
                out.append(span)
            elif all(span.start <= e.start and e.end <= span.end for e in olds):
                same = len(olds) == 1 and (olds[0].start, olds[0].end) == (span.start, span.end)
                if same and olds[0].label_ in ("GPE", "LOC", "FAC") and span.label_ == "ORG":
                    continue    # a place NER saw, also the name of a body: keep the place
                out = [e for e in out if id(e) not in inside] + [span]
        return out

    # -- names -----------------------------------------------------------------------------
    def strip(self, ent) -> list:
        honorifics = self.words("honorific_m") | self.words("honorific_f") | \
            self.words("honorific")
        toks = [t for t in ent if not (t.dep_ == "case" or t.text in POSSESSIVES)]
        while toks and (toks[0].lower_ in ("the",) or toks[0].lower_ in honorifics
                        or toks[0].is_punct or toks[0].is_space):
            toks.pop(0)
        while toks and (toks[-1].is_punct or toks[-1].is_space) and toks[-1].text != ".":
            toks.pop()
        while len(toks) > 1 and toks[-1].text == ".":
            toks.pop()      # a sentence's full stop swallowed into the name ("Trump.")
        return toks

    def words(self, cls: str) -> frozenset[str]:
        return self.lex.words.get(cls, frozenset())

    def known_name(self, name: str) -> bool:
        """Whether the knowledge base knows the name (a state, organisation, person, seat
        or place): the test a headline fragment must pass."""
        lex = self.lex
        return bool(lex.country(name, self.published) or lex.place_of(name, self.published)
                    or lex.person(name, self.published) or lex.demonym_of(name)
                    or lex.region_of(name, self.published, self.focus))

    def read_entity(self, ent) -> None:
        toks = self.strip(ent)
        if not toks:
            return
        start, end = toks[0].i, toks[-1].i + 1
        name = self.span_text(toks)
        if self.in_headline(toks[0].idx) and not self.known_name(name):
            return      # a title-case fragment of a headline, not a name
        key = norm_name(name)
        root = ent.root
        lex = self.lex
        misread_place = ent.label_ == "PERSON" and len(toks) == 1 and \
            lex.country_hint(name, self.published) is not None \
            and not self.person_named(name)
        if (ent.label_ == "PERSON" and not misread_place) or (
                key in self.surnames and not lex.country_hint(name, self.published)):
            self.read_person(ent, toks, name)
            return
        if ent.label_ in ("NORP", "GPE") and self.used.issuperset(range(start, end)):
            return      # already read as a person's context ("a Democrat from Ohio")
        qualifier = self.is_modifier(root) and self.modifies_person_or_title(root)
        if (end + 1 < len(self.doc) and self.doc[end].text == "-"
                and self.doc[end + 1].lower_ == "based"):
            return      # "a Moscow-based journalist": where someone works, not an actor
        state = lex.country(name, self.published, self.focus)
        if state is not None and ent.label_ in ("GPE", "LOC", "ORG", "NORP", "PERSON"):
            if qualifier:
                return
            self.read_state(state.country, state.name, start, end, name, root)
            return
        place = lex.place_of(name, self.published, self.focus)
        if place is not None:
            table, p = place
            if qualifier:
                return
            self.read_place(table, p, start, end, name, root)
            return
        if ent.label_ == "NORP" or lex.demonym_of(name, self.published):
            self.read_norp(start, end, name, root)
            return
        if ent.label_ in ("ORG", "FAC") and not self.person_named(name):
            if qualifier:
                return
            self.read_org(ent, start, end, name, root)
            return
        if ent.label_ == "ORG":
            self.read_person(ent, toks, name)   # NER took a known person for an organisation
            return
        d = self.draft("l:" + key, "location")
        if ent.label_ in ("GPE", "LOC"):
            d.learn(lex.region_of(name, self.published, self.focus), (), None)  # "Texas" → USA
        self.mention(d, start, end, name, root)

    def person_named(self, name: str) -> bool:
        return self.lex.person(name, self.published, self.focus) is not None

    def in_headline(self, char: int) -> bool:
        return self.headline_end is not None and char < self.headline_end

    def is_modifier(self, root) -> bool:
        """A name used as a modifier of a noun ("Turkish officials", "U.S. President")."""
        return root.dep_ in _MODIFIER_DEPS and root.head.pos_ in ("NOUN", "PROPN") \
            and root.head.i != root.i

    def modifies_person_or_title(self, root) -> bool:
        head = root.head
        while head.dep_ == "compound" and head.head.i != head.i:
            if self.ent_type(head) == "PERSON":
                return True
            head = head.head
        if self.ent_type(head) == "PERSON":
            return True
        return (head.lemma_ or "").casefold() in self.lex.titles

    def read_state(self, iso: str, canonical: str, start: int, end: int, name: str,
                   root) -> None:
        """A state by one of its names: an actor (its government) unless it is the place
        where something happens ("in Syria")."""
        if self.locative(root):
            d = self.draft("l:" + norm_name(canonical), "location")
            d.learn(iso, (), None)
            d.known = True
            self.mention(d, start, end, None, root)
        else:
            d = self.draft("c:" + iso, "country")
            d.learn(iso, ("GOV",), None)
            d.known = True
            self.mention(d, start, end, None, root)
        if not d.names:
            d.names.append(canonical)

    def locative(self, root) -> bool:
        """A name after a locative preposition ("in Ankara") or "to" after a verb of motion."""
        return root.dep_ == "pobj" and (
            root.head.lower_ in self.words("locative_prep")
            or (root.head.lower_ == "to"
                and (root.head.head.lemma_ or "") in self.words("motion_verb")))

    def read_place(self, table: str, p: Place, start: int, end: int, name: str, root) -> None:
        if table == "igo":
            d = self.draft("i:" + norm_name(p.canonical or name), "organization")
            d.learn("IGO", p.sectors, None)
            d.known = True
            self.mention(d, start, end, None, root)
            if not d.names:
                d.names.append(p.canonical or name)
            return
        if table == "institution":
            kind = "group" if self.doc[end - 1].tag_ in ("NNS", "NNPS") \
                and p.type not in ("party", "armed_group", "media", "company") else "organization"
            d = self.draft("o:" + norm_name(p.canonical or name), kind)
            country = self.focus if p.generic and self.focus else p.country
            d.learn(country, p.sectors, None)
            d.known = not p.generic
            self.mention(d, start, end, name, root)
            if p.canonical and not p.generic:
                d.names.insert(0, p.canonical)
            return
        # a seat or capital: a place after a locative preposition, else its government
        if self.locative(root):
            d = self.draft("l:" + norm_name(name), "location")
            d.learn(p.country if p.country != "IGO" else None, (), None)
            self.mention(d, start, end, name, root)
            return
        if p.city and p.country == "IGO":
            igo = self.lex.org(p.canonical or name, self.published)
            if igo is not None:                             # "Brussels said" → the EU
                self.read_place("igo", igo, start, end, name, root)
                return
        if p.city:
            canonical = self.lex.country_name(p.country) or name
            d = self.draft("c:" + p.country, "country")   # "Ankara said" → Turkey
            d.learn(p.country, p.sectors, None)
            d.known = True
            self.mention(d, start, end, None, root)
            if not d.names:
                d.names.append(canonical)
            return
        d = self.draft("o:" + norm_name(name), "organization")
        d.learn(p.country, p.sectors, None)
        d.known = True
        self.mention(d, start, end, name, root)

    def read_norp(self, start: int, end: int, name: str, root) -> None:
        if self.is_modifier(root) or root.pos_ == "ADJ":
            return      # "Turkish officials": the country goes to the head phrase
        lex = self.lex
        iso = lex.demonym_of(name, self.published)
        party = lex.org(name, self.published, self.focus) if iso is None else None
        d = self.draft("g:" + norm_name(name), "group")
        if party is not None:               # "Republicans", "Democrats": party members
            d.learn(party.country, party.sectors, None, affiliation=party.canonical)
        else:
            # "Syrian Kurds": a state's adjective on a people's name
            mods = [t for t in self.left_modifiers(start, end) if t.i < start]
            ctx_country = next((h[0] for h in (self.hint(t) for t in mods) if h), None)
            # a state's people are its civilians unless the sentence says more (CAMEO's
            # "SYRCVL" for Syrians)
            d.learn(iso or ctx_country, ("CVL",) if iso else (), None)
        self.mention(d, start, end, name, root)

    def read_org(self, ent, start: int, end: int, name: str, root) -> None:
        lex = self.lex
        toks = list(self.doc[start:end])
        country = None
        for t in toks:
            iso = (lex.country_of(t.text, self.published) or lex.demonym_of(t.text)) \
                if t.pos_ in ("PROPN", "ADJ") else None
            if iso:
                country = iso
                break
        left = self.left_modifiers(start, end)
        ctx = self.apposition(ent, self.read_context(left, left[-1] if left else None))
        if country is None and len(toks) > 1:
            prefix = lex.org(toks[0].text, self.published)      # "UN Human Rights Council"
            if prefix is not None and prefix.country == "IGO":
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
        while lead < len(toks) - 1 and (self.hint(toks[lead]) or (
                toks[lead].lemma_ or "").casefold() in self.lex.title_heads):
            lead += 1
        swallowed = toks[:lead]
        if lead:
            toks = toks[lead:]
            name = self.span_text(toks)
        start, end = toks[0].i, toks[-1].i + 1
        key = norm_name(name)
        full = self.surnames.get(key)
        if full is None:
            full = "p:" + key
        d = self.draft(full, "person")
        honor = doc[start - 1].lower_ if start > 0 else ""
        if honor in self.words("honorific_m"):
            d.gender = d.gender or "m"
        elif honor in self.words("honorific_f"):
            d.gender = d.gender or "f"
        left = swallowed + self.left_modifiers(start, end) if swallowed else \
            self.left_modifiers(start, end)
        ctx = self.read_context(left, left[-1] if left else None)
        self.used.update(t.i for t in left)
        ctx = self.apposition(ent, ctx)
        known = self.lex.person(full.removeprefix("p:") if full != "p:" + key else name,
                                self.published, self.focus) or \
            self.lex.person(name, self.published, self.focus)
        if known is not None and not d.known:
            # the tables know who this is: their country always; their sectors weigh most
            # when they hold an office at the date, least for a former office (ELI) — a
            # title the article gives ("Democratic nominee Hillary Clinton") comes between
            d.known = True
            current = known.office is not None and not known.office.startswith("former")
            party = "PTY" in known.sectors or "OPP" in known.sectors
            d.learn(known.country, known.sectors, None,
                    weight=(SECTORS_FROM_DEFAULT if not current else
                            SECTORS_FROM_PARTY if party else SECTORS_FROM_OFFICE))
            d.canonical = known.name
        sectors = ("ELI",) if ctx.former and (known is not None or ctx.title) else ctx.sectors()
        d.learn(ctx.country, sectors, ctx.role, ctx.title, ctx.affiliation,
                weight=SECTORS_FROM_TITLE)
        self.mention(d, start, end, name if len(toks) >= 2 or not d.names else None,
                     ent.root)

    # -- title phrases ---------------------------------------------------------------------
    def read_title_phrases(self) -> None:
        for t in self.doc:
            if t.i in self.used or t.pos_ not in ("NOUN", "PROPN") or t.dep_ == "compound":
                continue
            if self.ent_type(t) and self.ent_type(t) not in ("NORP",):
                continue
            if (t.lemma_ or t.text).casefold() not in self.lex.title_heads:
                continue
            if t.dep_ in ("attr", "acomp", "oprd") or (t.dep_ == "pobj" and t.head.lower_ == "as"):
                continue      # predicates ("is a general", "as a general") refer to no one
            if self.in_headline(t.idx):
                continue
            left = [c for c in t.lefts if c.dep_ in ("amod", "compound", "nmod", "poss",
                                                     "nummod", "det", "case")]
            lo = min([c.left_edge.i for c in left if c.dep_ != "det"] + [t.i])
            mods = [x for x in self.doc[lo:t.i + 1]
                    if x.i not in self.used or x.i == t.i
                    or self.ent_type(x) in ("GPE", "NORP", "ORG", "FAC", "LOC")
                    or any(c.dep_ == "poss" and c.i == x.i for c in t.lefts)
                    or x.dep_ == "case"]
            if len(mods) != t.i + 1 - lo:
                continue
            of_toks = []
            for c in t.rights:
                if c.dep_ == "prep" and c.lower_ in ("of", "for", "at", "with"):
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
            if ctx.affiliation is None and of_toks:
                ctx.affiliation = self.affiliation_in(of_toks, 0)
            det = next((c.lower_ for c in t.lefts if c.dep_ == "det"), None)
            plural = t.tag_ in ("NNS", "NNPS")
            owner = self.owner(t)
            if owner is not None:
                self.owned_title(t, lo, title, ctx, owner)
                continue
            countries = self.coordinated_states(mods)
            if len(countries) > 1 and plural:
                for iso in countries:      # "French and German diplomats": two actors
                    ctx.country = iso
                    self.title_phrase(t, lo, title, ctx, det, plural, mods, of_toks,
                                      suffix=f"|{iso}")
                continue
            self.title_phrase(t, lo, title, ctx, det, plural, mods, of_toks)

    def owner(self, t) -> Draft | None:
        """The actor a possessive before a title names ("Clinton's aides" → Clinton)."""
        for c in t.lefts:
            if c.dep_ != "poss":
                continue
            span = (c.left_edge.idx, c.idx + len(c.text))
            for d in self.drafts.values():
                if any(ms < span[1] and span[0] < me for ms, me in d.mentions):
                    return d
        return None

    def owned_title(self, t, lo: int, title: Title, ctx: Context, owner: Draft) -> None:
        """A title phrase owned by an actor: its people, with the owner's country, the
        owner's sectors when the title is generic, and the owner as affiliation."""
        doc = self.doc
        plural = t.tag_ in ("NNS", "NNPS")
        kind = "group" if plural and title.kind == "person" else title.kind
        start = t.i
        while start > lo and doc[start - 1].dep_ not in ("case", "poss") \
                and doc[start - 1].i not in self.used:
            start -= 1
        name = self.span_text([doc[start], t])      # "aides", not "Clinton's aides"
        sectors = owner.sectors if (title.sectors == _GENERIC_TITLE_SECTORS
                                    and owner.sectors) else title.sectors
        affiliation = next(iter(owner.names), None) or owner.key.split(":", 1)[1]
        d = self.draft("t:" + norm_name(affiliation + " " + name), kind)
        d.learn(owner.country or ctx.country, sectors, ctx.role or name, title, affiliation)
        self.mention(d, start, t.i + 1, name, t)

    def coordinated_states(self, mods: list) -> list[str]:
        """States of coordinated modifiers ("French and German", "U.S. and British")."""
        out: list[str] = []
        for x in mods:
            if x.dep_ not in ("amod", "compound", "conj", "nmod") or x.pos_ not in ("ADJ", "PROPN"):
                continue
            hit = self.hint(x)
            if hit and hit[0] not in out and hit[0] not in ("IGO",):
                out.append(hit[0])
        has_conj = any(x.dep_ == "conj" or x.lower_ in ("and", "&") for x in mods)
        return out if has_conj else out[:1]

    def title_phrase(self, t, lo: int, title: Title, ctx: Context, det: str | None,
                     plural: bool, mods: list, of_toks: list, suffix: str = "") -> None:
        doc = self.doc
        start = lo
        while start < t.i and (doc[start].dep_ in ("det", "case", "nummod")
                               or doc[start].pos_ in ("PRON", "NUM")
                               or doc[start].lower_ in self.words("quantifier")):
            start += 1
        end = t.i + 1
        if of_toks and ctx.country and any(self.hint(x) for x in of_toks):
            end = of_toks[-1].i + 1
        name = self.span_text([doc[start], doc[end - 1]])
        head = title.title.split()[-1]
        sectors = ctx.sectors()
        target: Draft | None = None
        kind = "group" if plural and title.kind == "person" else title.kind
        named = self.named_org(mods[:-1]) if kind == "organization" else None
        if named is not None:                  # "the Interfax news agency" → Interfax
            target = named
            target.learn(None, title.sectors, None, title)
        elif kind == "organization" and head in self.words("government_head") and ctx.country:
            target = self.draft("c:" + ctx.country, "country")
            target.learn(ctx.country, ("GOV",), None)
            if not target.names:
                target.names.append(self.lex.country_name(ctx.country) or name)
        elif det in ("the", "this", "that") and not plural and not ctx.country and not suffix:
            target = self.antecedent_for_title(t, head, title.kind)
        elif plural and not ctx.country and not suffix:
            target = self.recent(t.idx, lambda d: d.kind == "group" and head in d.title_heads)
        if target is None:
            key = "t:" + norm_name(name) + suffix
            target = self.draft(key, kind)
            target.learn(ctx.country, sectors, ctx.role or name, title, ctx.affiliation)
            self.mention(target, start, end, name, t)
            return
        self.mention(target, start, end, None, t)

    def named_org(self, toks: list) -> Draft | None:
        for x in toks:
            if self.ent_type(x) == "ORG":
                ent = self.ent_at(x.i)
                d = self.drafts.get("o:" + norm_name(ent.text)) if ent is not None else None
                if d is not None and not d.sectors:
                    return d
        return None


__all__ = ["MentionPass", "ENT_LABELS", "NAME_TYPES"]
