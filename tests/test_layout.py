"""Plain-text layout: headline, standfirst, byline and date lines read off the top, the
dateline's place, chrome lines; and the targets on real news (PolNeAR dev) and the samples."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from eventwire.clean import clean_article
from eventwire.ingest import read_paths
from eventwire.ingest.articles import from_text
from eventwire.layout import (byline_author, classify_line, date_line, find_dateline,
                              is_body_sentence, line_key, read_header)
from eventwire.records import CleanArticle
from eventwire.settings import Settings

from conftest import require_shared

S = Settings()
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
BODY = ("MOSCOW (Reuters) - Russian police detained a journalist on Friday on a charge of "
        "treason, his lawyer said.\n\nThe journalist denies the charge, the lawyer told "
        "reporters outside the court.\n")


# -- the header ---------------------------------------------------------------------------

def test_headline_standfirst_byline_and_date_are_read_off_and_the_rest_is_unchanged():
    text = ("Russia detains journalist on treason charge\n\n"
            "The reporter covered the defence ministry for ten years.\n\n"
            "By Anna Petrova and John Smith, Moscow bureau\n"
            "Updated 10:32 GMT, Mon 6 Jul 2020 | Published 5 July 2020\n\n" + BODY)
    raw = from_text(text, "x.txt")
    assert raw.title == "Russia detains journalist on treason charge"
    assert raw.standfirst == "The reporter covered the defence ministry for ten years."
    assert raw.author == "Anna Petrova, John Smith"
    assert raw.published == dt.date(2020, 7, 5)   # published wins over updated
    assert raw.text == BODY
    assert text.endswith(raw.text)


@pytest.mark.parametrize("first", [
    "Russia detains journalist on treason charge.",          # PolNeAR ends headlines with "."
    "Pence: Gennifer Flowers Won't Be at Debate, Trump Was 'Mocking' Clinton Camp.",
    "Virginian could make history. Again.",
    "Ready for Trump vs. Clinton?",
])
def test_a_short_first_paragraph_is_the_headline_with_or_without_a_full_stop(first):
    raw = from_text(first + "\n\n" + BODY, "x.txt")
    assert raw.title == first.rstrip(".") and raw.text == BODY


def test_the_headline_keeps_a_final_abbreviation_and_drops_a_deck_separator():
    raw = from_text("Trump says praise from Putin helps the U.S.; \n"
                    "After debate, candidate holds spotlight.\n\n" + BODY, "x.txt")
    assert raw.title == "Trump says praise from Putin helps the U.S."
    assert raw.standfirst == "After debate, candidate holds spotlight."


@pytest.mark.parametrize("text", [
    BODY,                                                         # opens with a dateline
    "Russian police detained a journalist on Friday on a charge of treason, his lawyer "
    "said on Saturday in a statement.\n\nMore text follows here.",  # a lead sentence
    "The journalist denies the charge.",                          # one line: no title
    "Caddell continued:\n\nThe health issue has affected this race.",  # ends with a colon
    "Pensions rise by 3 percent next year\n",                     # nothing after it
])
def test_text_without_a_headline_keeps_its_whole_text(text):
    raw = from_text(text, "x.txt")
    assert raw.title is None and raw.text == text


def test_a_json_lines_text_is_never_split():
    from eventwire.ingest import parse_jsonl_line

    text = "Russia detains journalist\n\nBy Anna Petrova\n\n" + BODY
    raw = parse_jsonl_line(json.dumps({"text": text, "author": "A. P."}), "f.jsonl:1", 1)
    assert raw.text == text and raw.title is None and raw.author == "A. P."


def test_a_headline_over_one_newline_only_when_unmistakable():
    lead = BODY.split("\n")[0]
    raw = from_text("Russia detains journalist on treason charge\n" + lead, "x.txt")
    assert raw.title == "Russia detains journalist on treason charge" and raw.text == lead
    short = "Envoys meet in Geneva\nno blank line after it.\n"
    assert from_text(short, "x.txt").text == short


def test_chrome_above_the_headline_goes_with_the_header():
    text = ("Skip to main content\nHome | World | Europe | Politics\nReuters\n\n"
            "Russia detains journalist on treason charge\n\n" + BODY)
    header = read_header(text)
    assert header.title == "Russia detains journalist on treason charge"
    assert text[header.body_start:] == BODY
    assert [r for r, _ in header.parts] == ["chrome", "chrome", "chrome", "title"]


def test_a_given_title_printed_over_the_text_is_read_off():
    raw = from_text("Russia detains journalist\n\n" + BODY, "x", title="Russia detains journalist")
    assert raw.title == "Russia detains journalist" and raw.text == BODY


@pytest.mark.parametrize("line, value, updated", [
    ("Published: 5 February 2021", dt.date(2021, 2, 5), False),
    ("Posted on Feb. 5, 2021", dt.date(2021, 2, 5), False),
    ("Updated 10:32 GMT, Mon 6 Feb 2023", dt.date(2023, 2, 6), True),
    ("February 5, 2021 10:32 AM ET", dt.date(2021, 2, 5), False),
    ("Fri 5 Feb 2021 18.00 GMT", dt.date(2021, 2, 5), False),
    ("2021-02-05T10:00:00Z", dt.date(2021, 2, 5), False),
    ("Last updated: Tuesday, 7 March 2023, 14:05", dt.date(2023, 3, 7), True),
    ("Updated 3 hours ago", None, True),
])
def test_date_lines(line, value, updated):
    got = date_line(line)
    assert got is not None and (got.value, got.updated) == (value, updated)


@pytest.mark.parametrize("line", ["Published reports say the talks failed.", "Updated: yesterday",
                                  "Feb. 5", "The vote is on 5 February 2021 in Geneva."])
def test_not_date_lines(line):
    assert date_line(line) is None


@pytest.mark.parametrize("line, author", [
    ("By Marta Kowalczyk, Brussels correspondent", "Marta Kowalczyk"),
    ("By John Smith and Jane Doe", "John Smith, Jane Doe"),
    ("BY JOHN SMITH", "John Smith"),
    ("By John Smith, Reuters", "John Smith"),
    ("Written by Ana de la Cruz | Reuters", "Ana de la Cruz"),
    ("By the time the vote came, it was over.", None),
])
def test_bylines(line, author):
    assert byline_author(line) == author


@pytest.mark.parametrize("text, place", [
    ("MOSCOW (Reuters) - Police detained", "Moscow"),
    ("ANKARA — Turkey said", "Ankara"),
    ("PARIS (AFP) – France said", "Paris"),
    ("HEMPSTEAD, N.Y., Sept. 26 (UPI) — Stein was", "Hempstead"),
    ("Kyiv (AFP) - Ukraine said", "Kyiv"),
    ("EXCLUSIVE – Roger Stone says", None),
    ("Kyiv - a headline fragment", None),
])
def test_dateline_place(text, place):
    d = find_dateline(text)
    assert (d.place if d else None) == place
    if d:
        assert text[d.span[0]:d.span[1]] == d.text


def test_a_dateline_reaches_the_record_and_keeps_out_of_actors():
    from eventwire.layout import DATELINE, dateline_end

    assert dateline_end(BODY, 0) == len("MOSCOW (Reuters) - ")
    assert DATELINE.match(BODY).group("place") == "MOSCOW"
    out = clean_article(from_text(BODY, "x"), S)
    assert out.dateline.place == "Moscow" and out.dateline.span == (0, 18)


@pytest.mark.parametrize("line, rule", [
    ("Home | World | Europe | Politics", "navigation"),
    ("World", "navigation"),
    ("Privacy policy", "navigation"),
    ("Continue reading", "more_prompt"),
    ("Most popular", "more_prompt"),
    ("Tweet", "share_prompt"),
    ("Already a subscriber? Sign in", "sign_in"),
    ("Image source, Getty Images", "photo_credit"),
    ("(Photo by Jane Roe/Getty Images)", "photo_credit"),
    ("AP Photo/Evan Vucci", "photo_credit"),
    ("5 hours ago", "time_ago"),
    ("Tags: Europe, Migration, Politics", "tags"),
    ("The Associated Press contributed to this report.", "wire_trailer"),
    ("Reuters", "site_name"),
    ("BBC News", "site_name"),
])
def test_chrome_lines(line, rule):
    assert classify_line(line) == rule


@pytest.mark.parametrize("line", [
    "World leaders met in Geneva on Monday to discuss the ceasefire.",
    "Privacy groups criticised the bill.",
    "Home prices rose 3 percent in March, the agency said.",
    "Share prices fell after the sanctions were announced.",
    "Reuters reported the talks had stalled.",
    "Email records show the minister was warned.",
])
def test_sentences_are_not_chrome(line):
    assert classify_line(line) is None


def test_the_site_s_own_name_alone_is_chrome():
    from eventwire.layout import site_names_of

    names = site_names_of("https://www.dailyledger.example/world/1", "The Daily Ledger")
    assert classify_line("The Daily Ledger", names) == "site_name"
    assert classify_line("dailyledger.example", names) == "site_name"
    assert classify_line("The Daily Ledger") is None


def test_is_body_sentence():
    assert is_body_sentence("The journalist denies the charge, the lawyer said.")
    assert is_body_sentence("“We will not give up,” the spokesman told reporters.”")
    assert not is_body_sentence("Most popular")
    assert not is_body_sentence("7 p.m.")


# -- targets on real news and on the samples -------------------------------------------------

def _polnear_dev() -> Path:
    dev = S.shared_dir / "data/polnear/dev/text"
    require_shared(dev)
    return dev


def _loose(a: str | None, b: str | None) -> bool:
    ka, kb = line_key(a or ""), line_key(b or "")
    return bool(ka) and bool(kb) and (ka == kb or ka.startswith(kb) or kb.startswith(ka))


def test_titles_of_polnear_dev_texts():
    """≥ 95 % of PolNeAR dev titles right: the first line, or metadata.tsv's title."""
    dev = _polnear_dev()
    meta = {}
    with (dev.parents[1] / "metadata.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            meta[row["filename"]] = row["title"]
    files = sorted(dev.glob("*.txt"))
    right = 0
    for raw in read_paths([str(dev)], S):
        first = Path(raw.source).read_text(encoding="utf-8").split("\n", 1)[0]
        right += (_loose(raw.title, first.rstrip("; ").rstrip("."))
                  or _loose(raw.title, meta.get(Path(raw.source).stem)))
    assert len(files) == 84
    assert right / len(files) >= 0.95, f"{right} of {len(files)} titles right"


def test_titles_of_the_samples():
    raws = [r for r in read_paths([str(SAMPLES)], S) if r.reject_reason is None]
    right = 0
    for raw in raws:
        if raw.source.endswith(".txt"):
            first = Path(raw.source).read_text(encoding="utf-8").split("\n", 1)[0]
            right += raw.title == first.strip()
        else:
            right += bool(raw.title)
    assert len(raws) >= 15 and right / len(raws) >= 0.95
    eu = next(r for r in raws if r.source.endswith("eu_belarus_sanctions.txt"))
    assert (eu.author, eu.published) == ("Marta Kowalczyk", dt.date(2021, 2, 22))
    assert eu.text.startswith("BRUSSELS (Eventwire) - ")


def test_no_body_sentence_of_polnear_dev_is_lost():
    """Every body sentence (each line after the headline that reads as prose) of every
    PolNeAR dev text is still in the cleaned text, read as ingest reads the folder (so
    chrome learned across the folder's 84 texts applies too)."""
    from eventwire.clean import learn_chrome

    dev = _polnear_dev()
    lost, n = [], 0
    for raw in learn_chrome(read_paths([str(dev)], S)):
        # the body: all after the headline's paragraph (a deck under it is a standfirst)
        body = Path(raw.source).read_text(encoding="utf-8").split("\n\n", 1)[1]
        out = clean_article(raw, S)
        assert isinstance(out, CleanArticle), (raw.source, out)
        n += 1
        lost += [(raw.source, line) for line in body.splitlines()
                 if is_body_sentence(line) and line.strip() not in out.text]
    assert n == 84 and lost == []


# -- page chrome around real news: ≥ 30 text scrapes and pages built at run time ------------

SITES = [  # (site name as a scrape prints it, host, nav line, slogan repeated on every page)
    ("The Daily Ledger", "dailyledger.example", "Home | World | Politics | Business | Opinion",
     "Independent news since 1887"),
    ("Reuters", "reuters.example", "World › Americas › Politics",
     "Trusted news for professionals"),
    ("Capitol Wire", "capitolwire.example", "News · Politics · Video · Podcasts",
     "Your daily guide to Washington"),
]
HEAD_CHROME = ["Skip to main content", "Menu", "Search", "Sign in"]
MID_CHROME = ["Advertisement", "Story continues below advertisement",
              "Share this article", "Facebook Twitter WhatsApp Email",
              "Get breaking news first: install our app for iPhone and Android.",
              "Photo: Supporters cheer at a campaign rally. (Eventwire/Jane Roe)",
              "Image source, Getty Images", "Listen to this article 5 min",
              "Read more: Senate leaders trade blame over stalled budget talks"]
TAIL_CHROME = ["Sign up for our newsletter", "Follow us on Twitter for the latest news",
               "Most popular", "Tags: Politics, Elections, Congress",
               "Terms of use | Privacy policy | Contact us",
               "© 2016 Ledger Media Group. All rights reserved.", "Back to top"]


def _dev_stories(n: int):
    """(headline, body paragraphs) of the first ``n`` PolNeAR dev texts with a one-line headline."""
    out = []
    for f in sorted(_polnear_dev().glob("*.txt")):
        paras = [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        if "\n" in paras[0] or len(paras) < 4:
            continue
        out.append((paras[0], paras[1:]))
        if len(out) == n:
            return out
    return out


def _scrape(site, story, k: int) -> str:
    name, _, nav, slogan = site
    headline, paras = story
    lines = HEAD_CHROME[:1 + k % 4] + [nav, name, "", headline, "",
                                       f"By Jane Roe and Sam Cole | Published {1 + k % 28} March 2016", ""]
    for i, p in enumerate(paras):
        lines += [p, ""]
        if i in (1, 3):
            lines += [MID_CHROME[(k + i) % len(MID_CHROME)], ""]
    lines += [slogan, ""] + TAIL_CHROME[k % 3:] + [""]
    return "\n".join(lines)


def _page(site, story, k: int) -> str:
    from html import escape

    name, host, nav, slogan = site
    headline, paras = story
    body = "".join(f"<p>{escape(p)}</p>"
                   + (f"<p>{escape(MID_CHROME[(k + i) % len(MID_CHROME)])}</p>" if i in (1, 3) else "")
                   for i, p in enumerate(paras))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(headline)} | {name}"
            f"</title><meta property='og:site_name' content='{name}'>"
            f"<meta property='og:url' content='https://www.{host}/story/{k}'>"
            f"<meta name='author' content='Jane Roe'>"
            f"<meta property='article:published_time' content='2016-03-{1 + k % 28:02d}T10:00:00Z'>"
            f"</head><body><header><p>{name}</p><nav>{escape(nav)}</nav></header><main><article>"
            f"<h1>{escape(headline)}</h1><p>By Jane Roe</p>{body}<p>{escape(slogan)}</p></article>"
            f"</main><aside><h2>Most popular</h2><ul><li>Other story one</li></ul></aside>"
            f"<footer><p>{escape(TAIL_CHROME[-2])}</p></footer></body></html>")


def _norm(s: str) -> str:
    """Spaces as trafilatura writes them: no-break spaces as spaces, zero-width ones gone."""
    return " ".join(s.replace("\u200b", "").split())


def test_chrome_around_real_news_goes_and_no_sentence_is_lost(tmp_path):
    """18 text scrapes (3 sites, a folder each) and 18 pages (3 hosts) built around real
    PolNeAR dev stories: the headline, author and date are right, no chrome line is
    left, and every body sentence is kept."""
    from eventwire.clean import learn_chrome

    stories = _dev_stories(36)
    assert len(stories) == 36
    expected = {}
    for k, story in enumerate(stories):
        site = SITES[k % 3]
        folder = tmp_path / ("scrapes" if k < 18 else "pages") / site[1]
        folder.mkdir(parents=True, exist_ok=True)
        if k < 18:
            path = folder / f"{k}.txt"
            path.write_text(_scrape(site, story, k), encoding="utf-8")
        else:
            path = folder / f"{k}.html"
            path.write_text(_page(site, story, k), encoding="utf-8")
        expected[str(path)] = (site, story, k)
    chrome = set(HEAD_CHROME + MID_CHROME + TAIL_CHROME + [s[0] for s in SITES]
                 + [s[2] for s in SITES] + [s[3] for s in SITES])
    problems = []
    raws = list(learn_chrome(read_paths([str(tmp_path)], S)))
    assert len(raws) == 36
    for raw in raws:
        site, (headline, paras), k = expected[raw.source]
        out = clean_article(raw, S)
        assert isinstance(out, CleanArticle), (raw.source, out)
        if line_key(out.title or "") != line_key(headline.rstrip(".")):
            problems.append((raw.source, "title", out.title))
        if out.author not in ("Jane Roe", "Jane Roe, Sam Cole"):
            problems.append((raw.source, "author", out.author))
        if out.published != dt.date(2016, 3, 1 + k % 28):
            problems.append((raw.source, "published", out.published))
        kept = {_norm(line) for line in out.text.splitlines()}
        text = _norm(out.text)
        problems += [(raw.source, "chrome left", c) for c in chrome if c in kept]
        problems += [(raw.source, "sentence lost", line) for p in paras for line in p.splitlines()
                     if is_body_sentence(line) and _norm(line) not in text]
    assert problems == [], "\n".join(map(str, problems))
