from __future__ import annotations

import pytest

from lanthanide.classify.glossary import ELEMENT_TERMS, ELEMENTS, GENERIC, TERMS
from lanthanide.classify.tokens import concepts


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Dy", "dy"),
        ("镝", "dy"),
        ("dysprosium", "dy"),
        ("NdFeB", "ndfeb"),
        ("钕铁硼", "ndfeb"),
        ("neodymium magnets", "ndfeb"),
        ("GaAs", "gaas"),
        ("砷化镓", "gaas"),
        ("APT", "apt"),
        ("仲钨酸铵", "apt"),
        ("SmCo", "smco"),
        ("钐钴", "smco"),
        ("MREC", "mrec"),
        ("Dy2O3", "dy2o3"),
        ("氧化镝", "dy2o3"),
        ("PC-88A", "p507"),
        ("know-how", "technology"),
        ("strip casting", "magnet-making"),
    ],
)
def test_expansion(text: str, concept: str) -> None:
    assert concept in concepts(text)


def test_chinese_and_english_meet_on_one_concept() -> None:
    zh = set(concepts("氧化镝"))
    en = set(concepts("dysprosium oxide"))
    assert {"dy2o3", "oxide"} <= zh & en


def test_ambiguous_characters_do_not_match_alone() -> None:
    assert "au" not in concepts("金属镓")  # 金 of 金属 is not gold


def test_glossary_ids_are_unique_and_generic_ids_exist() -> None:
    ids = [c for c, _ in TERMS] + [e[0] for e in ELEMENTS]
    assert len(ids) == len(set(ids))
    assert set(ids) >= GENERIC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NdPr oxide", {"pr", "nd", "oxide"}),
        ("PrNd oxide", {"pr", "nd", "oxide"}),
        ("didymium oxide", {"pr", "nd", "oxide"}),
        ("氧化镨钕", {"pr", "nd", "oxide"}),
        ("mischmetal", {"la", "ce", "ree", "metal"}),
        ("精锑", {"sb", "sb-metal", "metal"}),
        ("antimony regulus", {"sb", "sb-metal", "metal"}),
        ("tungsten concentrate", {"w", "w-conc", "ore"}),
        ("钨精矿", {"w", "w-conc", "ore"}),
        ("wolframite", {"w", "w-conc"}),
        ("硝酸钆", {"gd", "nitrate"}),
        ("gadolinium nitrate", {"gd", "nitrate"}),
        ("Ionquest 801", {"p507"}),
        ("HREE concentrate", {"ree", "hree", "ore"}),
    ],
)
def test_trade_names(text: str, expected: set[str]) -> None:
    assert expected <= set(concepts(text))


def test_element_terms_name_elements_of_the_table() -> None:
    element_ids = {e[0] for e in ELEMENTS}
    assert {c for c, _ in ELEMENT_TERMS} <= element_ids


def test_element_name_inside_a_longer_term_still_names_it() -> None:
    # "antimony concentrate" is a stibnite term; it also names antimony
    assert {"sb", "stibnite"} <= set(concepts("antimony concentrate"))
    assert "ga" in concepts("gallium arsenide")
