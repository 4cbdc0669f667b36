"""Supply pages in a real browser: shares and HHI charts, exposure, and a
bundled scenario with its Sankey, drawn by the plotly bundled in the package."""

from __future__ import annotations

from lanthanide.web import backend
from lanthanide.web.render import number

from .conftest import Page, keep


def test_shares_and_exposure(page: Page) -> None:
    page.go("/supply?commodity=rare_earth&stage=mining&year=2024&country=JP")
    want = backend.supply_shares("rare_earth", "mining", 2024)["editions"][0]
    assert page.locator("#hhi").inner_text() == number(want["hhi"])
    page.wait_for_selector("#shares .chart .main-svg")
    page.wait_for_selector("#exposure .chart .main-svg")
    stages = [s["stage"] for s in backend.supply_exposure("JP", "rare_earth")["stages"]]
    assert [r.inner_text() for r in page.locator("#exposure tbody tr td:first-child").all()] == (
        stages
    )
    page.shot("supply")


def test_bad_supply_inputs_are_shown_by_their_field(page: Page) -> None:
    page.go("/supply?year=abc")
    assert page.locator("#year-error").count() == 1
    page.go("/supply?commodity=rare_earth&stage=mining&year=2024&country=germany")
    assert page.locator("#country-error").count() == 1


def test_scenario_sankey(page: Page) -> None:
    page.go("/supply/scenario")
    page.select_option("#f-scenario", "japan-2010")
    page.click("#scenario-form button[type=submit]")
    page.wait_for_selector("#scenario-result .chart .sankey")
    want = backend.run_scenario("japan-2010")["years"][-1]
    jp = page.locator("#countries tr[data-country=JP] td").nth(3).inner_text()
    jp_want = next(c for c in want["countries"] if c["country"] == "JP")["shortfall"]
    assert float(jp.replace(",", "")) == round(jp_want)
    keep(page.shot("scenario"), "scenario")
