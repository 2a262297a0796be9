"""Actors: one small hand-written case per rule family, plus ``actor_for_span``."""
from __future__ import annotations

import datetime as dt

import pytest

from eventwire.actors import actor_for_span, resolve_actors
from eventwire.records import Actor, CleanArticle


# -- actor_for_span (no model) -----------------------------------------------------------------
def _actors():
    return [Actor("a1", "Tayyip Erdogan", "person", mentions=((0, 14), (100, 107))),
            Actor("a2", "Turkey", "country", "TUR", ("GOV",), mentions=((30, 36),)),
            Actor("a3", "Turkish officials", "group", "TUR", ("GOV",), mentions=((28, 45),))]


def test_actor_for_span_prefers_the_tightest_nested_mention():
    actors = _actors()
    assert actor_for_span(actors, (30, 36)).id == "a2"      # inside both a2 and a3
    assert actor_for_span(actors, (28, 45)).id == "a3"
    assert actor_for_span(actors, (102, 104)).id == "a1"
    assert actor_for_span(actors, (50, 60)) is None
    assert actor_for_span([], (0, 5)) is None


def test_actor_for_span_takes_a_partial_overlap_when_nothing_nests():
    assert actor_for_span(_actors(), (10, 20)).id == "a1"


def test_actor_for_span_prefers_the_largest_mention_inside_a_wide_span():
    assert actor_for_span(_actors(), (20, 60)).id == "a3"


# -- rule families (spaCy) ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def nlp():
    from eventwire.nlp import load_pipeline

    return load_pipeline("auto")


def _resolve(nlp, text, published=dt.date(2021, 2, 5)):
    article = CleanArticle(id="t", source="t", text=text, published=published)
    actors = resolve_actors(nlp(text), article)
    for a in actors:
        for s, e in a.mentions:
            assert 0 <= s < e <= len(text)
        assert list(a.mentions) == sorted(a.mentions)
    assert [a.id for a in actors] == [f"a{i}" for i in range(1, len(actors) + 1)]
    return actors


def _by_name(actors, name):
    hits = [a for a in actors if a.name == name]
    assert hits, f"no actor {name!r} in {[a.name for a in actors]}"
    return hits[0]


def _mention_texts(text, actor):
    return [text[s:e] for s, e in actor.mentions]


@pytest.mark.model
def test_demonym_gives_country_and_title_gives_sectors(nlp):
    text = "Turkish Defense Minister Hulusi Akar said the talks had failed."
    akar = _by_name(_resolve(nlp, text), "Hulusi Akar")
    assert (akar.kind, akar.country, akar.sectors) == ("person", "TUR", ("GOV", "MIL"))
    assert akar.role == "Defense Minister"


@pytest.mark.model
def test_demonym_on_a_group_noun(nlp):
    text = "Turkish officials said they would not give up the missiles."
    actors = _resolve(nlp, text)
    officials = _by_name(actors, "Turkish officials")
    assert (officials.kind, officials.country, officials.sectors) == ("group", "TUR", ("GOV",))
    assert "they" in _mention_texts(text, officials)


@pytest.mark.model
@pytest.mark.parametrize("text, name, country, sectors", [
    ("Russian security officers have arrested a journalist.", "Russian security officers",
     "RUS", ("COP",)),
    ("The money will support Bangladeshi communities near the camps.",
     "Bangladeshi communities", "BGD", ("CVL",)),
    ("Ethiopian peacekeepers left the town on Monday.", "Ethiopian peacekeepers", "ETH",
     ("MIL",)),
])
def test_role_nouns_of_security_and_civil_society(nlp, text, name, country, sectors):
    actor = _by_name(_resolve(nlp, text), name)
    assert (actor.kind, actor.country, actor.sectors) == ("group", country, sectors)


@pytest.mark.model
def test_based_in_a_capital_is_no_government_and_no_role_word(nlp):
    actors = _resolve(nlp, "Police arrested a Moscow-based journalist on Friday.")
    assert "Moscow" not in [a.name for a in actors]
    assert _by_name(actors, "Moscow-based journalist").role == "journalist"


@pytest.mark.model
def test_institution_gives_country(nlp):
    text = "State Department spokesman Ned Price urged Ankara to drop the system."
    price = _by_name(_resolve(nlp, text), "Ned Price")
    assert (price.country, price.sectors, price.role) == ("USA", ("GOV",), "spokesman")


@pytest.mark.model
def test_capital_metonymy_joins_the_country_and_locative_capital_is_a_place(nlp):
    text = ("Turkey rejected the demand. Ankara said the decision was final. "
            "Price spoke to reporters in Washington.")
    actors = _resolve(nlp, text)
    turkey = _by_name(actors, "Turkey")
    assert (turkey.kind, turkey.country, turkey.sectors) == ("country", "TUR", ("GOV",))
    assert _mention_texts(text, turkey) == ["Turkey", "Ankara"]
    washington = _by_name(actors, "Washington")
    assert washington.kind == "location" and washington.country == "USA"


@pytest.mark.model
def test_seat_metonymy_keeps_its_own_sector(nlp):
    text = "The Pentagon said the Kremlin had not replied."
    actors = _resolve(nlp, text)
    # the knowledge base's canonical name for the building's body
    pentagon = _by_name(actors, "Department of Defense")
    assert pentagon.country == "USA" and "MIL" in pentagon.sectors
    assert _by_name(actors, "Kremlin").country == "RUS"


@pytest.mark.model
def test_igo_and_its_aliases(nlp):
    text = ("The European Union welcomed the talks. The EU will send envoys, and "
            "NATO Secretary-General Jens Stoltenberg said he agreed.")
    actors = _resolve(nlp, text)
    eu = _by_name(actors, "European Union")
    assert eu.country == "IGO" and len(eu.mentions) == 2
    jens = _by_name(actors, "Jens Stoltenberg")
    assert jens.country == "IGO" and jens.role == "Secretary-General"


@pytest.mark.model
def test_surname_merges_with_full_name(nlp):
    text = ("President Tayyip Erdogan met the envoy on Monday. "
            "Erdogan later said Turkey would not back down.")
    actors = _resolve(nlp, text)
    persons = [a for a in actors if a.kind == "person" and "Erdo" in a.name]
    # one person, under the knowledge base's canonical name, with the office held then
    assert [a.name for a in persons] == ["Recep Tayyip Erdoğan"]
    assert _mention_texts(text, persons[0])[:2] == ["Tayyip Erdogan", "Erdogan"]
    assert persons[0].sectors == ("GOV",) and persons[0].country == "TUR"


@pytest.mark.model
def test_title_phrase_and_pronoun_resolve_to_the_person(nlp):
    text = ("Ibrahim Kalin, spokesman for the president, said the deal was done. "
            "The spokesman added that Turkey would not step back. He said talks could follow.")
    actors = _resolve(nlp, text)
    kalin = _by_name(actors, "Ibrahim Kalin")
    assert kalin.role == "spokesman for the president"
    mentions = _mention_texts(text, kalin)
    assert "spokesman" in mentions and "He" in mentions
    he = text.index("He said")
    assert actor_for_span(actors, (he, he + 2)).id == kalin.id


@pytest.mark.model
def test_of_phrase_apposition_gives_country(nlp):
    text = "The foreign minister of Iran, Javad Zarif, said the offer stood."
    zarif = _by_name(_resolve(nlp, text), "Mohammad Javad Zarif")
    assert (zarif.country, zarif.sectors) == ("IRN", ("GOV",))


@pytest.mark.model
def test_region_gives_its_country_to_a_place_and_to_a_title(nlp):
    text = "Ohio Governor Mike DeWine met farmers in Bavaria on Monday."
    actors = _resolve(nlp, text)
    dewine = _by_name(actors, "Mike DeWine")
    assert (dewine.country, dewine.sectors) == ("USA", ("GOV",))
    bavaria = _by_name(actors, "Bavaria")
    assert (bavaria.kind, bavaria.country, bavaria.sectors) == ("location", "DEU", ())


@pytest.mark.model
def test_body_every_state_has_belongs_to_the_dateline_state(nlp):
    said = "North Korea fired two missiles on Monday, the Joint Chiefs of Staff said."
    jcs = _by_name(_resolve(nlp, "SEOUL (Eventwire) - " + said), "Joint Chiefs of Staff")
    assert (jcs.country, jcs.sectors) == ("KOR", ("MIL",))
    assert _by_name(_resolve(nlp, said), "Joint Chiefs of Staff").country == "USA"
    # a name that only one state uses keeps its state whatever the dateline
    kabul = "KABUL (Eventwire) - The State Department said the embassy would stay open."
    assert _by_name(_resolve(nlp, kabul), "State Department").country == "USA"


@pytest.mark.model
def test_unknown_country_stays_null(nlp):
    text = ("Turkey said on Friday it would buy more missiles. "
            "Senator Laura Whitfield said the sale was a mistake.")
    whitfield = _by_name(_resolve(nlp, text), "Laura Whitfield")
    assert whitfield.country is None            # never the article's main country
    assert whitfield.sectors == ("LEG",)


@pytest.mark.model
def test_national_office_without_country_takes_the_focus_state(nlp):
    """An office a state has once ("presidential spokesman") belongs to the article's
    state: the dateline's, else the only or clearly most-mentioned state; a title many
    states' people hold ("Senator") does not; two states equally mentioned decide nothing."""
    text = ("ANKARA (Eventwire) - Turkey will keep the system, presidential spokesman "
            "Ibrahim Kalin said. Senator Laura Whitfield called the purchase a mistake.")
    actors = _resolve(nlp, text)
    assert _by_name(actors, "Ibrahim Kalin").country == "TUR"
    assert _by_name(actors, "Laura Whitfield").country is None
    undated = _resolve(nlp, text.split(" - ", 1)[1])
    assert _by_name(undated, "Ibrahim Kalin").country == "TUR"   # the only state named
    two = _resolve(nlp, "Turkey and Greece will keep the system, presidential spokesman "
                        "Ibrahim Kalin said.")
    assert _by_name(two, "Ibrahim Kalin").country is None


@pytest.mark.model
def test_unqualified_institution_and_civilians_take_the_focus_state(nlp):
    text = ("KABUL (Eventwire) - The foreign ministry said police had detained protesters "
            "outside the parliament.")
    actors = _resolve(nlp, text)
    for name in ("foreign ministry", "police", "protesters"):
        actor = next(a for a in actors if name in a.name.lower())
        assert actor.country == "AFG", actor


@pytest.mark.model
def test_dateline_is_not_an_actor(nlp):
    text = "ANKARA, Feb 5 (Reuters) - Turkish officials met their Greek counterparts."
    actors = _resolve(nlp, text)
    first = min(s for a in actors for s, _ in a.mentions)
    assert first > text.index(" - ")
    assert all(a.name not in ("ANKARA", "Reuters") for a in actors)


@pytest.mark.model
def test_government_phrase_with_country_joins_the_country(nlp):
    text = "France protested. The French government said it would recall its ambassador."
    actors = _resolve(nlp, text)
    france = _by_name(actors, "France")
    assert "French government" in _mention_texts(text, france)


@pytest.mark.model
def test_sector_words_before_generic_titles(nlp):
    text = "A military spokesman said the company spokeswoman had declined to comment."
    actors = _resolve(nlp, text)
    assert _by_name(actors, "military spokesman").sectors == ("MIL",)
    assert _by_name(actors, "company spokeswoman").sectors == ("BUS",)
