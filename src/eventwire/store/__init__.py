"""The store: where article records live (SQLite by default, PostgreSQL for shared use).

``open_store(url)`` returns a ``Store``; ``Store.write`` is the single writer (of records
linked by ``pipeline.link_near_duplicates``). ``reads`` is the one read path (filters,
rows, counts) for export, stats and the web; ``table_files`` the one CSV/Parquet writer;
``export`` writes stored records as JSON Lines, CSV or Parquet.
"""
from .sqlstore import Store, StoreError, WriteResult, open_store

__all__ = ["Store", "StoreError", "WriteResult", "open_store"]
