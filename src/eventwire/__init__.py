"""eventwire: news articles in, checkable facts out — actors, quotes, events, dates."""
import importlib.util
import logging
import sys

from .settings import thinc_torch_wanted


def _thinc_without_torch() -> None:
    """Keep torch out of spaCy's processes when no spaCy pipeline can use it.

    thinc (spaCy's model layer) imports torch at import time whenever it is installed,
    which costs about 180 MB of memory in every process, workers included. Only
    transformer pipelines (spacy-transformers) run on torch; without that package,
    ``thinc.compat`` is imported here with torch hidden, so it records torch as absent.
    torch itself stays importable for whatever else needs it (the MiniLM encoder).
    ``EVENTWIRE_THINC_TORCH=1`` keeps thinc's torch support.
    """
    if ("thinc.compat" in sys.modules or "torch" in sys.modules
            or thinc_torch_wanted()
            or importlib.util.find_spec("spacy_transformers") is not None
            or importlib.util.find_spec("thinc") is None):
        return
    sys.modules["torch"] = None  # type: ignore[assignment] — makes `import torch` fail
    try:
        import thinc.compat  # noqa: F401
    finally:
        del sys.modules["torch"]


_thinc_without_torch()

from .records import ArticleRecord, RawArticle  # noqa: E402
from .settings import Settings  # noqa: E402

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
