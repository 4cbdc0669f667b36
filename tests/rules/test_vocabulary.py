"""The bundled rulebook uses one spelling per commodity (the supply model and
the classifier group items by it)."""

from __future__ import annotations

from lanthanide import Lanthanide

COMMODITIES = {
    "rare_earth",
    "gallium",
    "germanium",
    "graphite",
    "antimony",
    "tungsten",
    "superhard",
    "lithium_battery",
    "lithium",
    "indium",
    "tellurium",
    "bismuth",
    "molybdenum",
}


def test_item_commodities_come_from_one_vocabulary() -> None:
    used = {r.item.commodity for r in Lanthanide().rulebook.item_refs} - {None}
    assert used <= COMMODITIES, f"unknown commodity spellings: {sorted(used - COMMODITIES)}"
