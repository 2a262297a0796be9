"""The store: where article records live (SQLite by default, PostgreSQL for shared use).

``open_store(url)`` returns a ``Store``; ``Store.write`` is the single writer, the rest are
reads. ``export`` writes stored records as JSON Lines, CSV or Parquet.
"""
from .sqlstore import Store, StoreError, WriteResult, open_store

__all__ = ["Store", "StoreError", "WriteResult", "open_store"]
