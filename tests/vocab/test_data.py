"""The vocabulary data: loading, strictness, and agreement with every place
that still spells a vocabulary as a type (Literals for mypy) or uses it."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from lanthanide.rules.book import Rulebook
from lanthanide.rules.model import EndUse, Kind
from lanthanide.vocab import VOCAB, VocabularyError, load
from lanthanide.vocab.docs import markdown
from lanthanide.vocab.loader import FILES

DATA = Path(__file__).parents[2] / "src" / "lanthanide" / "vocab" / "data"
DOCS = Path(__file__).parents[2] / "docs" / "vocabulary.md"


def texts() -> dict[str, str]:
    return {f: (DATA / f"{f}.yaml").read_text(encoding="utf-8") for f in FILES}


# ------------------------------------------------------------------ contents
def test_rare_earths_are_the_17_of_the_regulations() -> None:
    assert VOCAB.rare_earths == (
        *("La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb"),
        *("Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Sc", "Y"),
    )


def test_light_and_medium_heavy_partition_the_rare_earths() -> None:
    light = set(VOCAB.group("light_rare_earth"))
    medium_heavy = set(VOCAB.group("medium_heavy_rare_earth"))
    assert not light & medium_heavy
    assert light | medium_heavy == set(VOCAB.rare_earths)
    # as named by 2025 No. 18 and 2025 No. 57
    assert medium_heavy == {"Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"} | {
        "Ho",
        "Er",
        "Tm",
        "Eu",
        "Yb",
    }


def test_every_group_has_a_tagged_source() -> None:
    for g in VOCAB.element_groups:
        assert g.sources
        assert all(s.url.startswith("https://") and s.tag in "PSU" for s in g.sources)


def test_unknown_group_is_an_error() -> None:
    with pytest.raises(KeyError, match="unknown element group 'noble'"):
        VOCAB.group("noble")


def test_literal_types_equal_the_data() -> None:
    assert get_args(Kind) == VOCAB.kind_ids
    assert get_args(EndUse) == VOCAB.end_use_ids


def test_registry_roles_equal_the_data() -> None:
    from lanthanide.registry.roles import ROLES, Role

    assert get_args(Role) == VOCAB.role_ids == ROLES


def test_decide_and_classify_read_the_vocabulary() -> None:
    from lanthanide.classify.glossary import ELEMENTS
    from lanthanide.decide.model import END_USE_HELP, END_USES, KINDS

    assert VOCAB.kind_ids == KINDS
    assert END_USES == tuple(END_USE_HELP) == VOCAB.end_use_ids
    assert [sym for _, sym, _, _ in ELEMENTS] == [e.symbol for e in VOCAB.elements if e.glossary]


def test_supply_commodities_are_the_ones_with_supply_data() -> None:
    from lanthanide.supply.commodities import COMMODITIES, canonical

    assert list(COMMODITIES) == [c.id for c in VOCAB.commodities if c.supply]
    found = VOCAB.commodity("rare_earths")
    assert found is not None
    assert canonical("rare_earths") == "rare_earth" == found.id
    assert VOCAB.commodity("plutonium") is None


def test_rulebook_elements_and_end_uses_are_in_the_vocabulary(book: Rulebook) -> None:
    symbols = set(VOCAB.symbols)
    ids = set(book.instruments)
    used_by: dict[str, set[str]] = {}
    for inst in book.instruments.values():
        for c in inst.controls:
            for use in c.end_uses or ():
                used_by.setdefault(use, set()).add(inst.id)
    for term in VOCAB.end_uses:
        assert set(term.basis) <= ids, term.id
        assert set(term.basis) == used_by.get(term.id, set()), term.id
    named = {e for r in book.item_refs for e in r.item.elements}
    named |= {
        e for i in book.instruments.values() for c in i.controls for e in c.applies_to.elements
    }
    assert named <= symbols, f"elements missing from elements.yaml: {sorted(named - symbols)}"


# ------------------------------------------------------------------ loading
def test_bundled_data_loads_the_same_from_texts() -> None:
    assert load(texts()) == VOCAB


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "kinds",
            "classify: false",
            "classify: false\n    colour: red",
            r"kinds\[2\]\.colour: unknown key",
        ),
        ("kinds", "    classify: false\n", "", r"kinds\[2\].classify: missing"),
        (
            "elements",
            "groups: [rare_earth, light_rare_earth]}",
            "groups: [rare_earth, lite]}",
            "unknown group 'lite'",
        ),
        ("roles", "id: analyst", "id: officer", "duplicate id officer"),
        (
            "params",
            'nm: {unit: um, factor: "1/1000"}',
            'nm: {unit: um, factor: "0"}',
            "factor must be positive",
        ),
        ("params", "text: {units: [gpa]}", "text: {units: [mpa]}", "'mpa' is not a unit of GPa"),
        ("params", "  - id: form\n", '  - id: form\n    unit: "%"\n', "either a unit or choices"),
        ("end_uses", "basis: []", "basis: [1]", "expected a list of strings"),
        ("commodities", "network: false", "network: no-thanks", "network: expected"),
        ("kinds", "kinds:", "kinds: [", "not valid YAML"),
    ],
)
def test_bad_data_is_refused_naming_file_and_field(
    file: str, old: str, new: str, message: str
) -> None:
    t = texts()
    assert old in t[file]
    t[file] = t[file].replace(old, new, 1)
    with pytest.raises(VocabularyError, match=message) as exc:
        load(t)
    assert str(exc.value).startswith(f"{file}.yaml: ")


def test_a_missing_file_is_named() -> None:
    t = texts()
    del t["roles"]
    with pytest.raises(VocabularyError, match=r"roles\.yaml: missing"):
        load(t)


# ------------------------------------------------------------------ docs
def test_docs_table_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(VOCAB), (
        "docs/vocabulary.md is stale: run python -m lanthanide.vocab > docs/vocabulary.md"
    )


def test_docs_table_lists_every_term() -> None:
    page = markdown(VOCAB)
    for term in (*VOCAB.kinds, *VOCAB.end_uses, *VOCAB.roles, *VOCAB.commodities):
        assert f"| `{term.id}` | {term.label.zh} |" in page
    for p in VOCAB.params.values():
        assert f"| `{p.id}` |" in page
    for e in VOCAB.elements:
        assert f"| {e.symbol} | {e.name.zh} |" in page
