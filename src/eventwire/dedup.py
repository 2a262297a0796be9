"""Near-duplicate detection: MinHash signatures and an LSH index over article texts.

Wire stories are republished with a new headline, a dateline or a trailing paragraph
changed; counting their events once per copy would inflate every statistic. Each text is
reduced to word 5-shingles of its normalised form (lower case, word characters only) and
a 128-permutation MinHash (datasketch, ``affine32`` scheme, seed 1, fixed so stored
signatures stay comparable across runs and library upgrades). ``MinHashLSH``, banded so
that it proposes every pair at the threshold (:func:`band_params`), finds candidates; a
candidate counts only if the estimated Jaccard similarity reaches the threshold (``Settings.near_dup_threshold``, 0.85 by default). With 5-shingles one changed
word breaks up to five shingles, so 0.85 tolerates a new dateline, a dropped or added
sentence or a few scattered word edits in a 300-word story, and not a rewrite; it is the
project default, not a value tuned on labelled duplicates (the shared data has none).

Which copy is canonical is decided by one policy, :func:`link_one`: in input order, an
article links to the earliest canonical article it is a near-copy of (stored articles
before the run's own). :func:`link_near_duplicates` is that policy as the pipeline's link
step before the store; the Spark runner applies it to the pairs its banding verified
(:class:`PairIndex`), so both link the same inputs the same way.
"""
from __future__ import annotations

import logging
import math
import re
import struct
from dataclasses import dataclass
from typing import Iterable, Iterator

from datasketch import MinHash, MinHashLSH

from .records import ArticleRecord

log = logging.getLogger(__name__)

NUM_PERM = 128
SHINGLE_WORDS = 5
SEED = 1
SCHEME = "affine32"
_WORD = re.compile(r"\w+", re.UNICODE)


def normalised_words(text: str) -> list[str]:
    """Lower-cased word tokens: punctuation, spacing and case changes do not count."""
    return _WORD.findall(text.lower())


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """Word ``size``-shingles of the normalised text; a shorter text is one shingle."""
    words = normalised_words(text)
    if not words:
        return set()
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signature(text: str) -> MinHash | None:
    """MinHash of the text's shingles, or None for a text without words."""
    sh = shingles(text)
    if not sh:
        return None
    mh = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    mh.update_batch(sh)
    return mh


def to_bytes(mh: MinHash) -> bytes:
    """The signature as little-endian uint64 values (what ``articles.minhash`` holds)."""
    values = [int(v) for v in mh.hashvalues]
    return struct.pack(f"<{len(values)}Q", *values)


def from_bytes(data: bytes) -> MinHash:
    """Inverse of :func:`to_bytes`."""
    values = struct.unpack(f"<{len(data) // 8}Q", data)
    return MinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


def band_params(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """``(bands, rows)`` of LSH banding under which every pair whose estimated Jaccard
    reaches ``threshold`` shares at least one whole band: such a pair differs in at most
    ``num_perm - need`` hash values (``need``: the matches the threshold asks for), so with
    one band more than that, some band holds no difference (pigeonhole). 0.85 with 128
    permutations: 20 bands of 6 rows (datasketch's own choice for 0.85, 8 × 16, finds
    about half the pairs at 0.85). At least two bands, as datasketch requires."""
    need = min(num_perm, max(1, math.ceil(threshold * num_perm - 1e-9)))
    bands = max(2, num_perm - need + 1)
    return bands, num_perm // bands


class NearDuplicateIndex:
    """In-memory LSH index of canonical articles, each with its position: the order in
    which it became canonical (stored articles first, then the batch in input order)."""

    def __init__(self, threshold: float = 0.85, num_perm: int = NUM_PERM) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        # LSH only proposes candidates (every pair at the threshold, see band_params);
        # the estimated Jaccard decides.
        self._lsh = MinHashLSH(num_perm=num_perm, params=band_params(threshold, num_perm))
        self._sigs: dict[str, MinHash] = {}
        self._positions: dict[str, int] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, key: str) -> bool:
        return key in self._sigs

    def add(self, key: str, mh: MinHash) -> None:
        """Index a canonical article after those already in; a second add of a key
        keeps the first signature and position."""
        if key in self._sigs:
            return
        self._lsh.insert(key, mh)
        self._sigs[key] = mh
        self._positions[key] = self._next
        self._next += 1

    def add_many(self, items: Iterable[tuple[str, MinHash]]) -> None:
        for key, mh in items:
            self.add(key, mh)

    def remove(self, key: str) -> None:
        if key in self._sigs:
            self._lsh.remove(key)
            del self._sigs[key]
            del self._positions[key]

    def position(self, key: str) -> int:
        return self._positions[key]

    def matches(self, key: str, mh: MinHash) -> Iterator[tuple[str, float]]:
        """Indexed articles other than ``key`` whose estimated Jaccard similarity to
        ``mh`` reaches the threshold, with that similarity."""
        for other in self._lsh.query(mh):
            if other != key:
                sim = float(mh.jaccard(self._sigs[other]))
                if sim >= self.threshold:
                    yield other, sim


class PairIndex:
    """The index protocol of :class:`NearDuplicateIndex` over near-copy pairs that were
    found and verified elsewhere (the Spark runner bands signatures across the cluster):
    an article's matches are its verified partners that are already canonical."""

    def __init__(self, pairs: Iterable[tuple[str, str, float]], threshold: float) -> None:
        self.threshold = threshold
        self._partners: dict[str, list[tuple[str, float]]] = {}
        for a, b, sim in pairs:
            if a != b and sim >= threshold:
                self._partners.setdefault(a, []).append((b, sim))
                self._partners.setdefault(b, []).append((a, sim))
        self._positions: dict[str, int] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._positions

    def add(self, key: str, mh: MinHash | None = None) -> None:  # noqa: ARG002 — protocol
        self._positions.setdefault(key, len(self._positions))

    def position(self, key: str) -> int:
        return self._positions[key]

    def matches(self, key: str, mh: MinHash | None = None  # noqa: ARG002 — protocol
                ) -> Iterator[tuple[str, float]]:
        for other, sim in self._partners.get(key, ()):
            if other in self._positions:
                yield other, sim


LinkIndex = NearDuplicateIndex | PairIndex


@dataclass(frozen=True)
class Link:
    """A near-copy's link: its canonical article and their estimated Jaccard similarity."""

    canonical: str
    similarity: float


def link_one(index: LinkIndex, key: str, mh: MinHash | None) -> Link | None:
    """The linking policy, for one eligible article taken in input order.

    The article links to the **earliest** canonical article it is a near-copy of: the
    one that became canonical first (articles stored before this run come before the
    run's own, in the order they were ingested; then input order). Not the most similar
    one: the first copy of a story is its canonical copy whatever edits later copies
    share. Without such an article it becomes canonical itself (added to ``index``), so
    later copies can link to it; a near-copy is never linked to, so a chain A≈B≈C with
    A≉C links B to A and keeps C. An article already in ``index`` (stored, or seen earlier
    in the run with the same id) is canonical already and is not linked.
    """
    if key in index:
        return None
    best = min(index.matches(key, mh), key=lambda m: index.position(m[0]), default=None)
    if best is None:
        index.add(key, mh)
        return None
    return Link(best[0], best[1])


def as_near_copy(rec: ArticleRecord, canonical: str) -> ArticleRecord:
    """The record of a near-copy: linked to its canonical article, without facts (they
    are counted once, on the canonical article)."""
    return rec.with_(duplicate_of=canonical, actors=(), quotes=(), events=(), dates=())


@dataclass(frozen=True)
class LinkedRecord:
    """A record after the link step, with what the store keeps beside it."""

    record: ArticleRecord        # a near-copy comes with duplicate_of set and no facts
    signature: bytes | None      # ``to_bytes`` of its MinHash: ok records with words
    similarity: float | None     # to ``duplicate_of``, when this step linked it


def linkable(rec: ArticleRecord) -> bool:
    """Whether the link step decides for ``rec``: ok, and not linked upstream."""
    return rec.ok and rec.duplicate_of is None


def link_near_duplicates(records: Iterable[ArticleRecord], index: NearDuplicateIndex
                         ) -> Iterator[LinkedRecord]:
    """The link step: records in input order in, each linked by :func:`link_one`
    against ``index`` (the store's canonical articles; updated as records become
    canonical). Lazy: each record is decided when it is consumed, so pass the generator
    straight to the writer. Non-ok records and records linked upstream pass unchanged."""
    for rec in records:
        mh = signature(rec.text) if rec.ok else None
        sig = to_bytes(mh) if mh is not None else None
        link = link_one(index, rec.id, mh) if mh is not None and linkable(rec) else None
        if link is None:
            yield LinkedRecord(rec, sig, None)
        else:
            yield LinkedRecord(as_near_copy(rec, link.canonical), sig, link.similarity)
