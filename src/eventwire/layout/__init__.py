"""Article layout read off plain text: the header, the dateline and page chrome.

* ``header``: headline, standfirst, byline and date lines at the top of a text, and where
  the body begins (the rest of the input, unchanged);
* ``dateline``: "ANKARA (Reuters) - ": where the story was filed; the place is not an
  actor and the words before the dash belong to no quote;
* ``lines``: what one line is — page chrome (``knowledge/boilerplate.tsv``, a site's name
  alone) or text, and whether it reads as a body sentence.

A base module: stages (ingest, clean, actors, quotes) read layout; layout reads only the
knowledge files.
"""
from .dateline import DATELINE, DATELINE_SEARCH_CHARS, Dateline, dateline_end, find_dateline
from .header import (PageDate, Header, byline_author, date_line, header_item, headline_text,
                     is_headline, read_header)
from .lines import (LineRule, boilerplate_rules, classify_line, is_body_sentence, line_key,
                    site_key, site_names_of, url_host)

__all__ = ["DATELINE", "DATELINE_SEARCH_CHARS", "Dateline", "dateline_end", "find_dateline",
           "PageDate", "Header", "byline_author", "date_line", "header_item", "headline_text",
           "is_headline", "read_header", "LineRule", "boilerplate_rules", "classify_line",
           "is_body_sentence", "line_key", "site_key", "site_names_of", "url_host"]
