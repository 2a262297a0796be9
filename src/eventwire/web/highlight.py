"""Article text as safe HTML with actors, quotes, cues and events marked at their spans.

Hand-written rather than a templating trick because spans overlap and nest (a speaker
inside an event sentence, a quote crossing two event spans): a sweep over the sorted span
boundaries keeps a stack of open ``<mark>`` elements, closes and reopens the ones a
boundary cuts through, so the output is always well nested. Every text segment is escaped
here; nothing from the article reaches the page unescaped.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from ..records import ArticleRecord

# Quote colours cycle through this many CSS classes (q-0 … q-7 in static/style.css).
SPEAKER_COLOURS = 8


@dataclass(frozen=True)
class MarkSpan:
    start: int
    end: int
    css: str
    title: str
    layer: int  # tie-break at equal spans: lower layers nest outside higher ones
    data: tuple[tuple[str, str], ...] = ()

    def open_tag(self) -> str:
        attrs = "".join(f' data-{k}="{escape(v)}"' for k, v in self.data)
        return f'<mark class="{escape(self.css)}" title="{escape(self.title)}"{attrs}>'


def speaker_colours(record: ArticleRecord) -> dict[str, int]:
    """Colour index per speaker (actor id, else name), in order of first quote."""
    colours: dict[str, int] = {}
    for q in record.quotes:
        key = _speaker_id(q)
        if key not in colours:
            colours[key] = len(colours) % SPEAKER_COLOURS
    return colours


def _speaker_id(quote) -> str:
    if quote.speaker is None:
        return "?"
    return quote.speaker.actor or quote.speaker.name


def record_spans(record: ArticleRecord, actor_keys: dict[str, str] | None = None) -> list[MarkSpan]:
    """Every highlight of an article record as :class:`MarkSpan` objects."""
    actor_keys = actor_keys or {}
    colours = speaker_colours(record)
    spans: list[MarkSpan] = []
    for i, e in enumerate(record.events):
        sides = " → ".join(s.name for s in (e.source, e.target) if s)
        label = f"event {e.plover} (CAMEO {e.cameo}, Goldstein {e.goldstein:g})"
        spans.append(MarkSpan(e.span[0], e.span[1], "ev", f"{label}: {sides}" if sides else label,
                              0, (("event", str(i)),)))
        if e.trigger:
            spans.append(MarkSpan(e.trigger.span[0], e.trigger.span[1], "trg",
                                  f"{e.plover} trigger", 4, (("event", str(i)),)))
    for i, q in enumerate(record.quotes):
        colour = colours[_speaker_id(q)]
        who = q.speaker.name if q.speaker else "unknown speaker"
        for a, b in q.parts or (q.span,):  # a split quote's attribution stays unmarked
            spans.append(MarkSpan(a, b, f"quote q-{colour}", f"{q.kind} quote by {who}", 1,
                                  (("quote", str(i)),)))
        if q.speaker:
            spans.append(MarkSpan(q.speaker.span[0], q.speaker.span[1], f"speaker q-{colour}",
                                  f"speaker: {who}", 2, (("quote", str(i)),)))
        if q.cue:
            spans.append(MarkSpan(q.cue.span[0], q.cue.span[1], "cue", f"cue: {q.cue.text}", 3,
                                  (("quote", str(i)),)))
    for a in record.actors:
        code = " ".join(x for x in (a.country, *a.sectors) if x)
        title = f"{a.kind}: {a.name}" + (f" ({code})" if code else "")
        data = (("actor", actor_keys[a.id]),) if a.id in actor_keys else ()
        for m in a.mentions:
            spans.append(MarkSpan(m[0], m[1], "actor", title, 5, data))
    return spans


def highlight(text: str, spans: list[MarkSpan]) -> Markup:
    """Escape ``text`` and wrap each span in a ``<mark>``, splitting marks where spans cross."""
    n = len(text)
    clean = [MarkSpan(max(0, s.start), min(n, s.end), s.css, s.title, s.layer, s.data)
             for s in spans]
    clean = [s for s in clean if s.start < s.end]
    starts: dict[int, list[MarkSpan]] = {}
    for s in clean:
        starts.setdefault(s.start, []).append(s)
    points = sorted({0, n, *(s.start for s in clean), *(s.end for s in clean)})
    out: list[str] = []
    stack: list[MarkSpan] = []
    for i, p in enumerate(points):
        # close every span ending here, and whatever sits above it on the stack
        cut = next((k for k, s in enumerate(stack) if s.end <= p), None)
        if cut is not None:
            out.append("</mark>" * (len(stack) - cut))
            reopen = [s for s in stack[cut:] if s.end > p]
            del stack[cut:]
            for s in reopen:
                out.append(s.open_tag())
                stack.append(s)
        for s in sorted(starts.get(p, ()), key=lambda s: (-s.end, s.layer)):
            out.append(s.open_tag())
            stack.append(s)
        if i + 1 < len(points):
            out.append(str(escape(text[p:points[i + 1]])))
    out.append("</mark>" * len(stack))
    return Markup("".join(out))


def highlight_record(record: ArticleRecord, actor_keys: dict[str, str] | None = None) -> Markup:
    """The record's cleaned text as highlighted, escaped HTML."""
    return highlight(record.text, record_spans(record, actor_keys))


def quoted_words(text: str, start: int, parts) -> str:
    """A quote's own words: the quoted pieces of ``text`` (the content, starting at offset
    ``start`` of the article) joined with " … ", which leaves out the attribution of a
    split quote; the content itself for a quote of one piece."""
    pieces = [text[a - start:b - start] for a, b in parts or ()
              if start <= a < b <= start + len(text)]
    return " … ".join(pieces) if len(pieces) > 1 else text
