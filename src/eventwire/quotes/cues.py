"""The cue lexicon: how often a lemma is (part of) an attribution cue in PolNeAR train.

``knowledge/cues.tsv`` is counted by ``eventwire train quotes`` (``training/quotes.py``);
this module only reads it.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

# a reporting verb proper ("said" 0.86, "told" 0.70, "urged" 0.74, "expects" 0.54), as
# opposed to a weak cue word of intention or attitude ("plan" 0.15, "want" 0.17)
REPORTING_RATE = 0.5


def cues_path() -> Path:
    return Path(str(resources.files("eventwire").joinpath("knowledge", "cues.tsv")))


@lru_cache(maxsize=2)
def load_cues(path: Path | None = None) -> dict[str, float]:
    """``lemma → share of its PolNeAR-train occurrences that are (part of) a cue``."""
    cues: dict[str, float] = {}
    for line in Path(path or cues_path()).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("lemma\t"):
            continue
        cols = line.split("\t")
        cues[cols[0]] = float(cols[3])
    return cues


def is_reporting(tok) -> bool:
    """A reporting verb proper ("said", "told"), by its cue-lexicon rate."""
    return tok.pos_ == "VERB" and load_cues().get(tok.lemma_.lower(), 0.0) >= REPORTING_RATE


def kinds_path() -> Path:
    return Path(str(resources.files("eventwire").joinpath("knowledge", "attribution_kinds.tsv")))


@lru_cache(maxsize=1)
def load_attribution_kinds() -> dict[str, dict[str, str]]:
    """``role ("cue" / "source") → lemma → kind`` of the attributions that are not speech:
    ``belief``, ``evidence``, ``document`` (``knowledge/attribution_kinds.tsv``)."""
    out: dict[str, dict[str, str]] = {"cue": {}, "source": {}}
    for line in kinds_path().read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("kind\t"):
            continue
        kind, role, lemma = line.split("\t")
        out[role][lemma] = kind
    return out
