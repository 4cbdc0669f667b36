"""The cue-word rules added after the held-out evaluation: kind prior, head
noun, purpose clause, chemical formulas, bare element names. Each ranking
test below failed before these rules."""

from __future__ import annotations

import pytest

from lanthanide.classify import Classifier
from lanthanide.classify.index import KIND_PRIOR, NO_INTENT_TECH, kind_prior
from lanthanide.classify.intent import KindCues, formulas, kind_cues, split_purpose
from lanthanide.classify.tokens import normalise


def cues(text: str) -> KindCues:
    return kind_cues(text, normalise(text))


@pytest.mark.parametrize(
    "text",
    [
        "NdFeB strip casting and hydrogen decrepitation know-how",
        "how to make sintered NdFeB magnets",
        "钐钴磁体制备工艺",
        "磷酸锰铁锂制备技术",
        "LFP cathode preparation technology",
    ],
)
def test_technology_cues_lean_to_technology(text: str) -> None:
    assert cues(text).lean >= 2


@pytest.mark.parametrize(
    "text",
    [
        "Gallium metal ingot 4N, 20 kg",
        "氧化铽 Tb4O7 99.99% 25kg/桶",
        "磷酸铁锂正极材料",
        "2846901500",
        "DyF3 powder",
    ],
)
def test_goods_cues_lean_to_goods(text: str) -> None:
    assert cues(text).lean <= -2


def test_no_cue_is_neutral_but_goods_leaning() -> None:
    assert cues("SmCo").tech == 0 and cues("SmCo").goods == 0
    assert kind_prior(KindCues(0, 0)) == (NO_INTENT_TECH, 1.0)


def test_the_head_noun_counts_once_more() -> None:
    # the last cue word is the head: material (goods) vs technology
    assert cues("电池正极材料").lean < 0
    assert cues("电池正极材料制备技术").lean > 0
    # a "with …" clause is not the head
    assert cues("diamond synthesis process with cubic press").lean > 0


def test_kind_prior_is_soft() -> None:
    for tech_f, goods_f in KIND_PRIOR.values():
        assert tech_f > 0 and goods_f > 0
    assert kind_prior(KindCues(9, 0)) == KIND_PRIOR[2]
    assert kind_prior(KindCues(0, 9)) == KIND_PRIOR[-2]


def test_formulas_give_a_compound_class() -> None:
    assert formulas("DyF3 for grain boundary diffusion") == [("DyF3", "fluoride")]
    assert formulas("Tb4O7 99.99%") == [("Tb4O7", "oxide")]
    assert formulas("GeCl4") == [("GeCl4", "chloride")]
    # names without counts are left to the glossary
    assert formulas("GaAs NdFeB") == []


def test_split_purpose() -> None:
    assert split_purpose("winding machine for battery cells") == (
        "winding machine",
        "battery cells",
    )
    assert split_purpose("氟化镝 用于晶界扩散") == ("氟化镝 ", "晶界扩散")
    assert split_purpose("for magnets") == ("for magnets", "")


def _top(clf: Classifier, q: str) -> str:
    top = clf.classify(q, top=3).top
    assert top is not None
    return top.code


def test_know_how_ranks_the_technology_above_the_furnace(clf: Classifier) -> None:
    assert _top(clf, "NdFeB strip casting and hydrogen decrepitation know-how") in {
        "1E902.a",
        "213301J",
    }


def test_material_ranks_above_its_preparation_technology(clf: Classifier) -> None:
    assert _top(clf, "磷酸铁锂正极材料") == "Li-5"
    assert _top(clf, "磷酸铁锂制备技术") == "TC2025-X-cathode-materials"


def test_formula_with_a_purpose_is_the_compound(clf: Classifier) -> None:
    assert _top(clf, "DyF3 for grain boundary diffusion") == "1C905.c"


def test_purpose_clause_counts_less_than_the_head(clf: Classifier) -> None:
    assert _top(clf, "winding machine for battery cells") == "Li-2"


@pytest.mark.parametrize(
    ("q", "expect"),
    [
        ("镝", {"1C905.a", "RE-2805301200", "P1-metals"}),
        ("锑", {"Sb-2"}),
        ("钨", {"1C117.c"}),
        ("镓", {"Ga-1"}),
        ("锗", {"Ge-1"}),
    ],
)
def test_bare_element_name_means_the_element(clf: Classifier, q: str, expect: set[str]) -> None:
    assert _top(clf, q) in expect


def test_bracketed_anions_give_a_salt_class() -> None:
    assert formulas("Gd(NO3)3·6H2O") == [("Gd(NO3)3", "nitrate")]
    assert ("Y2(CO3)3", "carbonate") in formulas("Y2(CO3)3")
    # the water of a hydrate is not an oxide
    assert all(cls != "oxide" for _, cls in formulas("DyCl3·6H2O"))
