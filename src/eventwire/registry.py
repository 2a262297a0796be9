"""Named components: event coders, quote taggers, stores and executors, resolved by name.

One ``catalogue`` registry per kind, the mechanism spaCy uses for its factories. The
built-ins are registered exactly as a plug-in would be, through the package's entry points
(``[project.entry-points.eventwire_event_coders]`` … in ``pyproject.toml``), so this module
imports no stage. ``Settings`` names the choice (``event_coder``, ``quote_tagger``,
``executor``; the store by its URL scheme), and the pipeline and every ``eventwire eval``
gate resolve the same name, so a gate measures what ``extract`` runs.

A plug-in registers with a decorator (``@registry.event_coders.register("mine")``) in code
that is imported before use, or with an entry point in its own package.
"""
from __future__ import annotations

from typing import Any, Callable

import catalogue

event_coders = catalogue.create("eventwire", "event_coders", entry_points=True)
quote_taggers = catalogue.create("eventwire", "quote_taggers", entry_points=True)
stores = catalogue.create("eventwire", "stores", entry_points=True)
executors = catalogue.create("eventwire", "executors", entry_points=True)

KINDS = {"event_coder": event_coders, "quote_tagger": quote_taggers, "store": stores,
         "executor": executors}


class UnknownComponent(LookupError):
    """No component of that kind is registered under that name."""


def resolve(kind: str, name: str) -> Callable[..., Any]:
    """The factory registered as ``name`` for ``kind`` (see ``KINDS``)."""
    reg = KINDS[kind]
    try:
        return reg.get(name)
    except catalogue.RegistryError:
        known = ", ".join(sorted(reg.get_all())) or "none"
        raise UnknownComponent(f"no {kind.replace('_', ' ')} named {name!r} "
                               f"(registered: {known})") from None


def names(kind: str) -> list[str]:
    return sorted(KINDS[kind].get_all())
