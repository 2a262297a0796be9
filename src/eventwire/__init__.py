"""eventwire: news articles in, checkable facts out — actors, quotes, events, dates."""
import logging

from .records import ArticleRecord, RawArticle
from .settings import Settings

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"
__all__ = ["extract", "extract_many", "ArticleRecord", "RawArticle", "Settings", "__version__"]


def extract(text_or_html, published=None, url=None, title=None, settings=None) -> ArticleRecord:
    """Extract one article record from text or HTML (see ``pipeline.extract``)."""
    from .pipeline import extract as _extract

    return _extract(text_or_html, published=published, url=url, title=title, settings=settings)


def extract_many(items, settings=None):
    """Stream records for an iterable of strings or ``RawArticle`` (see ``pipeline.extract_many``)."""
    from .pipeline import extract_many as _extract_many

    return _extract_many(items, settings=settings)
