"""Event candidates from the parse and their marking for the model (no event model needed)."""
from __future__ import annotations

import pytest

from eventwire.events.encoding import MARKERS, mark
from eventwire.records import Actor


def test_mark_wraps_each_span_and_keeps_the_words():
    text = "Turkey condemned Greece on Monday."
    out = mark(text, (0, 6), (17, 23), (7, 16))
    assert out == ("[unused1] Turkey [unused2] [unused5] condemned [unused6] "
                   "[unused3] Greece [unused4] on Monday.")
    for m in MARKERS:
        out = out.replace(m, "")
    assert out.split() == text.split()


def test_mark_nests_a_span_inside_another():
    text = "the attack on Kyiv"
    out = mark(text, None, (14, 18), (4, 18))
    assert out == "the [unused5] attack on [unused3] Kyiv [unused4] [unused6]"
    assert mark(text, None, None, None) == text


def test_encode_keeps_the_markers_of_a_long_sentence():
    from eventwire.events.encoding import encode, load_tokenizer
    from eventwire.events.model import default_model_dir

    tok = load_tokenizer(str(default_model_dir() / "tokenizer.json"))
    filler = " ".join(["the committee discussed the budget at length"] * 20)
    text = f"{filler} Chile accused Peru of spying. {filler}"
    s = text.index("Chile")
    t = text.index("Peru")
    v = text.index("accused")
    enc = encode(tok, [mark(text, (s, s + 5), (t, t + 4), (v, v + 7))], max_len=64)[0]
    assert len(enc.ids) == 64
    pieces = [tok.id_to_token(i) for i in enc.ids]
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]"
    src, tgt, trig = enc.positions
    assert pieces[src] == "[unused1]" and pieces[tgt] == "[unused3]"
    assert pieces[trig] == "[unused5]"
    assert "chile" in pieces[src:src + 3]


@pytest.fixture(scope="module")
def nlp():
    from eventwire.nlp import load_pipeline

    return load_pipeline("auto")


def _actors(text, names: dict[str, str]):
    out = []
    for k, (name, kind) in enumerate(names.items(), 1):
        start = text.index(name)
        out.append(Actor(f"a{k}", name, kind, None, (), None, ((start, start + len(name)),)))
    return out


def _cands(nlp, text, names):
    from eventwire.events.candidates import doc_candidates

    doc = nlp(text)
    return [(c.trigger.text,
             text[c.source[0]:c.source[1]] if c.source else None,
             text[c.target[0]:c.target[1]] if c.target else None)
            for c in doc_candidates(doc, _actors(text, names))]


@pytest.mark.model
def test_agent_is_source_and_patient_is_target(nlp):
    got = _cands(nlp, "Chile accused Peru of spying.", {"Chile": "country", "Peru": "country"})
    assert ("accused", "Chile", "Peru") in got


@pytest.mark.model
def test_passive_agent_is_the_source(nlp):
    got = _cands(nlp, "Mali was attacked by Niger.", {"Mali": "country", "Niger": "country"})
    assert ("attacked", "Niger", "Mali") in got


@pytest.mark.model
def test_a_thing_or_a_time_is_never_a_side(nlp):
    got = _cands(nlp, "Chile rejected the proposal on Tuesday.", {"Chile": "country"})
    assert got == [("rejected", "Chile", None)]


@pytest.mark.model
def test_an_oblique_actor_is_the_target(nlp):
    got = _cands(nlp, "Japan imposed sanctions on Iran.", {"Japan": "country", "Iran": "country"})
    assert ("imposed", "Japan", "Iran") in got


@pytest.mark.model
def test_a_place_named_as_a_place_is_no_side(nlp):
    got = _cands(nlp, "The envoy met Kenya's president in Nairobi.",
                 {"Kenya": "country", "Nairobi": "location"})
    assert all("Nairobi" not in (s or "") + (t or "") for _, s, t in got)


@pytest.mark.model
def test_no_candidate_without_an_actor(nlp):
    assert _cands(nlp, "The weather improved on Tuesday.", {}) == []


@pytest.mark.model
def test_light_verbs_are_no_predicates(nlp):
    got = _cands(nlp, "Chile is a member of the group.", {"Chile": "country"})
    assert not [c for c in got if c[0] == "is"]


@pytest.mark.model
def test_event_noun_between_two_actors(nlp):
    got = _cands(nlp, "Talks between Laos and Cambodia resumed.",
                 {"Laos": "country", "Cambodia": "country"})
    assert ("Talks", "Laos", "Cambodia") in got


@pytest.mark.model
def test_reported_act_is_the_speakers(nlp):
    """"X said Y lied": the speaker is the source of what the reported clause says of Y."""
    from eventwire.events.candidates import doc_candidates

    text = "Warren said Stumpf lied to Congress."
    doc = nlp(text)
    cands = doc_candidates(doc, _actors(text, {"Warren": "person", "Stumpf": "person",
                                              "Congress": "organization"}))
    reported = [c for c in cands if c.reported]
    assert len(reported) == 1
    c = reported[0]
    assert (c.trigger.text, text[slice(*c.source)], text[slice(*c.target)]) == \
        ("lied", "Warren", "Stumpf")


@pytest.mark.model
def test_trigger_between_given_sides(nlp):
    from eventwire.events.candidates import trigger_between

    text = "Iranian Foreign Minister Zarif has condemned a U.S. court decision."
    doc = nlp(text)
    s = (0, text.index(" has"))
    t = (text.index("a U.S."), len(text) - 1)
    trig = trigger_between(doc, s, t)
    assert text[trig[0]:trig[1]] == "condemned"
    text = "Warren said Stumpf lied to Congress."
    doc = nlp(text)
    trig = trigger_between(doc, (0, 6), (12, 18))
    assert text[trig[0]:trig[1]] == "lied"
