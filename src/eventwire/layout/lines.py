"""What one line of scraped text is: page chrome, or text.

Page chrome is the furniture a scraper keeps around a story: app prompts, share and
sign-up buttons, copyright lines, the site's name on a line of its own, "Read more" links,
photo credits, navigation menus. A line is chrome when a rule of
``knowledge/boilerplate.tsv`` matches it whole (so a news sentence that merely mentions
sharing or cookies stays), or when it is only the name of a news organisation
(``knowledge/kb/media.tsv``) or of the site the article came from.

A *body sentence* is a line that reads as prose: six words or more, ending in sentence
punctuation, with lower-case words in it. Chrome learned from repetition (``clean``) never
touches one; only the whole-line rules, written and tested against near-miss sentences,
may remove a line that looks like a sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

SITE_NAME = "site_name"
MAX_SITE_NAME_WORDS = 6

_KEY_RE = re.compile(r"[\W_]+")
_WORD_RE = re.compile(r"[^\W\d_][\w'’.-]*")
# closing quotes and brackets may follow the final stop: “… he said.” / (… in 2019.)
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*\s*$")
_SITE_SUFFIX_RE = re.compile(r"\s*(?:\.(?:com|org|net|co\.uk|news)|\s+(?:news|online|live|"
                             r"world|world news|digital))$", re.I)
_MIN_SENTENCE_WORDS = 6


@dataclass(frozen=True)
class LineRule:
    """A boilerplate rule: ``pattern`` must match a whole line (stripped)."""

    name: str
    when: str  # "always" | "repeated"
    pattern: re.Pattern[str]
    note: str = ""


def _knowledge(name: str) -> str:
    return resources.files("eventwire.knowledge").joinpath(name).read_text("utf-8")


@lru_cache(maxsize=1)
def boilerplate_rules() -> tuple[LineRule, ...]:
    """The rules of ``knowledge/boilerplate.tsv``, in file order."""
    rules = []
    rows = [line for line in _knowledge("boilerplate.tsv").splitlines()
            if line.strip() and not line.startswith("#")]
    header = rows[0].split("\t")
    if header[:3] != ["rule", "when", "pattern"]:
        raise ValueError(f"boilerplate.tsv: unexpected header {header}")
    for n, row in enumerate(rows[1:], start=2):
        cols = row.split("\t")
        name, when, pattern = cols[0], cols[1], cols[2]
        if when not in ("always", "repeated"):
            raise ValueError(f"boilerplate.tsv row {n}: when must be always|repeated, got {when!r}")
        rules.append(LineRule(name, when, re.compile(pattern), cols[3] if len(cols) > 3 else ""))
    return tuple(rules)


def line_key(line: str) -> str:
    """A line compared modulo case, spaces and punctuation."""
    return _KEY_RE.sub(" ", line.casefold()).strip()


def site_key(name: str) -> str:
    """A site's name as compared with a line: "BBC News", "bbc.com" and "BBC" alike."""
    name = name.strip()
    if name.lower().startswith("www."):
        name = name[4:]
    return line_key(_SITE_SUFFIX_RE.sub("", name)) or line_key(name)


@lru_cache(maxsize=1)
def media_site_keys() -> frozenset[str]:
    """Keys of the news organisations' names and aliases in ``knowledge/kb/media.tsv``."""
    keys: set[str] = set()
    for row in _knowledge("kb/media.tsv").splitlines():
        if not row.strip() or row.startswith("#") or row.startswith("name\t"):
            continue
        cols = row.split("\t")
        for name in [cols[0]] + (cols[1].split("|") if len(cols) > 1 and cols[1] else []):
            key = site_key(name)
            # a short lower-case alias could be a word; an acronym ("AP", "BBC") is a name
            if key and (len(key) > 3 or name.isupper()):
                keys.add(key)
    return frozenset(keys)


def site_names_of(url: str | None, site_name: str | None = None) -> frozenset[str]:
    """Keys of a site's names: the name its pages give and the host of the URL."""
    names = [site_name] if site_name else []
    host = url_host(url)
    if host:
        names.append(host)
    return frozenset(k for k in (site_key(n) for n in names) if k)


def url_host(url: str | None) -> str | None:
    """The host of a URL, lower-cased, without "www."; None when it has none."""
    if not url or "://" not in url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host[4:] if host and host.startswith("www.") else host


def is_site_name(line: str, site_names: frozenset[str] = frozenset()) -> bool:
    """True when the whole line is a news organisation's or the given site's name."""
    s = line.strip()
    if not s or len(s.split()) > MAX_SITE_NAME_WORDS or _SENTENCE_END_RE.search(s):
        return False
    key = site_key(s)
    return bool(key) and (key in site_names or key in media_site_keys())


def classify_line(line: str, site_names: frozenset[str] = frozenset()) -> str | None:
    """The chrome rule a line matches whole ("share_prompt", "site_name" …), or None.

    ``site_names`` are keys (``site_key``) of the site's own names: its host, the name in
    the page's metadata, the feed's title.
    """
    s = line.strip()
    if not s:
        return None
    for rule in boilerplate_rules():
        if rule.when == "always" and rule.pattern.fullmatch(s):
            return rule.name
    if is_site_name(s, site_names):
        return SITE_NAME
    return None


def is_body_sentence(line: str) -> bool:
    """True for a line that reads as prose (see the module docstring)."""
    s = line.strip()
    if not _SENTENCE_END_RE.search(s):
        return False
    words = _WORD_RE.findall(s)
    if len(words) < _MIN_SENTENCE_WORDS:
        return False
    return sum(1 for w in words if w[0].islower()) >= 2
