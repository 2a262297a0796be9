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
"""
from __future__ import annotations

import logging
import math
import re
import struct
from typing import Iterable

from datasketch import MinHash, MinHashLSH

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
    """In-memory LSH index of canonical articles, answering "is this a near-copy of one?"."""

    def __init__(self, threshold: float = 0.85, num_perm: int = NUM_PERM) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        # LSH only proposes candidates (every pair at the threshold, see band_params);
        # the estimated Jaccard decides.
        self._lsh = MinHashLSH(num_perm=num_perm, params=band_params(threshold, num_perm))
        self._sigs: dict[str, MinHash] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, key: str) -> bool:
        return key in self._sigs

    def add(self, key: str, mh: MinHash) -> None:
        """Index a canonical article; adding a key twice keeps the first signature."""
        if key in self._sigs:
            return
        self._lsh.insert(key, mh)
        self._sigs[key] = mh

    def add_many(self, items: Iterable[tuple[str, MinHash]]) -> None:
        for key, mh in items:
            self.add(key, mh)

    def remove(self, key: str) -> None:
        if key in self._sigs:
            self._lsh.remove(key)
            del self._sigs[key]

    def find(self, mh: MinHash, exclude: str | None = None) -> tuple[str, float] | None:
        """The most similar indexed article at or above the threshold, or None.

        Ties go to the smallest id, so the same input links the same way every time.
        """
        best: tuple[str, float] | None = None
        for key in self._lsh.query(mh):
            if key == exclude:
                continue
            sim = float(mh.jaccard(self._sigs[key]))
            if sim < self.threshold:
                continue
            if best is None or sim > best[1] or (sim == best[1] and key < best[0]):
                best = (key, sim)
        return best
