"""The 2026 facts as encoded (updates-2026.md), checked on the data itself."""

from __future__ import annotations

from datetime import date

from lanthanide.rules import load_rulebook


def test_data_date_moves_to_the_newest_source() -> None:
    assert load_rulebook(overlays=[]).data_as_of == date(2026, 10, 9)


def test_1c905_to_1c908_are_dy_lu_sc_y() -> None:
    book = load_rulebook(overlays=[])
    els = {
        it.code[:5]: it.elements
        for it in book.instruments["cn-mofcom-gac-2025-18"].items
        if it.code[:5] in {"1C905", "1C906", "1C907", "1C908"}
    }
    assert els == {"1C905": ("Dy",), "1C906": ("Lu",), "1C907": ("Sc",), "1C908": ("Y",)}
    for it in book.instruments["cn-mofcom-gac-2025-18"].items:
        if it.code[:5] in els:
            assert "N9" in {s.ref for s in it.sources}, it.code


def test_no_72_number_rests_on_two_sources() -> None:
    inst = load_rulebook(overlays=[]).instruments["cn-mofcom-2025-72"]
    assert inst.number_tag == "S"
    assert {"W43", "N3"} <= {s.ref for s in inst.sources}


def test_no_57_oxides_name_their_tariff_lines() -> None:
    book = load_rulebook(overlays=[])
    assert {r.item.code for r in book.hs_exact["2846901400"]} >= {"1C912.b"}
    assert {r.item.code for r in book.hs_exact["2846901920"]} >= {"1C910.b"}
    assert {r.item.code for r in book.hs_exact["2846901970"]} >= {"1C913.b"}
    assert all(
        h.tag == "U"
        for r in book.hs_exact["2846901400"]
        if r.item.code == "1C912.b"
        for h in r.item.hs
    )


def test_traditional_architecture_is_deleted_from_both_parts_in_2025() -> None:
    book = load_rulebook(overlays=[])
    v2023, v2025 = (
        next(v for v in book.catalogues["cn-tech-export-catalogue"] if v.version == y)
        for y in ("2023", "2025")
    )
    codes = {"TC2023-J-traditional-architecture", "TC2023-X-traditional-architecture"}
    assert codes <= set(v2023.items) and codes <= v2025.deleted_codes


def test_the_2020_deletion_of_052705j_is_doubtful() -> None:
    book = load_rulebook(overlays=[])
    v2020 = next(v for v in book.catalogues["cn-tech-export-catalogue"] if v.version == "2020")
    assert "052705J" in v2020.unknown_codes and "052705J" not in v2020.deleted_codes
    (d,) = [
        x
        for x in book.instruments["cn-mofcom-most-2020-38"].catalogue.deleted  # type: ignore[union-attr]
        if x.code == "052705J"
    ]
    assert d.tag == "U"


def test_new_2026_measures() -> None:
    book = load_rulebook(overlays=[])
    chlorine = book.instruments["cn-mofcom-gac-2026-29"]
    assert chlorine.number_tag == "U" and {s.tag for s in chlorine.sources} == {"U"}
    assert chlorine.controls[0].effect == "prohibited"
    assert chlorine.controls[0].valid.start == date(2026, 7, 10)
    drones = book.instruments["cn-mofcom-2026-34"]
    (duty,) = drones.duties
    assert duty.destinations.covers("US") and not duty.destinations.covers("DE")


def test_the_suspended_package_is_in_force_again_on_the_legal_text() -> None:
    book = load_rulebook(overlays=[])
    for i in ("cn-mofcom-gac-2025-55", "cn-mofcom-gac-2025-57", "cn-mofcom-2025-62"):
        assert book.instruments[i].status == "in_force"
    for i in ("cn-mofcom-gac-2025-70", "cn-mofcom-2025-72"):
        assert book.instruments[i].status == "expired"
