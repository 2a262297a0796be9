"""The locked test parts of the gold sets (``gold/locked.json``, drawn once by
``scripts/lock_splits.py``): no rule or setting is tuned on their errors."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _table() -> dict:
    path = resources.files("eventwire").joinpath("eval", "gold", "locked.json")
    return json.loads(path.read_text(encoding="utf-8"))


def locked(name: str) -> tuple:
    """The locked items of one set: ``plv`` (sentence ids), ``polnear_events``,
    ``polnear_dev``, ``polnear_actor_articles`` (file names)."""
    try:
        return tuple(_table()[name])
    except KeyError:
        raise KeyError(f"no locked split named {name!r}; known: "
                       f"{', '.join(k for k in _table() if not k.startswith('_') and k != 'seed')}"
                       ) from None


def seed() -> int:
    return int(_table()["seed"])
