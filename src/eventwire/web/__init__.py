"""Web UI and REST API over the store: ``create_app(settings)`` (see ``app.py``)."""
from .app import create_app

__all__ = ["create_app"]
