"""Cleaning: boilerplate rules (and their near-misses), repeated headlines, the
unchanged-text guarantee, length and language checks, idempotence."""
from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings as hsettings, strategies as st

from eventwire.clean import (boilerplate_rules, clean_article, clean_text, english_check,
                             line_key)
from eventwire.records import CleanArticle, Outcome, RawArticle, content_id
from eventwire.settings import Settings

S = Settings()

BODY = (
    "GENEVA (Eventwire) - Envoys from both governments met in Geneva on Monday to discuss a "
    "prisoner exchange, officials said.\n"
    "\n"
    "The talks will continue next week, a spokesman for the host government told reporters.\n"
)


def cleaned(text: str, title: str | None = None) -> CleanArticle:
    out = clean_article(RawArticle(source="t", text=text, title=title), S)
    assert isinstance(out, CleanArticle), out
    return out


@pytest.mark.parametrize("rule, line", [
    ("copyright", "© 2021 Eventwire News Agency. All rights reserved."),
    ("copyright", "Copyright 2019-2022 Example Media Ltd"),
    ("copyright", "(c) 2020 Example Media"),
    ("all_rights_reserved", "Example Media Group. All Rights Reserved"),
    ("app_install", "Get breaking news first: install our app for iPhone and Android."),
    ("app_install", "Download the app"),
    ("app_install", "Install the free Example News app today!"),
    ("add_to_home_screen", "Add to home screen"),
    ("add_to_home_screen", "Tip: add this site to your home screen for quick access"),
    ("share_prompt", "Share this article"),
    ("share_prompt", "Share on Facebook"),
    ("share_prompt", "Share this story: Twitter | Facebook | Email"),
    ("share_prompt", "Facebook Twitter WhatsApp Email"),
    ("follow_prompt", "Follow us on Twitter"),
    ("follow_prompt", "Follow Eventwire World on Instagram for daily updates"),
    ("newsletter", "Sign up for our newsletter"),
    ("newsletter", "Subscribe to our free daily briefing newsletter."),
    ("subscribe_prompt", "Subscribe now for unlimited access."),
    ("advertisement", "Advertisement"),
    ("advertisement", "Story continues below advertisement"),
    ("read_more", "Read more: Why the talks collapsed"),
    ("read_more", "Related: Allies boost presence on eastern flank"),
    ("read_more", "Read more"),
    ("cookie_notice", "We use cookies to improve your experience. By continuing you agree."),
    ("cookie_notice", "Accept all cookies"),
    ("cookie_notice", "Cookie policy"),
    ("click_here", "Click here to see more photos from the protests."),
    ("photo_credit", "Photo: Protesters gather in the main square."),
    ("photo_credit", "Police stand guard outside parliament. (Eventwire/Jane Roe)"),
    ("photo_credit", "Soldiers on patrol near the border. (AFP via Getty Images)"),
    ("wire_trailer", "Reporting by Khalid Osman; Editing by Peter Hall"),
    ("wire_trailer", "Additional reporting by Ana Ruiz in Madrid and Li Wei in Beijing; Writing by Sam Cole"),
    ("wire_trailer", "Editing by Tom Hardwick"),
    ("page_chrome", "Skip to main content"),
    ("page_chrome", "5 min read"),
])
def test_rule_drops_furniture_line(rule, line):
    out = cleaned(BODY + "\n" + line + "\n")
    assert out.removed == ((rule, line),)
    assert line not in out.text
    assert out.text == BODY


@pytest.mark.parametrize("line", [
    "The minister said he would share the report with parliament next week.",
    "Share prices fell 3% after the sanctions were announced.",
    "Follow-up talks are planned for March, the ministry said.",
    "Officials urged residents to download the app to receive air-raid alerts.",
    "The regulator said this website uses cookies without asking consent.",
    "Reporting by state media suggested the ceasefire had collapsed.",
    "Related talks on prisoner swaps will take place in Doha.",
    "Copyright disputes between the two countries have dragged on for years.",
    "(c) the withdrawal of all foreign forces within 30 days;",
    "Advertisements for the rally were banned by the electoral commission.",
    "He told supporters to read more about the plan on the party's website.",
    "The agreement, the ministry said, reserved all rights of the coastal states to fish.",
    "By Sunday, more than 40 people had been detained.",
    "The debt ratio rose to 120 percent (debt/GDP) last year.",
    "Subscribers to the state broadcaster rose sharply after the war began.",
    "Watchdogs said the vote was free and fair.",
    "Search and rescue teams reached the village on Tuesday.",
])
def test_near_miss_news_sentences_stay(line):
    text = BODY + "\n" + line + "\n"
    out = cleaned(text)
    assert out.removed == ()
    assert out.text == text


def test_rules_file_has_source_and_every_rule_compiles():
    from importlib import resources

    raw = resources.files("eventwire.knowledge").joinpath("boilerplate.tsv").read_text("utf-8")
    assert "source:" in raw and "MIT" in raw
    names = {r.name for r in boilerplate_rules()}
    assert {"copyright", "app_install", "share_prompt", "newsletter", "wire_trailer",
            "repeated_byline"} <= names


def test_unchanged_when_nothing_to_remove():
    text = "  Odd   spacing stays.\r\nSo do \u201ccurly quotes\u201d and\ttabs.\n\n\n\nAnd four newlines.  "
    out = cleaned(text + " " + BODY)
    assert out.text == text + " " + BODY
    assert out.removed == ()
    assert out.id == content_id(out.text)


def test_removed_lines_recorded_and_blank_runs_collapsed():
    text = ("Add to home screen\n\n" + "First paragraph of the story about the talks.\n\n"
            "Share this article\n\n" + "Second paragraph, with more detail on the talks.\n\n"
            "© 2021 Example Media\n")
    out = cleaned(text)
    assert out.removed == (("add_to_home_screen", "Add to home screen"),
                           ("share_prompt", "Share this article"),
                           ("copyright", "© 2021 Example Media"))
    assert out.text == ("First paragraph of the story about the talks.\n\n"
                        "Second paragraph, with more detail on the talks.\n")


def test_kept_lines_are_not_rewritten():
    line = "  \u201cWe will not yield,\u201d he said \u2014 twice.  \r\n"
    out = cleaned(line + "Share this article\n" + BODY)
    assert out.text.startswith(line)


def test_repeated_headline_equal_to_title_is_removed():
    title = "Turkey rejects U.S. demand to give up missiles"
    text = BODY + "\n" + "TURKEY REJECTS U.S. DEMAND TO GIVE UP MISSILES\n\nMore text follows here now.\n"
    out = cleaned(text, title=title)
    assert out.removed == (("repeated_headline", "TURKEY REJECTS U.S. DEMAND TO GIVE UP MISSILES"),)
    assert "TURKEY REJECTS" not in out.text


def test_repeated_first_line_is_removed_but_first_kept():
    text = ("Envoys meet in Geneva on prisoner swap\n" + BODY + "\n"
            "Envoys meet in Geneva on prisoner swap!\n")
    out = cleaned(text)
    assert out.text.startswith("Envoys meet in Geneva on prisoner swap\n")
    assert out.removed == (("repeated_headline", "Envoys meet in Geneva on prisoner swap!"),)


def test_byline_dropped_only_when_repeated():
    once = "By Marta Kowalczyk, Brussels correspondent\n\n" + BODY
    assert cleaned(once).text == once
    twice = once + "\nBy Marta Kowalczyk, Brussels correspondent\n"
    out = cleaned(twice)
    assert [r for r, _ in out.removed] == ["repeated_byline", "repeated_byline"]
    assert out.text == BODY


def test_rejections():
    assert clean_article(RawArticle("t", text="   \n "), S) == Outcome("rejected", "empty input")
    out = clean_article(RawArticle("t", text="Share this article\nAdvertisement\n"), S)
    assert out == Outcome("rejected", "empty: no text after removing boilerplate")
    out = clean_article(RawArticle("t", text="Talks resumed."), S)
    assert isinstance(out, Outcome) and out.reason.startswith("too short: 2 words")
    out = clean_article(RawArticle("t", reject_reason="binary content, not text (x)"), S)
    assert out == Outcome("rejected", "binary content, not text (x)")


# Written for these tests (not copied news): a paragraph per language.
FOREIGN = {
    "de": ("Die Regierung hat am Montag neue Sanktionen gegen mehrere Beamte beschlossen. Der "
           "Außenminister sagte, die Maßnahmen seien eine Antwort auf die Gewalt gegen "
           "Demonstranten, und er kündigte weitere Gespräche mit den Partnern in der Region an."),
    "fr": ("Le gouvernement a annoncé lundi de nouvelles sanctions contre plusieurs "
           "responsables. Le ministre des affaires étrangères a déclaré que ces mesures sont "
           "une réponse aux violences contre les manifestants et il a appelé à la reprise du "
           "dialogue avec les pays voisins."),
    "es": ("El gobierno anunció el lunes nuevas sanciones contra varios funcionarios. El "
           "ministro de exteriores dijo que las medidas son una respuesta a la violencia contra "
           "los manifestantes y pidió que se retome el diálogo con los países de la región."),
}


@pytest.mark.parametrize("lang", sorted(FOREIGN))
def test_non_english_rejected_with_language(lang):
    out = clean_article(RawArticle("t", text=FOREIGN[lang]), S)
    assert isinstance(out, Outcome) and out.status == "rejected"
    assert out.reason.startswith("not English (looks like " + lang)


def test_non_latin_script_rejected():
    text = ("Правительство в понедельник объявило о новых санкциях против нескольких "
            "чиновников, заявил министр иностранных дел на пресс-конференции.")
    out = clean_article(RawArticle("t", text=text), S)
    assert isinstance(out, Outcome) and "Cyrillic script" in out.reason


def test_english_accepted():
    ok, lang, _ = english_check(BODY)
    assert ok and lang == "en"
    assert cleaned(BODY).language == "en"


def test_hand_built_html_article_is_extracted():
    page = ("<!DOCTYPE html><html><head><title>Envoys meet in Geneva</title></head><body>"
            "<nav><a href='/'>Home</a></nav><article><h1>Envoys meet in Geneva</h1><p>"
            + BODY.replace("\n", " ") + "</p></article></body></html>")
    out = clean_article(RawArticle(source="t", html=page), S)
    assert isinstance(out, CleanArticle)
    assert out.title == "Envoys meet in Geneva"
    assert out.text.startswith("GENEVA (Eventwire)") and "Home" not in out.text
    assert out.removed == (("repeated_headline", "Envoys meet in Geneva"),)
    empty = clean_article(RawArticle(source="t", html="<html><body><nav>x</nav></body></html>"), S)
    assert empty == Outcome("rejected", "no article body found in HTML")


def test_line_key_ignores_case_space_punctuation():
    assert line_key("  Turkey REJECTS, U.S. demand!") == line_key("turkey rejects u s demand")


# Lines drawn from furniture, news-like sentences, blanks and whitespace variants.
_LINES = st.sampled_from([
    "", " ", "\t", "Share this article", "Advertisement", "© 2021 Example Media",
    "By Jane Roe, Paris", "Envoys meet in Geneva", "ENVOYS MEET IN GENEVA!",
    "The talks will continue next week, officials said.",
    "Officials said the ceasefire was holding in the north of the country.",
    "Reporting by Ana Ruiz; Editing by Sam Cole", "Read more: background",
]) | st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"),
             max_size=40)


@hsettings(max_examples=500, deadline=None)
@example(["Envoys meet in Geneva", "0:0", "0:0"], "\n", "Envoys meet in Geneva")
@given(st.lists(_LINES, max_size=12), st.sampled_from(["\n", "\r\n"]),
       st.one_of(st.none(), st.just("Envoys meet in Geneva")))
def test_cleaning_is_idempotent_and_keeps_a_subsequence(lines, newline, title):
    text = newline.join(lines)
    once, _ = clean_text(text, title)
    twice, removed_again = clean_text(once, title)
    assert twice == once
    assert removed_again == ()
    # Output lines (with their own line ends) are a subsequence of the input lines.
    it = iter(_lines(text))
    for line in _lines(once):
        assert any(line == candidate for candidate in it)


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)
