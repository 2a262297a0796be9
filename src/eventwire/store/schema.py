"""The store's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

One row per article (whatever its outcome), and one row per actor, quote, event and date
of an ``ok`` article. State tables (schema v3): ``feeds`` and ``feed_items`` keep what
``eventwire watch`` polled and fetched, ``source_lines`` the short lines each source's
articles carried (chrome is learned from them), ``export_marks`` and ``export_consumers``
what each named consumer of ``eventwire export --since-last`` has had. A near-copy of a stored story gets its own ``articles`` row with
``duplicate_of`` set and no fact rows, so facts are counted once. ``record_json`` keeps
the whole article record so reads round-trip exactly.
"""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary,
                        MetaData, String, Table, Text)

SCHEMA_VERSION = 4  # history: store/migrations.py

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", String(32), nullable=False),
)

articles = Table(
    "articles", metadata,
    Column("id", String(16), primary_key=True),          # content hash (record id)
    Column("source", Text, nullable=False),
    Column("title", Text),
    Column("url", Text),
    Column("published", String(10)),                      # ISO date
    Column("language", String(8)),
    Column("text", Text, nullable=False),
    Column("outcome", String(8), nullable=False),         # ok | rejected | failed
    Column("reason", Text),
    Column("duplicate_of", String(16)),                   # canonical article for near-copies
    Column("similarity", Float),                          # estimated Jaccard to duplicate_of
    Column("minhash", LargeBinary),                       # signature, to rebuild the LSH index
    Column("n_actors", Integer, nullable=False, default=0),
    Column("n_quotes", Integer, nullable=False, default=0),
    Column("n_events", Integer, nullable=False, default=0),
    Column("ingested_at", String(32), nullable=False),
    Column("record_json", Text, nullable=False),
)
Index("ix_articles_published", articles.c.published)
Index("ix_articles_outcome", articles.c.outcome)
Index("ix_articles_duplicate_of", articles.c.duplicate_of)

actors = Table(
    "actors", metadata,
    Column("article_id", String(16), ForeignKey("articles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("actor_id", String(16), primary_key=True),     # "a1" … within the article
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("country", String(3)),
    Column("sectors", Text, nullable=False, default=""),  # space-separated codes
    Column("role", Text),
    Column("n_mentions", Integer, nullable=False, default=0),
    Column("mentions_json", Text, nullable=False, default="[]"),
    Column("cameo", String(32)),          # CAMEO-style actor code: country + sectors
    Column("affiliation", Text),          # the body the actor speaks or works for
)
Index("ix_actors_name", actors.c.name)
Index("ix_actors_country", actors.c.country)

quotes = Table(
    "quotes", metadata,
    Column("article_id", String(16), ForeignKey("articles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("speaker_actor", String(16)),
    Column("speaker_name", Text),
    Column("speaker_start", Integer),
    Column("speaker_end", Integer),
    Column("cue_text", Text),
    Column("cue_start", Integer),
    Column("cue_end", Integer),
    Column("confidence", Float),
    Column("parts_json", Text, nullable=False, default="[]"),  # [[start, end], …] (v2)
)
Index("ix_quotes_speaker", quotes.c.speaker_name)

events = Table(
    "events", metadata,
    Column("article_id", String(16), ForeignKey("articles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("plover", String(16), nullable=False),
    Column("mode", String(32)),
    Column("cameo", String(4), nullable=False),
    Column("cameo_root", String(2), nullable=False),
    Column("goldstein", Float, nullable=False),
    Column("quad_class", Integer),
    Column("source_actor", String(16)),
    Column("source_name", Text),
    Column("source_country", String(3)),
    Column("source_sectors", Text),
    Column("target_actor", String(16)),
    Column("target_name", Text),
    Column("target_country", String(3)),
    Column("target_sectors", Text),
    Column("negated", Boolean, nullable=False, default=False),
    Column("hypothetical", Boolean, nullable=False, default=False),
    Column("future", Boolean, nullable=False, default=False),
    Column("historical", Boolean, nullable=False, default=False),
    Column("reported_by", String(16)),
    Column("date_text", Text),
    Column("date_value", String(32)),                    # ISO 8601 at any granularity
    Column("date_granularity", String(8)),
    Column("date_from_publication", Boolean, nullable=False, default=False),
    Column("sentence", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
)
Index("ix_events_plover", events.c.plover)
Index("ix_events_dyad", events.c.source_country, events.c.target_country)
Index("ix_events_date", events.c.date_value)

dates = Table(
    "dates", metadata,
    Column("article_id", String(16), ForeignKey("articles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("value", String(32)),
    Column("granularity", String(8), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
)


# -- state (v3) ---------------------------------------------------------------------------

feeds = Table(
    "feeds", metadata,
    Column("url", Text, primary_key=True),
    Column("kind", String(16)),                            # rss | atom | sitemap
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", String(32)),
    Column("last_status", String(32)),                     # ok | unchanged | failed
    Column("last_error", Text),
    Column("n_polls", Integer, nullable=False, default=0),
)

feed_items = Table(
    "feed_items", metadata,
    Column("url", Text, primary_key=True),                 # the item's page (or the feed#id)
    Column("feed_url", Text, nullable=False),
    Column("content_hash", String(16)),                    # content id of the fetched text
    Column("article_id", String(16)),
    Column("status", String(16), nullable=False),          # stored | duplicate | failed
    Column("reason", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("first_seen_at", String(32), nullable=False),
    Column("last_tried_at", String(32), nullable=False),
)
Index("ix_feed_items_hash", feed_items.c.content_hash)

source_lines = Table(
    "source_lines", metadata,
    Column("source", Text, primary_key=True),              # host:…, feed:…, folder:…
    Column("line_hash", String(16), primary_key=True),     # sha256 of the line key, first 16
    Column("article", String(16), primary_key=True),       # content id of the raw text
)

export_marks = Table(
    "export_marks", metadata,
    Column("consumer", Text, primary_key=True),
    Column("article_id", String(16), primary_key=True),
    Column("ingested_at", String(32), nullable=False),     # the row's version that was written
)

export_consumers = Table(
    "export_consumers", metadata,
    Column("name", Text, primary_key=True),
    Column("last_export_at", String(32), nullable=False),
    Column("last_articles", Integer, nullable=False, default=0),
    Column("total_articles", Integer, nullable=False, default=0),
)

STATE_TABLES = (feeds, feed_items, source_lines, export_marks, export_consumers)
