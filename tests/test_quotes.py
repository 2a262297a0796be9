"""Quotes: quotation-mark rules (fast) and the whole stage on hand-written sentences (model)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from eventwire.quotes.marks import find_marked_quotes, quote_mask
from eventwire.records import CleanArticle, content_id
from eventwire.settings import Settings


# ------------------------------------------------------------------ marks (no model needed)

def _texts(text):
    return [text[q.span[0]:q.span[1]] for q in find_marked_quotes(text)]


def test_marks_straight_and_curly():
    assert _texts('He said "we won" and “they lost.”') == ['"we won"', "“they lost.”"]


def test_marks_multi_paragraph_convention():
    text = "She said: “First part.\n\n“Second part.”\n\nNext story."
    (q,) = find_marked_quotes(text)
    assert text[q.span[0]:q.span[1]] == "“First part.\n\n“Second part.”"
    assert len(q.pieces) == 2


def test_marks_unbalanced_and_nested():
    assert _texts("He said “this never ends.\nNew paragraph “ok ‘inner’ done.”") == [
        "“ok ‘inner’ done.”"]
    assert _texts('A 5" screen, then "x" ') == ['"x"']
    assert _texts("") == []


def test_marks_mask():
    text = 'a "bc" d'
    mask = quote_mask(text, find_marked_quotes(text))
    assert list(mask) == [0, 0, 2, 1, 1, 2, 0, 0]


@given(st.lists(st.sampled_from(["word", " ", "\n", "\n\n", '"', "“", "”", "‘", "’", ",", "."]),
                max_size=60))
def test_marks_property(parts):
    text = "".join(parts)
    qs = find_marked_quotes(text)
    last = 0
    for q in qs:
        assert 0 <= q.span[0] < q.span[1] <= len(text)
        assert q.span[0] >= last
        last = q.span[1]


# ------------------------------------------------------------------ the stage (model)

def _run(text: str):
    from eventwire.actors import resolve_actors
    from eventwire.nlp import get_nlp
    from eventwire.quotes import attribute_quotes

    settings = Settings()
    doc = get_nlp(settings)(text)
    article = CleanArticle(id=content_id(text), source="test", text=text)
    actors = resolve_actors(doc, article)
    from eventwire.pipeline import components

    quotes = attribute_quotes(doc, article, actors, settings, components(settings).quote_tagger)
    for q in quotes:
        assert q.text == text[q.span[0]:q.span[1]]
        if q.speaker:
            assert 0 <= q.speaker.span[0] < q.speaker.span[1] <= len(text)
        if q.cue:
            assert q.cue.text == text[q.cue.span[0]:q.cue.span[1]]
    for a, b in zip(quotes, quotes[1:]):
        assert a.span[1] <= b.span[0]
    return quotes, actors


def _one(text: str, containing: str):
    quotes, actors = _run(text)
    hits = [q for q in quotes if containing in q.text]
    assert len(hits) == 1, [q.text for q in quotes]
    return hits[0], actors


@pytest.mark.model
def test_direct_straight_marks():
    q, _ = _one('"We will rebuild the bridge before winter," Mayor Ann Lee said on Monday.',
                "rebuild the bridge")
    assert q.kind == "direct"
    assert q.speaker and "Lee" in q.speaker.name
    assert q.cue and q.cue.text == "said"


@pytest.mark.model
def test_direct_curly_marks():
    q, _ = _one("“The talks were useful and frank,” Foreign Minister Jean Dupont told reporters.",
                "useful and frank")
    assert q.kind == "direct"
    assert q.speaker and "Dupont" in q.speaker.name


@pytest.mark.model
def test_multi_paragraph_quote_is_one_quote():
    text = ("Senator Maria Gomez said: “The first part of the plan is ready and funded.\n\n"
            "“The second part comes next year, and we will pay for it in full.”\n\n"
            "The vote is on Friday.")
    quotes, _ = _run(text)
    first = [q for q in quotes if "first part" in q.text]
    assert len(first) == 1 and "second part" in first[0].text
    assert first[0].kind == "direct"
    assert first[0].speaker and "Gomez" in first[0].speaker.name


@pytest.mark.model
@pytest.mark.parametrize("text, first, second, speaker", [
    ("“We are ready to sign the agreement,” the foreign minister said, "
     "“and we will not wait any longer for the other side.”",
     "ready to sign", "will not wait", "minister"),
    # a long attribution between the parts: still one quote, as PolNeAR annotates it
    ("“His legend will live on in this city,” said Dino Spencer, who now runs the gym "
     "where the young boxer trained for years before his first title. "
     "“His stories will live on here, and his example too.”",
     "legend will live on", "His stories", "Spencer"),
])
def test_split_quote_is_one_quote(text, first, second, speaker):
    q, _ = _one(text, first)
    assert second in q.text and q.kind == "direct" and len(q.parts) == 2
    assert q.speaker and speaker in q.speaker.name
    assert q.cue and q.cue.text == "said"


def test_content_cut_inside_a_quote_is_extended_to_its_opening_mark():
    from eventwire.quotes import _snap
    from eventwire.quotes.marks import find_marked_quotes

    text = ('"The contract is signed. Ghana will not step back from it," Osei told reporters '
            'in Accra. "We chose this partner, and we are not going to send it back."')
    marked = find_marked_quotes(text, 5_000)
    tail = (text.index("Ghana will"), len(text))          # the tagger's content
    assert _snap(tail, marked) == (0, len(text))
    inner = (text.index("Ghana will"), text.index(' Osei') - 2)   # inside one quote only
    assert _snap(inner, marked)[0] in (0, inner[0])


@pytest.mark.model
def test_unbalanced_marks_do_not_break():
    quotes, _ = _run('The governor said "the budget will pass this week.\n\n'
                     "Lawmakers said they would vote against it on Thursday.")
    assert any("vote against it" in q.text for q in quotes)


@pytest.mark.model
def test_colon_introduced_quote():
    q, _ = _one("The president said: “Our country will stand firm against any threat.”",
                "stand firm")
    assert q.kind == "direct"
    assert q.speaker and q.speaker.name.lower().endswith("president")


@pytest.mark.model
def test_nested_quote_stays_inside_outer():
    text = "“He told me ‘never again’ and I believed him completely,” said Ahmed Saleh."
    q, _ = _one(text, "never again")
    assert "believed him" in q.text and q.kind == "direct"
    assert q.speaker and "Saleh" in q.speaker.name


@pytest.mark.model
@pytest.mark.parametrize("text, content, speaker, cue", [
    ("Ibrahim Kalin said Turkey would not accept the new proposal from Brussels.",
     "Turkey would not accept", "Kalin", "said"),
    ("The defence minister told reporters that the border would stay closed until March.",
     "border would stay closed", "minister", "told"),
    ("The United Nations urged both sides to stop the fighting around the city.",
     "stop the fighting", "United Nations", "urged"),
    ("The army lost three tanks near the river last week, according to the Defence Ministry.",
     "army lost three tanks", "Defence Ministry", "according"),
    ("The foreign ministry said in a statement that talks with Iran would resume next week.",
     "talks with Iran would resume", "ministry", "said"),
])
def test_indirect_quotes(text, content, speaker, cue):
    q, _ = _one(text, content)
    assert q.kind == "indirect"
    assert cue not in q.text.lower() and speaker.lower() not in q.text.lower()
    assert q.speaker and speaker.lower() in q.speaker.name.lower()
    assert q.cue and q.cue.text.lower().startswith(cue)


@pytest.mark.model
def test_mixed_quote():
    q, _ = _one("Lee said the plan was “a disaster for everyone in the city” and must be dropped.",
                "disaster for everyone")
    assert q.kind == "mixed"
    assert q.speaker and "Lee" in q.speaker.name


@pytest.mark.model
def test_pronoun_speaker_resolves_to_named_actor():
    text = ("Ibrahim Kalin, the spokesman for the Turkish president, spoke in Ankara on Tuesday. "
            "He said Turkey would not accept the new proposal from Brussels.")
    q, actors = _one(text, "would not accept")
    assert q.speaker is not None and q.speaker.span == (text.index("He said"), text.index("He said") + 2)
    kalin = [a for a in actors if a.name == "Ibrahim Kalin"]
    if not kalin or not any(m == q.speaker.span for m in kalin[0].mentions):
        pytest.xfail("actors' coreference does not yet give 'He' as a mention of Ibrahim Kalin")
    assert q.speaker.actor == kalin[0].id and q.speaker.name == "Ibrahim Kalin"


@pytest.mark.model
def test_no_speaker_gives_none():
    q, _ = _one("It was reported that the factory in the north would close next year.",
                "factory in the north")
    assert q.speaker is None


@pytest.mark.model
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["The minister", " said", " told reporters", " that", " we",
                                 " will", " win", ",", ".", " ", "\n\n", '"', "“", "”", "‘",
                                 "’", ":", " according to", " Smith"]), max_size=40))
def test_stage_property_random_marks(parts):
    _run("".join(parts))


@pytest.mark.model
def test_rules_alone_when_weights_are_missing():
    from eventwire.actors import resolve_actors
    from eventwire.nlp import get_nlp
    from eventwire.quotes import attribute_quotes

    text = ("Ibrahim Kalin said Turkey would not accept the new proposal. "
            "“We will decide alone,” he told reporters. "
            "The army lost three tanks, according to the Defence Ministry.")
    settings = Settings()
    doc = get_nlp(settings)(text)
    article = CleanArticle(id=content_id(text), source="test", text=text)
    quotes = attribute_quotes(doc, article, resolve_actors(doc, article), settings, None)
    by_text = {q.text: q for q in quotes}
    assert "Turkey would not accept the new proposal" in by_text
    assert by_text["Turkey would not accept the new proposal"].speaker.name == "Ibrahim Kalin"
    assert by_text["“We will decide alone,”"].kind == "direct"
    assert any(q.text == "The army lost three tanks" and q.speaker
               and "Defence Ministry" in q.speaker.name and q.cue.text == "according to"
               for q in quotes)


# ------------------------------------------------- continuation paragraphs (no model needed)

def _q(text: str, part: str, speaker=None, cue=None):
    from eventwire.records import Cue, Quote, Speaker

    s = text.index(part)
    spk = Speaker(None, speaker, (text.index(speaker), text.index(speaker) + len(speaker))) \
        if speaker else None
    cue_rec = Cue(cue, (text.index(cue), text.index(cue) + len(cue))) if cue else None
    return Quote("direct", part, (s, s + len(part)), spk, cue_rec, 0.5)


def test_continuation_paragraph_inherits_speaker():
    from eventwire.quotes import _continuations

    text = ("“We will build it,” Mayor Ruiz said on Monday.\n\n"
            "“The money is there and the plans are ready.”\n\n"
            "The council voted against the plan.")
    first = _q(text, "“We will build it,”", "Mayor Ruiz", "said")
    second = _q(text, "“The money is there and the plans are ready.”")
    out = _continuations(text, find_marked_quotes(text), {"say": 1.0}, [first, second], 2000)
    assert out[1].speaker == first.speaker and out[1].cue is None


def test_continuation_paragraph_with_own_cue_or_after_narration_keeps_none():
    from eventwire.quotes import _continuations

    cues = {"said": 1.0}  # without a parse the words are looked up as written
    text = ("“We will build it,” Mayor Ruiz said.\n\n"
            "“The money is there and the plans are ready,” an aide said.")
    first = _q(text, "“We will build it,”", "Mayor Ruiz", "said")
    second = _q(text, "“The money is there and the plans are ready,”")
    out = _continuations(text, find_marked_quotes(text), cues, [first, second], 2000)
    assert out[1].speaker is None  # the paragraph names its own speaker

    text = ("“We will build it,” Mayor Ruiz said.\n\nThe council met later.\n\n"
            "“The money is there and the plans are ready.”")
    first = _q(text, "“We will build it,”", "Mayor Ruiz", "said")
    second = _q(text, "“The money is there and the plans are ready.”")
    out = _continuations(text, find_marked_quotes(text), cues, [first, second], 2000)
    assert out[1].speaker is None  # a narration paragraph breaks the chain


def test_continuation_paragraph_marked_but_untagged_becomes_quote():
    from eventwire.quotes import _continuations

    text = ("“We will build it,” Mayor Ruiz said.\n\n"
            "“The money is there and the plans are ready.”")
    first = _q(text, "“We will build it,”", "Mayor Ruiz", "said")
    out = _continuations(text, find_marked_quotes(text), {"say": 1.0}, [first], 2000)
    assert [q.text for q in out] == ["“We will build it,”",
                                     "“The money is there and the plans are ready.”"]
    assert out[1].speaker == first.speaker and out[1].kind == "direct"


@pytest.mark.model
def test_continuation_paragraph_speaker_end_to_end():
    text = ("“We will build the bridge before winter,” Mayor Ana Ruiz said on Monday.\n\n"
            "“The money is there, the plans are ready and the workers are waiting for us.”\n")
    quotes, _ = _run(text)
    hits = [q for q in quotes if "workers are waiting" in q.text]
    assert len(hits) == 1 and hits[0].speaker is not None
    assert "Ruiz" in hits[0].speaker.name


# ------------------------------------------------- decoding repairs on tagged spans (model)

def _parsed(text: str):
    from eventwire.nlp import get_nlp

    doc = get_nlp(Settings())(text)
    mask = quote_mask(text, find_marked_quotes(text))
    return doc, [bool(mask[t.idx]) for t in doc]


@pytest.mark.model
def test_unquoted_content_ends_with_its_sentence():
    from eventwire.quotes.tagger import _cut_at_sentences

    text = 'He said the plant would close. Workers were sent home on Friday. "It is over. We go."'
    doc, inq = _parsed(text)
    a = [t.i for t in doc if t.text == "the"][0]
    b = [t.i for t in doc if t.text == "Friday"][0] + 2
    ((s, e),) = _cut_at_sentences(doc, a, b, inq)
    assert doc[s:e].text == "the plant would close."
    q0 = [t.i for t in doc if t.text == '"'][0]
    assert _cut_at_sentences(doc, q0, len(doc), inq) == [(q0, len(doc))]  # quoted: kept whole


@pytest.mark.model
@pytest.mark.parametrize("text, first, contents, cue", [
    ("Sanders insists that he will fight on and refuses to answer questions about it.", "that",
     ["that he will fight on", "to answer questions about it"], "refuses"),
    # a quote never spans two attributions: a cue participle after a comma starts another
    ("Obama called the agreement a historic step for the planet, applauding the leadership "
     "of the negotiators.", "the",
     ["the agreement a historic step for the planet", "the leadership of the negotiators"],
     "applauding"),
])
def test_content_over_coordinated_cue_verb_is_split(text, first, contents, cue):
    from eventwire.quotes.cues import load_cues
    from eventwire.quotes.tagger import _split_coordinated

    doc, inq = _parsed(text)
    rates = [load_cues().get(t.lemma_.lower(), 0.0) for t in doc]
    a = [t.i for t in doc if t.text == first][0]
    conts, cues = _split_coordinated(doc, [(a, len(doc) - 1)], inq, rates)
    assert [doc[s:e].text for s, e in conts] == contents
    assert [doc[s:e].text for s, e in cues] == [cue]


@pytest.mark.model
@pytest.mark.parametrize("text, content, speaker", [
    ("The two governments plan to reopen the border crossing next month, officials in Vienna said.",
     "The two governments plan to reopen the border crossing next month", "officials"),
    ("The union wants a pay rise of six percent before the summer, union leader Maria Costa said.",
     "The union wants a pay rise of six percent before the summer", "Costa"),
])
def test_intention_reported_by_a_speaker_is_the_speakers_quote(text, content, speaker):
    q, _ = _one(text, "border crossing" if "border" in text else "pay rise")
    assert q.text == content
    assert q.cue and q.cue.text == "said"
    assert q.speaker and speaker.lower() in q.speaker.name.lower()


def test_content_opening_a_datelined_paragraph_starts_after_the_dateline():
    from eventwire.quotes import _after_dateline
    from eventwire.records import Cue, Quote

    text = ("Headline\nVIENNA (Eventwire) - The border will stay closed until March, "
            "Interior Minister Karl Huber said.")
    start, cue = text.index("VIENNA"), text.index("said")
    q = Quote("indirect", text[start:text.index(",")], (start, text.index(",")), None,
              Cue("said", (cue, cue + 4)), 0.5)
    moved = _after_dateline(text, [], q)
    assert moved.text == "The border will stay closed until March"
    assert moved.text == text[moved.span[0]:moved.span[1]] and moved.cue == q.cue
    inner = Quote("indirect", "border", (text.index("border"), text.index("border") + 6), None,
                  None, 0.5)
    assert _after_dateline(text, [], inner) is inner  # not at a line start: unchanged


def test_dateline_end_needs_a_dateline_at_a_line_start():
    from eventwire.layout import dateline_end

    text = "ANKARA, Feb 5 (Reuters) - Turkey said no.\nIn TOKYO - not a dateline."
    assert text[dateline_end(text, 0):].startswith("Turkey said")
    assert dateline_end(text, 5) is None
    assert dateline_end(text, text.index("In TOKYO")) is None


@pytest.mark.model
def test_relative_pronoun_speaker_stands_for_its_antecedent():
    text = "Israel, which opposes the deal, said it would not be bound by any agreement."
    quotes, actors = _run(text)
    by_rel = [q for q in quotes if q.speaker and text[q.speaker.span[0]:q.speaker.span[1]] == "which"]
    assert by_rel, [(q.text, q.speaker) for q in quotes]
    israel = [a for a in actors if a.name == "Israel"]
    assert israel, [a.name for a in actors]
    assert by_rel[0].speaker.actor == israel[0].id and by_rel[0].speaker.name == "Israel"


def test_content_holding_its_own_attribution_is_cut_to_the_quoted_side():
    from eventwire.quotes import _clear_of_attribution, _kind
    from eventwire.quotes.marks import find_marked_quotes
    from eventwire.records import Cue, Quote, Speaker

    text = '"We will hold them to account," the bloc\'s chief told reporters.'
    marked = find_marked_quotes(text)
    who, cue = text.index("the bloc"), text.index("told")
    q = Quote("mixed", text[:-1], (0, len(text) - 1),
              Speaker(None, "the bloc's chief", (who, cue - 1)), Cue("told", (cue, cue + 4)), 0.8)
    cut = _clear_of_attribution(text, marked, q)
    assert cut.text == '"We will hold them to account,"' and cut.kind == "direct"
    assert cut.speaker == q.speaker and cut.cue == q.cue
    # a split quote keeps its whole span: its attribution sits between two quoted parts
    split = 'X. "We stay," the chief told reporters after the meeting. "We go."'
    marked = find_marked_quotes(split)
    who, cue = split.index("the chief"), split.index("told")
    q = Quote("mixed", split[3:], (3, len(split)), Speaker(None, "the chief", (who, cue - 1)),
              Cue("told", (cue, cue + 4)), 0.8)
    assert _clear_of_attribution(split, marked, q) is q
    assert _kind(split, q.span, marked) == "direct"  # a ten-word attribution between parts


@pytest.mark.model
def test_cue_verb_coordinated_into_a_reported_clause_is_the_reporters():
    text = ("Foreign Minister Andrius Petrauskas said the sanctions were overdue and called on "
            "the bloc to target potash exports.")
    quotes, _ = _run(text)
    called = [q for q in quotes if q.cue and q.cue.text == "called"]
    assert called and called[0].speaker and "Petrauskas" in called[0].speaker.name


# ------------------------------------------- the speaker is the head of the source phrase

@pytest.mark.model
@pytest.mark.parametrize("text, content, head, not_speaker", [
    ("John Smith, a senior fellow at the Brookings Institution, said the plan would fail badly.",
     "plan would fail", "John Smith", "Brookings"),
    ("The plan would fail badly, said John Smith, chairman of the Senate Budget Committee.",
     "plan would fail", "John Smith", "Committee"),
    ("A spokeswoman for the State Department, Jane Doe, said the talks would resume next week.",
     "talks would resume", "Jane Doe", "State Department"),
    ("Trump's campaign manager, Kellyanne Conway, told reporters the polls were wrong.",
     "polls were wrong", "Kellyanne Conway", "Trump"),
    ("Senator Jane Doe of Ohio said the bill was dead in the Senate.",
     "bill was dead", "Jane Doe", "Ohio"),
    ("Clinton's aides said the speech would go ahead on Monday.",
     "speech would go", "aides", "Clinton"),
    ("“The economy is slowing,” said Anna Berg, an economist at Nordea Bank in Oslo.",
     "economy is slowing", "Anna Berg", "Nordea"),
])
def test_speaker_is_the_head_of_the_source_phrase(text, content, head, not_speaker):
    q, actors = _one(text, content)
    assert q.speaker is not None
    said = text[q.speaker.span[0]:q.speaker.span[1]]
    assert said.endswith(head) and not_speaker not in said, said
    assert not_speaker not in q.speaker.name
    if q.speaker.actor is not None:
        (actor,) = [a for a in actors if a.id == q.speaker.actor]
        assert not_speaker not in actor.name


@pytest.mark.model
def test_source_head_on_parsed_phrases():
    from eventwire.nlp import get_nlp
    from eventwire.quotes.syntax import source_head

    doc = get_nlp(Settings())("The Pentagon's top spokesman said the strike was lawful.")
    assert doc[slice(*source_head(doc, 0, 5))].text == "top spokesman"
    doc = get_nlp(Settings())("He said so.")
    assert source_head(doc, 0, 1) == (0, 1)  # a pronoun is its own head


# ---------------------------------------------------- kinds of attribution that are not speech

@pytest.mark.model
@pytest.mark.parametrize("text, content, kind", [
    ("Most economists believe the recession will end next year.", "recession will end", "belief"),
    ("A new poll shows Clinton leading Trump by four points in Ohio.", "four points", "evidence"),
    ("The study found that the vaccine cut infections by half.", "vaccine cut", "evidence"),
    ("Turnout fell sharply in the north, according to a report by the election commission.",
     "Turnout fell", "evidence"),
    ("The lawsuit alleges that the company hid the defects for years.", "hid the defects",
     "document"),
    ("The minister said the border would stay closed until March.", "border would stay",
     "indirect"),
])
def test_attribution_kinds(text, content, kind):
    q, _ = _one(text, content)
    assert q.kind == kind


def test_attribution_kind_lexicon_reads_its_roles():
    from eventwire.quotes.cues import load_attribution_kinds

    table = load_attribution_kinds()
    assert table["cue"]["believe"] == "belief" and table["cue"]["show"] == "evidence"
    assert table["source"]["poll"] == "evidence" and table["source"]["lawsuit"] == "document"
    assert set(table["cue"].values()) | set(table["source"].values()) == {
        "belief", "evidence", "document"}


@pytest.mark.parametrize("quoted, title", [
    ("“Fox & Friends,”", True), ("‘Directly To White People’", True),
    ("“The Art of the Deal.”", True), ("“We will not back down,”", False),
    ("\"Quiet,\"", False), ("“A disaster, Frankly.”", False),
])
def test_short_quoted_titles_are_not_quotes(quoted, title):
    from eventwire.quotes import _is_title
    from eventwire.records import Quote

    text = f"He appeared on {quoted} on Monday."
    s = text.index(quoted)
    q = Quote("direct", quoted, (s, s + len(quoted)))
    assert _is_title(text, q) is title


def test_a_continuation_paragraph_joins_the_quote_it_continues():
    from eventwire.quotes import _merge_continuations
    from eventwire.records import Cue, Quote, Speaker

    text = "“We will build it,” Ruiz said.\n\n“The money is there.”\n\nThe council met."
    who = Speaker(None, "Ruiz", (text.index("Ruiz"), text.index("Ruiz") + 4))
    first = Quote("direct", "“We will build it,”", (0, text.index(" Ruiz")), who,
                  Cue("said", (text.index("said"), text.index("said") + 4)))
    s = text.index("“The money")
    second = Quote("direct", "“The money is there.”", (s, s + 21), who)
    (one,) = _merge_continuations(text, [first, second], 5000)
    assert one.span == (0, s + 21) and one.speaker == who and one.cue == first.cue
    other = Quote("direct", second.text, second.span, Speaker(None, "Lee", (0, 1)))
    assert len(_merge_continuations(text, [first, other], 5000)) == 2


@pytest.mark.model
def test_quote_signed_with_a_dash_and_a_name():
    text = ("Readers wrote to us after the debate.\n"
            "“He is ignorant of our culture and our lives, and he does not care.”― Pamela Padilla\u00a0\n"
            "“Maybe we can build a wall around him instead of the border.” — Steve Quinlan.\n")
    quotes, _ = _run(text)
    by = {q.text[:10]: q for q in quotes}
    assert by["“He is ign"].speaker and by["“He is ign"].speaker.name == "Pamela Padilla"
    assert by["“Maybe we "].speaker and by["“Maybe we "].speaker.name == "Steve Quinlan"


@pytest.mark.model
def test_reported_content_ends_before_a_trailing_relative_clause():
    from eventwire.quotes import _without_trailing_aside
    from eventwire.records import Quote

    text = ("She has no illusions about Putin's threat to the Baltic countries, whose leaders "
            "privately despair over the talks.")
    doc, _ = _parsed(text)
    s = text.index("Putin")
    q = Quote("indirect", text[s:-1], (s, len(text) - 1))
    cut = _without_trailing_aside(doc, text, [], q)
    assert cut.text == "Putin's threat to the Baltic countries"
    direct = Quote("direct", q.text, q.span)
    assert _without_trailing_aside(doc, text, [], direct) is direct
