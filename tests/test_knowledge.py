"""The actor knowledge files load and are well-formed (no model needed)."""
from __future__ import annotations

from importlib import resources

import pycountry
import pytest

from eventwire.actors.lexicon import ACTOR_KINDS, SECTOR_CODES, lexicon, norm_name, read_table

FILES = ("countries.tsv", "demonyms.tsv", "capitals.tsv", "institutions.tsv", "igos.tsv",
         "titles.tsv", "org_types.tsv", "regions.tsv")


def _iso3_ok(code: str) -> bool:
    return code == "IGO" or pycountry.countries.get(alpha_3=code) is not None


@pytest.mark.parametrize("name", FILES)
def test_file_names_source_and_licence(name):
    text = resources.files("eventwire").joinpath("knowledge", name).read_text("utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#")).lower()
    assert "source:" in header and ("mit" in header or "licence" in header)


@pytest.mark.parametrize("name", FILES)
def test_keys_unique_after_normalisation(name):
    # org_types is matched on raw token text ("inc." and "inc" are different tokens)
    key = str.casefold if name == "org_types.tsv" else norm_name
    keys = [key(row[0]) for row in read_table(name)]
    dupes = {k for k in keys if keys.count(k) > 1}
    assert not dupes, f"{name}: duplicate keys {sorted(dupes)}"


@pytest.mark.parametrize("name,col", [("countries.tsv", 1), ("demonyms.tsv", 1),
                                      ("capitals.tsv", 1), ("institutions.tsv", 1),
                                      ("regions.tsv", 1)])
def test_country_codes_are_iso3(name, col):
    bad = [row for row in read_table(name) if not _iso3_ok(row[col])]
    assert not bad, f"{name}: not ISO 3166-1 alpha-3: {bad[:5]}"


@pytest.mark.parametrize("name,col", [("capitals.tsv", 2), ("institutions.tsv", 2),
                                      ("igos.tsv", 2), ("titles.tsv", 1), ("org_types.tsv", 1)])
def test_sector_codes_come_from_the_codebook(name, col):
    for row in read_table(name):
        codes = row[col].split()
        assert codes, f"{name}: no sector for {row[0]}"
        assert set(codes) <= SECTOR_CODES, f"{name}: {row[0]} has {codes}"


def test_titles_have_a_valid_kind_and_capitals_a_type():
    assert {row[2].removesuffix("-plural") for row in read_table("titles.tsv")} <= ACTOR_KINDS
    assert {row[3] for row in read_table("capitals.tsv")} <= {"city", "seat"}
    assert {row[3] for row in read_table("institutions.tsv") if len(row) > 3} == {"generic"}


def test_rows_have_the_declared_number_of_columns():
    widths = {"capitals.tsv": {4, 5}, "titles.tsv": {5}, "org_types.tsv": {2},
              "actor_words.tsv": {2}}
    for name, allowed in widths.items():
        for row in read_table(name):
            assert len(row) in allowed, f"{name}: {row}"


def test_lexicon_lookups():
    lex = lexicon()
    assert lex.country_of("the United States") == "USA"
    assert lex.country_of("Türkiye") == "TUR" and lex.country_of("Turkey") == "TUR"
    assert lex.country_of("Germany") == "DEU"            # from pycountry, not the alias file
    assert lex.demonym_of("Turkish") == "TUR"
    # the knowledge base knows the Pentagon as the Defense Department; the seats table
    # keeps it for metonymy
    table, pentagon = lex.place_of("the Pentagon")
    assert table == "institution" and pentagon.country == "USA" and "MIL" in pentagon.sectors
    assert lex.seats["pentagon"].sectors == ("MIL",)
    assert lex.place_of("NATO")[1].country == "IGO"
    assert lex.place_of("State Department")[1].country == "USA"
    assert lex.titles["defense minister"].sectors == ("GOV", "MIL")
    assert lex.title_pattern.fullmatch("secretary-general")


def test_region_lookups():
    lex = lexicon()
    assert lex.region_of("Texas") == "USA" and lex.region_of("Ontario") == "CAN"  # ISO 3166-2
    assert lex.region_of("Bavaria") == "DEU" and lex.region_of("Crimea") == "UKR"  # press forms
    assert lex.region_of("Georgia") is None       # a country's name is never a region
    assert lex.country_of("Georgia") == "GEO"
    assert lex.region_of("La Rioja") is None      # shared by Argentina and Spain: unknown
    # Springfield: the US towns outweigh the others by far; Victoria: too close to call
    assert lex.region_of("Springfield") == "USA" and lex.region_of("Victoria") is None


def test_norm_name():
    assert norm_name("The U.S.'s") == "u.s"
    assert norm_name("  Downing   Street ") == "downing street"
    assert norm_name("Erdogan\u2019s") == "erdogan"
