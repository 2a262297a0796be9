"""Context pass: what a phrase's surroundings say about an actor, and the article's state.

* **Modifiers and appositions** give country, sectors, role, title and affiliation:
  "Turkish Defense Minister Hulusi Akar", "State Department spokesman Ned Price", "Ibrahim
  Kalin, spokesman for the president", "the foreign minister of Iran, Javad Zarif", "Tom
  Fenton, a senior fellow at the Cato Institute" (affiliation: the Cato Institute).
* **The focus state** of the article: the dateline's state, else the state the headline
  names, else the state most mentioned (a clear lead: at least twice the next, or the only
  one). A body every state has ("Parliament", "the foreign ministry"), an office a state
  has once ("the president", "Foreign Minister X") and a title phrase of the state or of
  civilians ("police", "protesters") with no country of its own is the focus state's —
  the way a reader of the article takes them. A person named with a title many states'
  people hold ("Senator X", "spokeswoman Y") or with none keeps no country.
"""
from __future__ import annotations

from collections import Counter

from .drafts import STATE_SECTORS, Context, DraftTable
from .lexicon import Title

_GENERIC_TITLE_SECTORS = ("GOV",)
_FORMER = frozenset({"former", "ex", "ex-", "then"})
# sectors of people who belong to the place they are reported in
_LOCAL_SECTORS = STATE_SECTORS | {"CVL", "LAB", "AGR", "EDU", "HLH", "REF", "CRM", "OPP",
                                  "REL", "BUS", "JRN", "MED", "PTY"}


class ContextPass(DraftTable):
    """The context readers (mixed into the article reader, see ``resolve.py``)."""

    # -- the article's state ---------------------------------------------------------------
    def focus_state(self) -> str | None:
        return self._dateline_state() or self._headline_state() or self._mentioned_state()

    def _state_of_text(self, text: str) -> str | None:
        hit = self.lex.country_hint(text, self.published)
        if hit and hit[0] not in (None, "IGO", "NGO", "IMG"):
            return hit[0]
        region = self.lex.region_of(text, self.published)
        return region if region not in (None, "IGO") else None

    def _dateline_state(self) -> str | None:
        """The state (ISO-3) of the report's first dateline, if it names one."""
        from ..layout import DATELINE

        if not self.datelines:
            return None
        m = DATELINE.match(self.text, self.datelines[0][0])
        return self._state_of_text(m.group("place").strip().title()) if m else None

    def _headline_state(self) -> str | None:
        title = self.article.title or ""
        states = {s for s in (self._state_of_text(e) for e in _title_names(title)) if s}
        return states.pop() if len(states) == 1 else None

    def _mentioned_state(self) -> str | None:
        counts: Counter = Counter()
        for ent in self.ents:
            if ent.label_ not in ("GPE", "NORP", "LOC", "ORG", "FAC"):
                continue
            state = self._state_of_text(ent.text)
            if state:
                counts[state] += 1
        if not counts:
            return None
        (top, n), *rest = counts.most_common()
        if not rest or n >= 2 * rest[0][1]:
            return top
        return None

    def localised(self, name: str, hit: tuple[str, tuple[str, ...]] | None
                  ) -> tuple[str, tuple[str, ...]] | None:
        """A body every state has ("the Supreme Court", "Parliament") is the focus state's."""
        if hit and self.focus and self.lex.is_generic(name):
            return self.focus, hit[1]
        return hit

    def apply_focus(self) -> None:
        """Drafts read from a title phrase or holding an office, with no country of their
        own, take the focus state (see the module docstring)."""
        if self.focus is None:
            return
        for d in self.drafts.values():
            if d.country is not None or d.known:
                continue
            sectors = set(d.sectors)
            if d.kind == "person" and d.national:
                d.country = self.focus      # "President X", "the foreign minister"
            elif d.key.startswith("t:") and sectors and sectors <= _LOCAL_SECTORS:
                d.country = self.focus

    # -- the context of a name -------------------------------------------------------------
    def hint(self, tok) -> tuple[str, tuple[str, ...]] | None:
        """Country hint from one token or the entity it belongs to (proper names only, so
        "us"/"who" as pronouns never read as USA/WHO)."""
        lex = self.lex
        if self.ent_type(tok) in ("GPE", "NORP", "ORG", "FAC", "LOC"):
            ent = self.ent_at(tok.i)
            if ent is not None:
                hit = self.localised(ent.text, lex.country_hint(ent.text, self.published,
                                                                self.focus))
                if hit:
                    return hit
                region = lex.region_of(ent.text, self.published, self.focus) \
                    if ent.label_ in ("GPE", "LOC") else None
                if region:
                    return region, ()                 # "Texas Governor …" → USA
        if tok.pos_ in ("PROPN", "ADJ") or self.ent_type(tok):
            return self.localised(tok.text, lex.country_hint(tok.text, self.published,
                                                             self.focus))
        return None

    def name_run_hint(self, toks: list) -> tuple[str, tuple[str, ...]] | None:
        """A name NER did not tag, read as a run of proper nouns ("Islamic State
        militants", "Boko Haram fighters"): its country and sectors from the tables."""
        run: list = []
        for t in [*toks, None]:
            if t is not None and t.pos_ == "PROPN" and not self.ent_type(t):
                run.append(t)
                continue
            if len(run) >= 1:
                hit = self.lex.country_hint(self.span_text(run), self.published, self.focus)
                if hit and hit[0]:
                    return hit
            run = []
        return None

    def affiliation_in(self, toks: list, after: int) -> str | None:
        """The body a title belongs to, named after it ("spokeswoman for the Pentagon",
        "fellow at the Cato Institute"): an organisation or state entity."""
        for t in toks[after:]:
            if self.ent_type(t) in ("ORG", "GPE", "NORP") and t.dep_ != "compound":
                ent = self.ent_at(t.i)
                if ent is None:
                    continue
                place = self.lex.place_of(ent.text, self.published, self.focus)
                if place and place[1].canonical:
                    return place[1].canonical
                state = self.lex.country(ent.text, self.published)
                return state.name if state else ent.text.removeprefix("the ").strip()
        return None

    def read_context(self, toks: list, head) -> Context:
        """Country, place sectors, title, role and affiliation from a run of tokens."""
        ctx = Context()
        for t in toks:
            hit = self.hint(t)
            if hit:
                ctx.country = ctx.country or hit[0]
                ctx.place_sectors = ctx.place_sectors or hit[1]
        if ctx.country is None:
            hit = self.name_run_hint(toks)
            if hit:
                ctx.country, ctx.place_sectors = hit[0], ctx.place_sectors or hit[1]
        title, start = self.match_title(toks, head)
        if title is not None:
            ctx.title = title
            ctx.former = any(t.lower_ in _FORMER for t in toks[:start + 1])
            # the role starts after the words that only gave the country/institution
            # ("Turkish Defense Minister" → "Defense Minister") but keeps other modifiers
            # ("presidential spokesman")
            k = 0
            while k < start and (self.hint(toks[k]) or toks[k].dep_ in ("case", "det")
                                 or toks[k].pos_ in ("PUNCT", "PRON", "DET")):
                k += 1
            while 0 < k < start and toks[k - 1].text == "-" and toks[k].tag_ in ("VBN", "VBD"):
                k += 1      # "Moscow-based journalist" → "journalist", not "based journalist"
            role = self.span_text([toks[k], toks[-1]]).strip(" ,")
            ctx.role = role or None
            ctx.affiliation = self.affiliation_in(toks, start + 1)
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
        from .drafts import POSSESSIVES

        doc = self.doc
        sent_start = doc[start].sent.start
        out: list = []
        lo = start
        i = start - 1
        while i >= sent_start and len(out) < 8:
            t = doc[i]
            if t.dep_ == "case" and t.text in POSSESSIVES:
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

    def apposition(self, ent, ctx: Context) -> Context:
        """Context from "Name, spokesman for …", "the foreign minister of Iran, Name",
        "a spokeswoman for Y, Name" or "the state broadcaster CCTV"; fills what the left
        modifiers did not give. The name stays the head: the other body is its
        affiliation."""
        if ctx.title is not None and ctx.country is not None and ctx.affiliation:
            return ctx
        root = ent.root
        span = range(ent.start, ent.end)
        heads = [c for c in root.children if c.dep_ == "appos" and c.i >= ent.end
                 and self.ent_type(c) != "PERSON"]
        if heads:
            toks = self.phrase_tokens(heads[0], span)
            head = heads[0]
        elif root.dep_ == "appos" and root.head.i < ent.start \
                and root.head.pos_ in ("NOUN", "PROPN") and self.ent_type(root.head) != "PERSON":
            head = root.head
            toks = self.phrase_tokens(head, range(ent.start, head.right_edge.i + 1))
        else:
            return ctx
        got = self.read_context(toks, head)
        if got.title is None and got.country is None:
            return ctx
        self.used.update(t.i for t in toks if not self.ent_type(t) or self.ent_type(t) == "NORP")
        if ctx.title is not None:          # the left title wins; the apposition adds to it
            ctx.country = ctx.country or got.country
            ctx.affiliation = ctx.affiliation or got.affiliation
            ctx.place_sectors = ctx.place_sectors or got.place_sectors
            return ctx
        if got.title is not None and toks:
            got.role = self.span_text(toks).strip(" ,")
        got.country = got.country or ctx.country
        return got


def _title_names(title: str) -> list[str]:
    """Capitalised runs of a headline, as candidate names ("Turkey Rejects U.S. Demand" →
    Turkey, U.S., Demand)."""
    out, run = [], []
    for w in title.replace(",", " ").replace(":", " ").split():
        if w[:1].isupper():
            run.append(w)
        elif run:
            out.append(" ".join(run))
            run = []
    if run:
        out.append(" ".join(run))
    return out + [w for r in out for w in r.split()]
