"""The FollowTheMoney export: one entity per party, one Sanction per listing."""

from __future__ import annotations

import json

from lanthanide.parties.ftm import to_ftm
from lanthanide.rules.book import load_rulebook

LISTS = load_rulebook().lists


def test_every_listing_is_a_sanction_of_an_entity() -> None:
    out = list(to_ftm(LISTS))
    sanctions = [e for e in out if e["schema"] == "Sanction"]
    parties = {e["id"]: e for e in out if e["schema"] != "Sanction"}
    assert len(sanctions) == len(LISTS) == 271
    assert len(parties) < 271  # parties on several lists are one entity
    for s in sanctions:
        (pid,) = s["properties"]["entity"]
        assert pid in parties
        assert s["properties"]["sourceUrl"]
    for e in out:
        assert all(isinstance(v, list) for v in e["properties"].values())
        json.dumps(e, ensure_ascii=False)


def test_mp_materials_entity_and_sanction() -> None:
    out = list(to_ftm(LISTS))
    mp = next(e for e in out if "MP Materials Corp." in e["properties"].get("name", []))
    assert mp["schema"] == "Company"
    assert mp["properties"]["country"] == ["us"]
    assert mp["properties"]["topics"] == ["export.control"]
    (s,) = [e for e in out if e["schema"] == "Sanction" and e["properties"]["entity"] == [mp["id"]]]
    assert s["properties"]["summary"] == ["商务部公告2026年第23号"]
    assert s["properties"]["startDate"] == ["2026-06-22"]
    av = next(e for e in out if "AeroVironment, Inc." in e["properties"].get("name", []))
    assert set(av["properties"]["topics"]) == {"export.control", "sanction", "debarment"}
