"""Quotes: direct, indirect and mixed quotes attributed to speakers.

Two layers over the parse the pipeline already made. The trained CRF
(``tagger.py``, PolNeAR train) finds content, cue and source spans for every
attribution shape PolNeAR annotates (said / told / urged / according to / in a statement /
attitudes). Quotation marks found by ``quotes.marks`` that the CRF left out become direct
quotes when a cue word governs them or sits next to them in the sentence ("…," she said) —
the shapes with a crisp rule. Rules also read indirect speech off the parse (the ccomp of
a cue verb, the clause around "according to") where the tagger found nothing — and carry
the stage alone when the weights are missing, so it degrades instead of going silent.
``kind`` is ``belief``, ``evidence`` or ``document`` for an attribution that is not speech
(see ``_attribution_kind``); else ``direct`` when the content is inside quotation marks (a
split quote counts), ``mixed`` when it holds a quoted fragment, ``indirect`` otherwise.
Speakers are resolved to actors with ``actors.actor_for_span`` (which knows pronoun and
title mentions); a quote with no recoverable speaker keeps ``speaker=None``.
Two speaker repairs (held-out tenth of train: source accuracy +0.008, linked F1
+0.005): a speakerless tagged quote takes the subject of a cue word it holds outside its
marks or of the cue word governing it, and a content-only paragraph right after a
paragraph whose last quote has a speaker continues that speaker (news convention).
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace

from ..actors import actor_for_span
from ..layout import dateline_end
from ..records import Actor, CleanArticle, Cue, Quote, Speaker
from ..settings import Settings
from .cues import REPORTING_RATE, is_reporting, load_attribution_kinds, load_cues
from .marks import MarkedQuote, find_marked_quotes

log = logging.getLogger(__name__)

# minimum cue-lexicon rate for a word to introduce a direct quote by rule (0.3: "said",
# "told", "added", "according", "statement" pass; "make", "have" do not)
_RULE_CUE_RATE = 0.3
# a paragraph is "content only" when its quote covers this share of it (the convention's
# wording; on the held-out tenth of train 0 and 0.6 score the same)
_CONTENT_ONLY = 0.6
# the longest attribution between two marked parts of one quote, in words: PolNeAR takes
# '"A," said X, who runs the gym where … "B."' as one content (held-out tenth of train,
# content F1: 0.682 with 6 words, 0.689 with 40)
_ATTRIBUTION_WORDS = 40


def attribute_quotes(doc, article: CleanArticle, actors: list[Actor], settings: Settings,
                     tagger=None) -> list[Quote]:
    """Quotes of one parsed article, sorted by span start and never overlapping.

    ``tagger`` is the quote tagger the settings name (registry kind ``quote_tagger``, see
    ``tagger.py``); ``None`` runs the rules alone."""
    text = article.text
    cues = load_cues()
    marked = find_marked_quotes(text, settings.max_quote_chars)
    found: list[Quote] = []
    if tagger is not None:
        for a in tagger.tag(doc, text, marked):
            q = _quote(text, actors, marked, _chars(doc, a.content),
                       _chars(doc, a.cue) if a.cue else None,
                       _chars(doc, a.source) if a.source else None, a.confidence, doc)
            if q:
                found.append(q)
    found = [_clear_of_attribution(text, marked, q) for q in found]
    found = [_lift_to_reporting_verb(doc, text, actors, marked, cues, q) for q in found]
    found = _join_split_quotes(text, marked, found)
    found = [_recover_speaker(doc, text, actors, marked, cues, q) for q in found]
    found = [_dash_speaker(doc, text, actors, q) for q in found]
    found.extend(_direct_by_rule(doc, text, actors, marked, cues, found))
    # rules fill what the tagger left: +0.004 content F1 on the held-out tenth of train
    found.extend(_indirect_by_rule(doc, text, actors, marked, cues))
    found = [_after_dateline(text, marked, q) for q in found]
    found = [_without_trailing_aside(doc, text, marked, q) for q in found]
    found = [q for q in found if not _is_title(text, q)]
    kept = _without_overlaps(found, settings.max_quote_chars)
    final = _continuations(text, marked, cues, kept, settings.max_quote_chars, doc)
    final = _merge_continuations(text, final, settings.max_quote_chars)
    return [_attribution_kind(doc, _with_parts(marked, q)) for q in final]


# ------------------------------------------------------------------------------ helpers

def _chars(doc, toks: tuple[int, int]) -> tuple[int, int]:
    return doc[toks[0]].idx, doc[toks[1] - 1].idx + len(doc[toks[1] - 1])


def _trim(text: str, s: int, e: int, punct: str = "") -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in punct):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in punct):
        e -= 1
    return s, e


def _snap(span: tuple[int, int], marked: list[MarkedQuote]) -> tuple[int, int]:
    """A content that is most of one marked quote (or of one paragraph of a multi-paragraph
    quote) becomes the whole marked quote, marks included (the parse and the tagger often
    stop short of the marks, and tag paragraph by paragraph)."""
    s, e = span
    for m in marked:
        if m.span[0] > e:
            break
        if not (m.span[0] <= s and e <= m.span[1]):
            continue
        # a multi-paragraph quote is one quote even when only one paragraph was found
        for ps, pe in m.pieces:
            if ps <= s and e <= pe + 1 and (e - s) >= 0.6 * (pe - ps):
                return m.span
        if (e - s) >= 0.6 * (m.span[1] - m.span[0]):
            return m.span
    # A content that starts inside a marked quote and runs past its closing mark starts at
    # the opening mark: a quotation is never cut at its start ("“A. B,” he said, “C.”").
    for m in marked:
        if m.span[0] < s < m.span[1] <= e:
            return m.span[0], e
    return span


def _kind(text: str, span: tuple[int, int], marked: list[MarkedQuote]) -> str:
    s, e = span
    for m in marked:
        if m.span[0] <= s + 1 and e - 1 <= m.span[1] and e - s >= (m.span[1] - m.span[0]) * 0.8:
            return "direct"
    # a split quote: marked parts with only an attribution between them ("“A,” she said,
    # “B.”", "“A,” the bloc's foreign policy chief told reporters after the meeting. “B.”")
    parts = [m for m in marked if s - 1 <= m.span[0] and m.span[1] <= e + 1]
    if len(parts) >= 2 and abs(parts[0].span[0] - s) <= 1 and abs(parts[-1].span[1] - e) <= 1 \
            and all(len(text[a.span[1]:b.span[0]].split()) <= _ATTRIBUTION_WORDS
                    for a, b in zip(parts, parts[1:])):
        return "direct"
    if any(m.span[0] >= s and m.span[1] <= e or (m.span[0] < e and s < m.span[1])
           for m in marked):
        return "mixed"
    return "indirect"


_RELATIVE = frozenset({"which", "who", "that"})


def _speaker(text: str, actors: list[Actor], span: tuple[int, int] | None,
             doc=None) -> Speaker | None:
    """The speaker at ``span``, resolved to an actor: the head of the source phrase
    (``syntax.source_head``: "X, a fellow at Y" → X, "Y's aides" → aides), never another
    name inside it. A relative pronoun ("Israel, which opposes the deal") stands for the
    noun its clause hangs from (the mention stays the pronoun, as with "he")."""
    if span is None:
        return None
    s, e = _trim(text, *span)
    if s >= e:
        return None
    if doc is not None:
        if text[s:e].lower() in ("'s", "’s"):  # a possessive ending stands for its possessor
            # (the "'s" of "let's" is "us", and stays)
            tok = doc.char_span(s, e, alignment_mode="expand")
            if tok is not None and len(tok) == 1 and tok[0].dep_ == "case":
                from .syntax import noun_phrase

                s, e = _chars(doc, noun_phrase(tok[0].head))
        s, e = _head_chars(doc, s, e)
    if not any(ch.isalnum() for ch in text[s:e]):
        return None  # punctuation names no one
    actor = actor_for_span(actors, (s, e))
    name = text[s:e]
    if actor is None and doc is not None and name.lower() in _RELATIVE:
        antecedent = _antecedent(doc, s, e)
        if antecedent is not None:
            actor = actor_for_span(actors, antecedent)
            name = text[antecedent[0]:antecedent[1]]
    return Speaker(actor.id if actor else None, actor.name if actor else name, (s, e))


def _head_chars(doc, s: int, e: int) -> tuple[int, int]:
    """Character range of the head of the source phrase at ``[s, e)``."""
    from .syntax import source_head

    span = doc.char_span(s, e, alignment_mode="expand")
    if span is None or len(span) == 0:
        return s, e
    a, b = source_head(doc, span.start, span.end)
    if a >= b:
        return s, e
    return doc[a].idx, doc[b - 1].idx + len(doc[b - 1])


def _antecedent(doc, s: int, e: int) -> tuple[int, int] | None:
    """Character range of the noun phrase a relative pronoun's clause modifies."""
    from .syntax import noun_phrase

    span = doc.char_span(s, e, alignment_mode="expand")
    if span is None or len(span) != 1:
        return None
    clause = span[0].head
    if clause.dep_ != "relcl" or clause.head.pos_ not in ("PROPN", "NOUN"):
        return None
    return _chars(doc, noun_phrase(clause.head))


def _quote(text, actors, marked, content, cue, source, confidence, doc=None) -> Quote | None:
    s, e = _snap(_trim(text, *content, punct=",;:"), marked)
    if s >= e:
        return None
    cue_rec = None
    if cue:
        cs, ce = _trim(text, *cue, punct=",;:")
        if cs < ce:
            cue_rec = Cue(text[cs:ce], (cs, ce))
    return Quote(_kind(text, (s, e), marked), text[s:e], (s, e),
                 _speaker(text, actors, source, doc),
                 cue_rec, confidence)


def _join_split_quotes(text: str, marked: list[MarkedQuote], found: list[Quote]) -> list[Quote]:
    """``“A,” he said. “B.”`` in one paragraph is one quote (PolNeAR's convention too):
    a quote that ends at a closing mark absorbs the next marked quote of its paragraph when
    only its own cue and speaker (a few words) stand between them and that marked quote is
    not someone else's."""
    found = sorted(found, key=lambda q: q.span)
    ends = {m.span[1] + d: k for k, m in enumerate(marked) for d in (-3, -2, -1, 0, 1)}
    out: list[Quote] = []
    i = 0
    while i < len(found):
        q = found[i]
        i += 1
        while True:
            k = ends.get(q.span[1])
            if k is None or k + 1 >= len(marked):
                break
            nxt = marked[k + 1]
            gap = text[marked[k].span[1]:nxt.span[0]]
            if "\n" in gap or len(gap.split()) > _ATTRIBUTION_WORDS or not q.cue or not (
                    q.span[1] <= q.cue.span[0] < nxt.span[0]) or _sentences_in(gap) > 1:
                break
            inner = [o for o in found[i:] if o.span[0] < nxt.span[1]]
            if any(o.cue and not (o.cue == q.cue) for o in inner):
                break
            i += len(inner)
            q = Quote("direct", text[q.span[0]:nxt.span[1]], (q.span[0], nxt.span[1]),
                      q.speaker, q.cue, q.confidence)
        out.append(q)
    return out


def _sentences_in(gap: str) -> int:
    """How many sentences a stretch of narration between two quoted parts ends (a split
    quote's attribution ends one at most: "…," he said. "…")."""
    return len(re.findall(r"[.!?](?=\s+\S)", gap.strip()))


def _clear_of_attribution(text: str, marked: list[MarkedQuote], q: Quote) -> Quote:
    """A content never holds its own cue or speaker: ``"…," the chief told`` tagged as one
    content ends at the closing mark. The side of the attribution holding quotation marks
    stays (the longer side when neither does); a split quote, with marks on both sides,
    is left whole (its ``parts`` give the quoted words)."""
    own = [sp for sp in (q.cue.span if q.cue else None, q.speaker.span if q.speaker else None)
           if sp is not None and q.span[0] < sp[1] and sp[0] < q.span[1]]
    if not own:
        return q
    before = (q.span[0], min(a for a, _ in own))
    after = (max(b for _, b in own), q.span[1])

    def has_marks(seg: tuple[int, int]) -> bool:
        return any(seg[0] <= m.span[0] and m.span[1] <= seg[1] for m in marked)

    if has_marks(before) and has_marks(after):
        return q
    if has_marks(before) != has_marks(after):
        keep = before if has_marks(before) else after
    else:
        keep = max(before, after, key=lambda seg: seg[1] - seg[0])
    return _respan(text, marked, q, *_snap(_trim(text, *keep, punct=",;:"), marked))


def _lift_to_reporting_verb(doc, text, actors, marked, cues, q: Quote) -> Quote:
    """``Both sides plan to hold talks, diplomats said``: a quote whose cue is a weak cue
    word (an intention or attitude: "plan", "want") heading the clause that a reporting
    verb reports becomes the reporting verb's quote — the whole clause, said by its
    subject. The outer layer is the one the reader asks about, and the one PolNeAR's
    labels (outer content first) describe."""
    if q.cue is None or q.kind == "direct":
        return q
    span = doc.char_span(q.cue.span[0], q.cue.span[1], alignment_mode="expand")
    if span is None or len(span) == 0:
        return q

    clause = span.root
    if cues.get(clause.lemma_.lower(), 0) >= REPORTING_RATE:
        return q
    while clause.dep_ == "conj" and clause.head.i != clause.i:
        clause = clause.head
    verb = clause.head
    if clause.dep_ != "ccomp" or not is_reporting(verb):
        return q
    subject = _subject_span(verb)
    content = _trim(text, clause.left_edge.idx, clause.right_edge.idx + len(clause.right_edge),
                    punct=",;:")
    if subject is None or content[0] >= content[1] or (
            content[0] < subject[1] and subject[0] < content[1]):
        return q
    s, e = _snap(content, marked)
    return Quote(_kind(text, (s, e), marked), text[s:e], (s, e),
                 _speaker(text, actors, subject, doc), Cue(verb.text, (verb.idx, verb.idx + len(verb))),
                 q.confidence)


def _after_dateline(text: str, marked: list[MarkedQuote], q: Quote) -> Quote:
    """A content that opens a datelined paragraph starts after the dateline: the place and
    agency ("ANKARA (Reuters) -") are the report's, not the speaker's words."""
    end = dateline_end(text, q.span[0])
    if end is None or end >= q.span[1]:
        return q
    return _respan(text, marked, q, *_trim(text, end, q.span[1]))


def _without_trailing_aside(doc, text, marked, q: Quote) -> Quote:
    """A reported content that ends in a non-restrictive relative clause ("…, whose leaders
    privately despair over …") ends before it: the clause is the reporter's aside, not
    the speaker's words. Held-out tenth of train: strict linked F1 +0.002, content F1
    unchanged (a trailing appositive or adverbial clause cut the same way lowers both)."""
    if q.kind == "direct":
        return q
    span = doc.char_span(q.span[0], q.span[1], alignment_mode="expand")
    if span is None or len(span) < 4:
        return q
    inside = [m.span for m in marked if m.span[0] < q.span[1] and q.span[0] < m.span[1]]
    for t in span[2:]:
        if t.dep_ == "relcl" and doc[t.left_edge.i - 1].text == "," \
                and span.start <= t.head.i < span.end and t.right_edge.i >= span.end - 2 \
                and not any(a <= t.idx < b for a, b in inside):
            s, e = _trim(text, q.span[0], doc[t.left_edge.i - 1].idx, punct=",;:")
            if len(text[s:e].split()) >= 2:
                return _respan(text, marked, q, s, e)
    return q


def _respan(text: str, marked: list[MarkedQuote], q: Quote, s: int, e: int) -> Quote:
    """``q`` with its content moved to ``[s, e)`` (its kind recomputed); ``q`` itself when
    that range is empty."""
    if s >= e:
        return q
    return Quote(_kind(text, (s, e), marked), text[s:e], (s, e), q.speaker, q.cue,
                 q.confidence)


def _with_parts(marked: list[MarkedQuote], q: Quote) -> Quote:
    """The quoted words of a direct quote as they stand in the text: the paragraph pieces
    of its marked quotes, which leave out an attribution standing between them ("…," he
    said. "…"); the content span itself for any other quote."""
    parts: tuple = ()
    if q.kind == "direct":
        parts = tuple(p for m in marked if q.span[0] <= m.span[0] and m.span[1] <= q.span[1]
                      for p in m.pieces)
    return replace(q, parts=parts or (q.span,))


_DESCRIBING = frozenset({"know", "consider", "regard", "view"})


def _attribution_kind(doc, q: Quote) -> Quote:
    """``belief``, ``evidence`` or ``document`` for an attribution that is not speech
    (``knowledge/attribution_kinds.tsv``): a cue of belief ("believes", "fears") or of
    evidence ("found", "shows"), a source that is evidence ("a poll", "the study") or
    "according to" a document, a document as the source ("the lawsuit alleges"). Any other
    quote keeps its form. Parts stay as they were: a letter's direct words are still its
    quoted pieces."""
    table = load_attribution_kinds()
    cue_lemmas = []
    if q.cue is not None:
        span = doc.char_span(q.cue.span[0], q.cue.span[1], alignment_mode="expand")
        # "known for", "considered" as a participle describe, they hold no belief
        cue_lemmas = [t.lemma_.lower() for t in span or ()
                      if not t.is_punct and not (t.tag_ == "VBN" and t.lemma_ in _DESCRIBING)]
    source = None
    if q.speaker is not None:
        span = doc.char_span(q.speaker.span[0], q.speaker.span[1], alignment_mode="expand")
        # a common noun only: "the Post" reported is a newspaper, not a blog post
        if span is not None and len(span) and span.root.pos_ == "NOUN":
            source = span.root.lemma_.lower()
    cue_kinds = [table["cue"][x] for x in cue_lemmas if x in table["cue"]]
    source_kind = table["source"].get(source) if source else None
    kind = None
    if "belief" in cue_kinds:
        kind = "belief"
    elif "evidence" in cue_kinds or source_kind == "evidence":
        kind = "evidence"
    elif source_kind == "document":
        kind = "evidence" if "accord" in cue_lemmas else "document"
    return replace(q, kind=kind) if kind else q


def _recover_speaker(doc, text, actors, marked, cues, q: Quote) -> Quote:
    """A tagged quote without a speaker takes the subject of a cue word it holds outside
    quotation marks (a split quote tagged whole: “A,” he said. “B.”) or of the cue word
    governing it (the tagger found the content but not the cue)."""
    if q.speaker is not None:
        return q
    span = doc.char_span(q.span[0], q.span[1], alignment_mode="expand")
    if span is None or len(span) == 0:
        return q
    inside = [m.span for m in marked if q.span[0] <= m.span[0] and m.span[1] <= q.span[1]]
    cue = None
    if inside:
        for t in span:
            if t.pos_ == "VERB" and cues.get(t.lemma_.lower(), 0) >= _RULE_CUE_RATE \
                    and not any(a <= t.idx < b for a, b in inside):
                cue = t
                break
    if cue is None:
        cue = _cue_near(doc, q.span, cues)
        if cue is not None and not (span.start <= cue.i < span.end) and cue.i not in \
                {a.i for t in span for a in t.ancestors}:
            cue = None  # only a governing cue: a nearby one may be someone else's
    if cue is None:
        return q
    speaker = _speaker(text, actors, _subject_span(cue), doc)
    if speaker is None:
        return q
    return Quote(q.kind, q.text, q.span, speaker, q.cue or Cue(cue.text, (cue.idx, cue.idx + len(cue))),
                 q.confidence)


_DASH_NAME = re.compile(r"[\s\u00a0]*[―—–-][\s\u00a0]*((?:[A-Z][\w.'’\-]*[\s\u00a0]*){1,5})"
                        r"[.\s\u00a0]*$")


def _dash_speaker(doc, text, actors, q: Quote) -> Quote:
    """``“…” ― Pamela Padilla`` (a quotation signed with a dash and a name closing its
    paragraph): the name is the speaker of a quote that has none."""
    if q.speaker is not None:
        return q
    nl = text.find("\n", q.span[1])
    tail = text[q.span[1]:len(text) if nl < 0 else nl]
    m = _DASH_NAME.match(tail) if len(tail) <= 60 else None
    if m is None:
        return q
    s = q.span[1] + m.start(1)
    e = s + len(m.group(1).rstrip(" \u00a0."))
    speaker = _speaker(text, actors, (s, e), doc)
    return replace(q, speaker=speaker) if speaker else q


def _subject_span(tok) -> tuple[int, int] | None:
    from .syntax import noun_phrase, subject_of

    doc = tok.doc
    r = subject_of(doc, (tok.i, tok.i + 1))
    if r is None and tok.dep_ in ("relcl", "acl") and tok.head.pos_ in ("PROPN", "NOUN"):
        r = noun_phrase(tok.head)  # "Smith, who said …"
    return _chars(doc, r) if r else None


def _cue_near(doc, span: tuple[int, int], cues: dict[str, float]):
    """A cue word that introduces the marked quote: one governing a token inside it, or
    the nearest cue word of the sentences that hold its first or last token."""
    first = doc.char_span(span[0], span[1], alignment_mode="expand")
    if first is None or len(first) == 0:
        return None
    inside = range(first.start, first.end)
    for t in first:
        h = t.head
        if h.i not in inside and cues.get(h.lemma_.lower(), 0) >= _RULE_CUE_RATE \
                and h.pos_ in ("VERB", "NOUN", "AUX"):
            return h
    best, best_d = None, 99
    sents = [first[0].sent] + ([first[-1].sent] if first[-1].sent != first[0].sent else [])
    for sent in sents:
        for t in sent:
            if t.i in inside or t.is_punct:
                continue
            if cues.get(t.lemma_.lower(), 0) >= _RULE_CUE_RATE and t.pos_ in ("VERB", "NOUN"):
                d = first.start - t.i if t.i < first.start else t.i - first.end + 1
                if d < best_d:
                    best, best_d = t, d
    return best if best_d <= 10 else None


def _direct_by_rule(doc, text, actors, marked, cues, found: list[Quote]) -> list[Quote]:
    """Marked quotes no other quote covers, introduced by a nearby cue word; a split
    quote (two marked parts around the same cue) becomes one quote."""
    taken = [q.span for q in found]
    free = [m for m in marked
            if not any(s < m.span[1] and m.span[0] < e for s, e in taken)
            and len(text[m.inner[0]:m.inner[1]].split()) >= 3]
    out: list[Quote] = []
    i = 0
    while i < len(free):
        m = free[i]
        cue = _cue_near(doc, m.span, cues)
        if cue is None:
            i += 1
            continue
        span = m.span
        nxt = free[i + 1] if i + 1 < len(free) else None
        if nxt is not None and m.span[1] <= cue.idx < nxt.span[0] \
                and nxt.span[0] - m.span[1] <= 60 and "\n" not in text[m.span[1]:nxt.span[0]]:
            span = (m.span[0], nxt.span[1])
            i += 1
        i += 1
        cue_span = (cue.idx, cue.idx + len(cue))
        out.append(Quote(_kind(text, span, marked), text[span[0]:span[1]], span,
                         _speaker(text, actors, _subject_span(cue), doc),
                         Cue(cue.text, cue_span), 0.5))
    return out


def _indirect_by_rule(doc, text, actors, marked, cues) -> list[Quote]:
    """The clause complement of a cue verb, or the clause that "according to X" is
    attached to (the whole indirect layer without weights; a fill with them)."""
    out: list[Quote] = []
    for t in doc:
        lem = t.lemma_.lower()
        if lem == "accord" and t.dep_ == "prep":
            words = [x for x in t.head.subtree if not x.is_space]
            before = [x for x in words if x.i < t.left_edge.i]
            after = [x for x in words if x.i > t.right_edge.i]
            # "Y, according to X." or "According to X, Y.": the clause on the longer side
            toks = max(before, after, key=lambda side: sum(not x.is_punct for x in side))
            while toks and toks[-1].is_punct:
                toks = toks[:-1]
            while toks and toks[0].is_punct:
                toks = toks[1:]
            to = [c for c in t.children if c.dep_ == "prep"]
            if toks and to:
                cue_end = to[0].idx + len(to[0])
                out.append(Quote("indirect", "", (toks[0].idx, toks[-1].idx + len(toks[-1])),
                                 _speaker(text, actors, _subject_span(t), doc),
                                 Cue(text[t.idx:cue_end], (t.idx, cue_end)), 0.4))
            continue
        if cues.get(lem, 0) < _RULE_CUE_RATE or t.pos_ != "VERB":
            continue
        for c in t.children:
            if c.dep_ in ("ccomp", "xcomp") and len(list(c.subtree)) >= 3:
                s, e = c.left_edge.idx, c.right_edge.idx + len(c.right_edge)
                out.append(Quote("indirect", "", (s, e),
                                 _speaker(text, actors, _subject_span(t), doc),
                                 Cue(t.text, (t.idx, t.idx + len(t))), 0.4))
                break
    snapped = [_snap(_trim(text, *q.span, punct=",;:"), marked) for q in out]
    return [Quote(_kind(text, sp, marked), text[sp[0]:sp[1]], sp, q.speaker, q.cue, q.confidence)
            for q, sp in zip(out, snapped) if sp[0] < sp[1]]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Character ranges of the non-blank lines (the paragraphs) of ``text``."""
    out, pos = [], 0
    for line in text.split("\n"):
        s, e = _trim(text, pos, pos + len(line))
        if s < e:
            out.append((s, e))
        pos += len(line) + 1
    return out


def _has_cue_word(doc, text: str, span: tuple[int, int], cues: dict[str, float],
                  marked: list[MarkedQuote] = ()) -> bool:
    """Whether a word of ``span`` outside quotation marks is a cue (by its lemma when the
    parse is given, else by its lower-cased form)."""
    if doc is not None:
        toks = doc.char_span(span[0], span[1], alignment_mode="expand") or ()
        inside = [m.span for m in marked if m.span[0] < span[1] and span[0] < m.span[1]]
        words = [t.lemma_.lower() for t in toks if not any(a <= t.idx < b for a, b in inside)]
    else:
        part = list(text[span[0]:span[1]])
        for m in marked:
            for k in range(max(m.span[0], span[0]), min(m.span[1], span[1])):
                part[k - span[0]] = " "
        words = [w.strip(".,;:!?\"“”'’()").lower() for w in "".join(part).split()]
    return any(cues.get(w, 0) >= _RULE_CUE_RATE for w in words)


def _continuations(text, marked, cues, quotes: list[Quote], max_chars: int,
                   doc=None) -> list[Quote]:
    """News convention: a paragraph of quoted content alone, right after a paragraph whose
    last quote names its speaker, continues that speaker. Such a paragraph's speakerless
    quotes inherit the speaker, and a marked quote filling it that no stage found becomes a
    direct quote of that speaker — only when the paragraph holds no cue word of its own
    (another candidate speaker)."""
    paras = _paragraphs(text)
    if len(paras) < 2 or not quotes:
        return quotes
    by_para: dict[int, list[int]] = {}
    k = 0
    for i, q in enumerate(quotes):
        while k < len(paras) and paras[k][1] <= q.span[0]:
            k += 1
        if k < len(paras) and paras[k][0] <= q.span[0]:
            by_para.setdefault(k, []).append(i)
    out = list(quotes)
    added: list[Quote] = []
    prev_speaker: Speaker | None = None
    for k, (ps, pe) in enumerate(paras):
        idx = by_para.get(k, [])
        own = [out[i] for i in idx]
        inherit = prev_speaker
        if inherit is not None and not _has_cue_word(doc, text, (ps, pe), cues, marked):
            for i in idx:
                if out[i].speaker is None and out[i].cue is None \
                        and out[i].span[1] - out[i].span[0] >= _CONTENT_ONLY * (pe - ps):
                    q = out[i]
                    out[i] = Quote(q.kind, q.text, q.span, inherit, None, q.confidence)
            if not own:
                for m in marked:
                    if m.span[0] >= pe:
                        break
                    ms, me = m.span
                    if ms <= ps + 1 and me >= pe - 2 and me - ms <= max_chars:
                        s, e = ms, me
                        added.append(Quote("direct", text[s:e], (s, e), inherit, None, 0.4))
                        own = [added[-1]]
                        break
        spk = [q for q in own if q.speaker is not None]
        if own:
            last = max(own, key=lambda q: q.span[1])
            prev_speaker = last.speaker if last.speaker is not None else (
                spk[-1].speaker if spk and not any(q.cue and q.speaker is None for q in own)
                else None)
        else:
            prev_speaker = None
    if added:
        out = _without_overlaps(out + added, max_chars)
    return out


# words a title may leave lower-case ("The Art of the Deal", "Fox & Friends")
_TITLE_SMALL = frozenset({"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for",
                          "by", "with", "from", "&", "vs", "vs."})
# the most words of a quoted title (a show, book, film, song, ad or slogan)
_TITLE_WORDS = 6


def _is_title(text: str, q: Quote) -> bool:
    """A short quoted title — “Fox & Friends”, ‘Directly To White People’, a slogan — is no
    quote: two to six words (one word is as often an exclamation, "Quiet,"), every one
    capitalised (small words aside), nothing of a sentence in it (no comma or full stop
    inside the marks but a last one). Held-out tenth of train: 4 of 1,811 quotes dropped,
    content F1 −0.0003 (PolNeAR annotates a chanted slogan as content)."""
    # US style puts the sentence's comma or full stop inside the closing mark
    inner = text[q.span[0]:q.span[1]].strip("\"“”‘’'«»„ ").rstrip(",.")
    words = inner.split()
    if not 2 <= len(words) <= _TITLE_WORDS or q.text[:1] not in "\"“‘'«„":
        return False
    if any(ch in inner for ch in ",;:") or re.search(r"[.!](?=\s|$)", inner):
        return False
    return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _TITLE_SMALL
               or not w[:1].isalnum() for w in words) and any(w[:1].isupper() for w in words)


def _merge_continuations(text: str, quotes: list[Quote], max_chars: int) -> list[Quote]:
    """A direct quote continued by the next paragraph's quoted words alone (no cue of its
    own, the same speaker) is one quote with two parts, as PolNeAR annotates it
    ('“A,” Sanders said.⏎⏎“B.”': 72 such paragraphs merged, 27 apart in train) — unless
    a sentence of narration ends the first paragraph ('… Trump added. He then asked the
    crowd.⏎⏎“B?”': a quote never runs over the narrator's words)."""
    out: list[Quote] = []
    for q in quotes:
        prev = out[-1] if out else None
        if (prev is not None and prev.kind == "direct" and q.kind == "direct" and q.cue is None
                and q.speaker is not None and q.speaker == prev.speaker
                and text[prev.span[1]:q.span[0]].count("\n") >= 1
                and _next_paragraph(text, prev.span[1]) == q.span[0]
                and _sentences_in(text[prev.span[1]:q.span[0]]) <= 1
                and q.span[1] - prev.span[0] <= max_chars):
            s, e = prev.span[0], q.span[1]
            out[-1] = Quote("direct", text[s:e], (s, e), prev.speaker, prev.cue, prev.confidence)
            continue
        out.append(q)
    return out


def _next_paragraph(text: str, pos: int) -> int:
    """Where the paragraph after the one holding ``pos`` starts (-1 at the end)."""
    nl = text.find("\n", pos)
    if nl < 0:
        return -1
    while nl < len(text) and text[nl].isspace():
        nl += 1
    return nl


def _without_overlaps(quotes: list[Quote], max_chars: int) -> list[Quote]:
    """Sort by start and keep, of overlapping quotes, the earlier found (the CRF's)."""
    kept: list[Quote] = []
    for q in quotes:
        s, e = q.span
        if e - s > max_chars or s >= e:
            continue
        if any(s < k.span[1] and k.span[0] < e for k in kept):
            continue
        kept.append(q)
    return sorted(kept, key=lambda q: q.span)
