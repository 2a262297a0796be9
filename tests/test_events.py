"""Event coding: codebook tables, pattern families, sides, modality, dates, no-event.

All sentences are hand-written for these tests (none come from PLV)."""
from __future__ import annotations

import datetime as dt

import pytest

from eventwire.events.codebook import (PLV_LABELS, cameo_entry, cameo_table, default_cameo,
                                       goldstein, plover_table, plv_label, quad_class)
from eventwire.records import Actor, CleanArticle, DateRef, Quote, Speaker


# ---------- tables (no model) ----------

def test_cameo_table_is_complete_and_matches_codebook_roots():
    t = cameo_table()
    assert len(t) > 280
    roots = {"01": 0.0, "02": 3.0, "03": 4.0, "04": 1.0, "05": 3.5, "06": 6.0, "07": 7.0,
             "08": 5.0, "09": -2.0, "10": -5.0, "11": -2.0, "12": -4.0, "13": -6.0,
             "14": -6.5, "15": -7.2, "16": -4.0, "17": -7.0, "18": -9.0, "19": -10.0,
             "20": -10.0}
    for root, g in roots.items():
        assert goldstein(root) == g
    assert goldstein("0874") == 10.0 and goldstein("163") == -8.0
    assert cameo_entry("1953").code == "195"  # unknown sub-code falls back to its parent


def test_quad_class_and_plover_mapping():
    assert [quad_class(c) for c in ("03", "057", "08", "0871", "112", "13", "14", "195")] == \
        [1, 1, 2, 2, 3, 3, 4, 4]
    for t in plover_table().values():
        if t.name != "REQUEST":
            assert quad_class(t.default_cameo) == t.quad_class
    # a REQUEST with no finer pattern is an appeal (CAMEO 020, verbal cooperation, +3.0),
    # not a demand (10, verbal conflict, -5.0): appeals are the commoner in news
    assert default_cameo("REQUEST") == "020" and quad_class("020") == 1
    assert quad_class("100") == 3 and goldstein("100") < 0 < goldstein("020")
    assert plv_label("CONCEDE") == plv_label("RETREAT") == "YIELD"
    assert {plv_label(t) for t in plover_table()} == set(PLV_LABELS)
    assert default_cameo("ACCUSE") == "11"
    assert default_cameo("SANCTION") == "16" and default_cameo("ASSAULT") == "18"


def test_historical_is_before_publication_week():
    from eventwire.events.modality import _before_week

    pub = dt.date(2021, 2, 5)  # a Friday; its week starts Monday 2021-02-01
    assert _before_week("2021-01-20", pub)
    assert _before_week("2020", pub)
    assert not _before_week("2021-02-02", pub)
    assert not _before_week("2021-02", pub)
    assert not _before_week(None, pub)


# ---------- coding with the spaCy parse ----------

@pytest.fixture(scope="module")
def nlp():
    from eventwire.nlp import load_pipeline

    return load_pipeline("auto")


def _actors(text, names, country=None):
    out = []
    for k, (name, cc) in enumerate(names.items(), 1):
        mentions = []
        start = text.find(name)
        while start >= 0:
            mentions.append((start, start + len(name)))
            start = text.find(name, start + 1)
        out.append(Actor(f"a{k}", name, "country", cc, ("GOV",), None, tuple(mentions)))
    return out


def _coder():
    from eventwire.pipeline import components
    from eventwire.settings import Settings

    return components(Settings()).event_coder


def _code(nlp, text, names, dates=(), quotes=(), published=dt.date(2021, 2, 5)):
    from eventwire.events import code_events

    doc = nlp(text)
    art = CleanArticle(id="x", source="t", text=text, published=published)
    return code_events(doc, art, _actors(text, names), list(dates), list(quotes), _coder())


def _counted(events):
    """Events as exports count them: neither negated nor hypothetical."""
    return [e for e in events if not (e.modality.negated or e.modality.hypothetical)]


def _one(events, plover):
    found = [e for e in events if e.plover == plover]
    assert found, [(e.plover, e.trigger.text) for e in events]
    return found[0]


# Known misses of the shipped event model on hand-written sentences (strict: a model that
# gets one right fails the test, so the mark is taken off).
_MISS = "the shipped event model says NONE for this act (known miss; see README Accuracy)"

FAMILIES = [
    ("Canada urged Norway to reopen the border crossing.", "REQUEST", "020", "Canada", "Norway"),
    ("Canada demanded that Norway reopen the border crossing.", "REQUEST", "100", "Canada", "Norway"),
    ("Chile rejected the proposal from Peru.", "REJECT", "12", "Chile", None),
    ("Kenya refused to extradite the suspect to Uganda.", "REJECT", "12", "Kenya", None),
    ("Brazil accused Argentina of dumping cheap steel.", "ACCUSE", "112", "Brazil", "Argentina"),
    ("Sweden criticized Denmark over the new toll.", "ACCUSE", "111", "Sweden", "Denmark"),
    ("Ghana met Togo in Accra on trade.", "CONSULT", "04", "Ghana", "Togo"),
    ("Egypt agreed to share flood data with Sudan.", "AGREE", "03", "Egypt", "Sudan"),
    ("Serbia threatened Kosovo with sanctions.", "THREATEN", "1312", "Serbia", "Kosovo"),
    pytest.param("Armenia shelled positions held by Azerbaijan.", "ASSAULT", "194", "Armenia",
                 None, marks=pytest.mark.xfail(strict=True, reason=_MISS)),
    pytest.param("Britain cut diplomatic ties with Belarus.", "SANCTION", "161", "Britain",
                 "Belarus", marks=pytest.mark.xfail(strict=True, reason=_MISS)),
    ("Turkey arrested two journalists from Greece.", "COERCE", "173", "Turkey", None),
    ("Japan donated vaccines to Vietnam.", "AID", "071", "Japan", "Vietnam"),
    ("Iran released the sailors from Bahrain.", "CONCEDE", "0841", "Iran", None),
    ("Russia withdrew its troops from Georgia.", "RETREAT", "087", "Russia", "Georgia"),
]


@pytest.mark.model
@pytest.mark.parametrize("text,plover,cameo,source,target", FAMILIES)
def test_rule_families(nlp, text, plover, cameo, source, target):
    names = {n: None for n in (source, target) if n}
    events = _code(nlp, text, names)
    e = _one(events, plover)
    assert e.cameo == cameo
    assert e.goldstein == goldstein(cameo)
    assert e.quad_class == quad_class(cameo)
    assert e.source is not None and e.source.name == source
    if target:
        assert e.target is not None and e.target.name == target
    assert e.sentence == text[e.span[0]:e.span[1]]
    assert text[e.trigger.span[0]:e.trigger.span[1]] == e.trigger.text


@pytest.mark.model
def test_sides_carry_actor_country_and_sectors(nlp):
    text = "Canada urged Norway to reopen the border."
    from eventwire.events import code_events

    doc = nlp(text)
    actors = [Actor("a1", "Canada", "country", "CAN", ("GOV",), None, ((0, 6),)),
              Actor("a2", "Norway", "country", "NOR", ("GOV",), None, ((13, 19),))]
    e = _one(code_events(doc, CleanArticle("x", "t", text), actors, [], [], _coder()), "REQUEST")
    assert (e.source.actor, e.source.country, e.source.sectors) == ("a1", "CAN", ("GOV",))
    assert (e.target.actor, e.target.country) == ("a2", "NOR")


@pytest.mark.model
def test_passive_sides(nlp):
    e = _one(_code(nlp, "Mali was attacked by Niger on Monday.", {"Mali": None, "Niger": None}),
             "ASSAULT")
    assert e.source.name == "Niger" and e.target.name == "Mali"


@pytest.mark.model
def test_symmetric_talks_and_joint_subject(nlp):
    e = _one(_code(nlp, "Talks between Laos and Cambodia resumed in Hanoi.",
                   {"Laos": None, "Cambodia": None}), "CONSULT")
    assert {e.source.name, e.target.name} == {"Laos", "Cambodia"}
    e = _one(_code(nlp, "Fiji and Tonga agreed to share fishing data.",
                   {"Fiji": None, "Tonga": None}), "AGREE")
    assert {e.source.name, e.target.name} == {"Fiji", "Tonga"}


@pytest.mark.model
def test_modality_negated_hypothetical_future(nlp):
    e = _code(nlp, "Peru did not invade Bolivia.", {"Peru": None, "Bolivia": None})[0]
    # the model may type a negated attack as the refusal it reads (REJECT): either way
    # the event is flagged negated and is not counted
    assert e.plover in {"ASSAULT", "REJECT"} and e.modality.negated and not e.modality.future
    e = _code(nlp, "Peru will invade Bolivia if the vote fails.",
              {"Peru": None, "Bolivia": None})[0]
    assert e.trigger.text == "invade" and e.plover in {"ASSAULT", "MOBILIZE", "THREATEN"}
    assert e.modality.future and e.modality.hypothetical and not e.modality.negated
    e = _one(_code(nlp, "Peru no longer supports Bolivia.", {"Peru": None, "Bolivia": None}),
             "SUPPORT")
    assert e.modality.negated
    e = _one(_code(nlp, "Peru plans to meet Bolivia next week.",
                   {"Peru": None, "Bolivia": None}), "CONSULT")
    assert e.modality.future
    e = _one(_code(nlp, "Peru met Bolivia.", {"Peru": None, "Bolivia": None}), "CONSULT")
    assert e.modality == type(e.modality)()


@pytest.mark.model
def test_reported_by_and_historical_and_date(nlp):
    text = "Officials said that Peru attacked Bolivia on January 3."
    q = Quote("indirect", "Peru attacked Bolivia on January 3", (15, len(text) - 1),
              Speaker("a9", "Officials", (0, 9)))
    d = DateRef("on January 3", "2021-01-03", "day", (42, 54))
    assert text[42:54] == "on January 3"
    e = _one(_code(nlp, text, {"Peru": None, "Bolivia": None}, dates=[d], quotes=[q]), "ASSAULT")
    assert e.modality.reported_by == "a9"
    assert e.modality.historical
    assert e.date.value == "2021-01-03" and not e.date.from_publication


@pytest.mark.model
def test_date_falls_back_to_publication(nlp):
    e = _one(_code(nlp, "Peru attacked Bolivia.", {"Peru": None, "Bolivia": None}), "ASSAULT")
    assert e.date.value == "2021-02-05" and e.date.from_publication and e.date.granularity == "day"
    e = _one(_code(nlp, "Peru attacked Bolivia.", {"Peru": None, "Bolivia": None},
                   published=None), "ASSAULT")
    assert e.date is None


@pytest.mark.model
def test_plain_statement_is_not_an_event(nlp):
    assert _code(nlp, "Peru said the weather in Lima was mild.", {"Peru": None}) == []
    assert _code(nlp, "The minister told reporters that the report was ready.", {}) == []


@pytest.mark.model
def test_an_act_refused_or_asked_for_is_not_counted_as_done(nlp):
    events = _code(nlp, "Kenya refused to release the prisoners to Uganda.",
                   {"Kenya": None, "Uganda": None})
    assert [e.plover for e in _counted(events)] == ["REJECT"]
    events = _code(nlp, "Canada urged Norway to release the prisoners.",
                   {"Canada": None, "Norway": None})
    assert [e.plover for e in _counted(events)] == ["REQUEST"]
    e = _one(_code(nlp, "Sweden condemned the attack on Norway.",
                   {"Sweden": None, "Norway": None}), "ACCUSE")
    assert e.source.name == "Sweden"


@pytest.mark.model
def test_turkey_s400_sample_events():
    """The bundled wire story: the acts a reader codes, with sides, modality and dates."""
    from pathlib import Path

    from eventwire.pipeline import extract

    text = (Path(__file__).resolve().parents[1] / "samples/turkey_s400_wire.txt").read_text()
    events = extract(text).events

    def find(trigger, types):
        hits = [e for e in events if e.trigger.text.lower().startswith(trigger)
                and e.plover in types]
        assert hits, [(e.plover, e.trigger.text) for e in events]
        return hits[0]

    def sides(e):
        return (e.source.country if e.source else None, e.target.country if e.target else None)

    urge = find("urge", {"REQUEST"})
    assert sides(urge) == ("USA", "TUR") and urge.date.value == "2021-02-04"
    assert urge.cameo.startswith("02")                      # an appeal, not a demand
    reject = find("reject", {"REJECT"})
    assert sides(reject) == ("TUR", "USA") and not reject.modality.negated
    sanction = find("impos", {"SANCTION", "COERCE"})
    assert sanction.source.country == "USA" and sanction.target.country == "TUR"
    assert sanction.date.value == "2021-01" and sanction.modality.historical
    f35 = find("remov", {"SANCTION"})
    assert sides(f35) == ("USA", "TUR") and f35.modality.historical
    keep = find("give", {"REJECT", "CONCEDE"})               # "will not give up": a refusal
    assert keep.source.country == "TUR" and (keep.plover == "REJECT" or keep.modality.negated)
    talks = find("hold", {"CONSULT"})
    assert talks.modality.future and talks.date.value == "2021-W06"
    assert talks.target.country == "IGO" and not talks.modality.historical
    # every event has an actor side, and a copula noun ("a done deal") is no event
    assert all(e.source is not None or e.target is not None for e in events)
    assert not any(e.trigger.text == "deal" for e in events)


@pytest.mark.model
def test_date_of_another_clause_is_not_the_event_date(nlp):
    text = "Peru attacked the dam that Bolivia built in 1990."
    d = DateRef("in 1990", "1990", "year", (text.index("in 1990"), text.index("in 1990") + 7))
    e = _one(_code(nlp, text, {"Peru": None, "Bolivia": None}, dates=[d]), "ASSAULT")
    assert e.date.from_publication and not e.modality.historical
    text = "Peru attacked Bolivia after the talks failed in 1990."
    d = DateRef("in 1990", "1990", "year", (text.index("in 1990"), text.index("in 1990") + 7))
    e = _one(_code(nlp, text, {"Peru": None, "Bolivia": None}, dates=[d]), "ASSAULT")
    assert e.date.value == "1990" and e.modality.historical


@pytest.mark.model
@pytest.mark.xfail(strict=True, reason=_MISS)
def test_specific_pattern_beats_bare_trigger(nlp):
    events = _code(nlp, "Chad gave ground to Niger on the border.", {"Chad": None, "Niger": None})
    assert [e.plover for e in events] == ["CONCEDE"]


@pytest.mark.model
def test_copula_noun_is_no_event(nlp):
    assert _code(nlp, "For Chad the pipeline is a done deal.", {"Chad": None}) == []


@pytest.mark.model
def test_first_person_inside_a_direct_quote_is_its_speaker(nlp):
    text = '"We urge Canada to reopen the border crossing," Norway told reporters.'
    speaker = Speaker("a1", "Norway", (text.index("Norway"), text.index("Norway") + 6))
    quoted = Quote("direct", text[:text.index(" Norway")], (0, text.index(" Norway")), speaker)
    e = _one(_code(nlp, text, {"Norway": "NOR", "Canada": "CAN"}, quotes=[quoted]), "REQUEST")
    assert e.source.actor == "a1" and e.source.country == "NOR"
    assert e.source.span == (1, 3)  # the pronoun is the evidence
    assert e.target.country == "CAN"
    # without the quote stage, the reporting verb still makes Norway the source — by its
    # own mention, not by the pronoun
    plain = _code(nlp, text, {"Norway": "NOR", "Canada": "CAN"})
    requests = [ev for ev in plain if ev.plover == "REQUEST" and ev.source is not None]
    assert requests and all(ev.source.span != (1, 3) for ev in requests)


@pytest.mark.model
@pytest.mark.parametrize("text, other, plover", [
    ("Norway thanked Canada for the grant and urged Chile to release the prisoners.",
     "thanked", "REQUEST"),
    pytest.param("Peru rejected the offer from Bolivia, accusing Bolivia of spying.", "rejected",
                 "ACCUSE", marks=pytest.mark.xfail(strict=True, reason=_MISS)),
])
def test_coordinated_trigger_keeps_its_own_type(nlp, text, other, plover):
    names = {"Norway": "NOR", "Canada": "CAN", "Chile": "CHL", "Peru": "PER",
             "Bolivia": "BOL"}
    events = _code(nlp, text, {n: c for n, c in names.items() if n in text})
    by_trigger = {e.trigger.text: e.plover for e in events}
    second = [t for t in by_trigger if t != other]
    assert other in by_trigger and second, by_trigger
    assert by_trigger[second[0]] == plover


@pytest.mark.model
def test_a_date_or_an_amount_is_never_a_side(nlp):
    from eventwire.events.sides import find_sides

    doc = nlp("Peru resumed talks on Tuesday and pledged $50 million to Chile.")
    talks = next(t for t in doc if t.text == "talks")
    pledged = next(t for t in doc if t.text == "pledged")
    assert find_sides(talks).target is None
    sides = find_sides(pledged)
    assert sides.target is None or sides.target.text == "Chile"
    assert all(t.ent_type_ not in ("DATE", "MONEY") for t in sides.alternates)


# -- modality cue families, each in the trigger's own clause -----------------------------------

def _modality(nlp, text, trigger):
    from eventwire.events.modality import modality_for

    doc = nlp(text)
    tok = next(t for t in doc if t.text == trigger)
    return modality_for(tok, tok.sent)


@pytest.mark.model
@pytest.mark.parametrize("text, trigger, flags", [
    ("Peru did not invade Bolivia.", "invade", {"negated"}),
    ("Peru never attacked Bolivia.", "attacked", {"negated"}),
    ("Peru refused to meet Bolivia.", "meet", {"negated"}),
    ("Peru met Chile rather than attack Bolivia.", "attack", {"negated"}),
    ("Peru would have attacked Bolivia.", "attacked", {"hypothetical"}),
    ("Peru could sanction Bolivia.", "sanction", {"hypothetical"}),
    ("Peru will sanction Bolivia if the talks fail.", "sanction", {"hypothetical", "future"}),
    ("If the talks fail, Peru will sanction Bolivia.", "sanction", {"hypothetical", "future"}),
    ("The minister was asked whether Peru supports Bolivia.", "supports",
     {"hypothetical", "question"}),
    ("Why won't Peru release the prisoners?", "release", {"negated", "hypothetical", "question"}),
    ("Peru plans to meet Bolivia next week.", "meet", {"future"}),
    ("Peru met Bolivia.", "met", set()),
])
def test_modality_cue_families(nlp, text, trigger, flags):
    m = _modality(nlp, text, trigger)
    got = {k for k in ("negated", "hypothetical", "future", "question") if getattr(m, k)}
    assert got == flags


@pytest.mark.model
def test_a_condition_or_negation_of_another_clause_does_not_count(nlp):
    # "if" belongs to the asking, not to the attack; "never" to the relative clause
    m = _modality(nlp, "Peru attacked Bolivia, officials said, though nobody knows if it will last.",
                  "attacked")
    assert not m.hypothetical and not m.negated
    m = _modality(nlp, "Peru, which never met Chile, attacked Bolivia.", "attacked")
    assert not m.negated
