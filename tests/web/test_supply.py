"""Supply pages in a real browser: shares and HHI charts, exposure, and a
bundled scenario with its Sankey, drawn by the plotly bundled in the package."""

from __future__ import annotations

from pathlib import Path

import yaml

from lanthanide._client import default
from lanthanide.web import backend
from lanthanide.web.render import number
from lanthanide.web.supply_pages import MAX_SCENARIO_BYTES

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


def _bundled_yaml(name: str) -> str:
    from importlib import resources

    root = resources.files("lanthanide.supply") / "scenarios"
    return (root / f"{name}.yaml").read_text(encoding="utf-8")


def test_uploaded_scenario_runs_with_its_sankey(page: Page, tmp_path: Path) -> None:
    text = _bundled_yaml("japan-2010").replace("name: japan-2010", "name: my-japan-upload")
    f = tmp_path / "mine.yaml"
    f.write_text(text, encoding="utf-8")
    page.go("/supply/scenario")
    page.set_input_files("#f-file", str(f))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#scenario-result .chart .sankey")
    assert "my-japan-upload" in page.locator("#scenario-result h2").inner_text()
    want = default().scenario(yaml.safe_load(text))["years"][-1]
    jp = page.locator("#countries tr[data-country=JP] td").nth(3).inner_text()
    jp_want = next(c for c in want["countries"] if c["country"] == "JP")["shortfall"]
    assert float(jp.replace(",", "")) == round(jp_want)
    keep(page.shot("scenario-upload"), "scenario-upload")


def test_bad_scenario_errors_are_shown_by_the_field(page: Page, tmp_path: Path) -> None:
    page.go("/supply/scenario")
    bad = _bundled_yaml("japan-2010").replace("commodity: rare_earth", "commodity: unobtainium")
    page.fill("#f-yaml", bad)
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    err = page.locator("#yaml-error").inner_text()
    assert "commodity" in err and "unobtainium" in err
    assert page.locator("#scenario-result").count() == 0
    assert page.input_value("#f-yaml") == bad  # kept to correct it
    page.fill("#f-yaml", "")
    f = tmp_path / "broken.yaml"
    f.write_text("name: [unclosed", encoding="utf-8")
    page.set_input_files("#f-file", str(f))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    assert "not valid YAML" in page.locator("#file-error").inner_text()
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_SCENARIO_BYTES + 10))
    page.set_input_files("#f-file", str(big))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    assert "256 KB" in page.locator("#file-error").inner_text()
    # Chinese page: the field's label and the empty-form error in Chinese
    page.go("/supply/scenario?lang=zh")
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#yaml-error").inner_text().endswith("请选择文件或粘贴情景")
    page.go("/supply/scenario?lang=en")


def test_scenario_upload_needs_the_csrf_token(page: Page) -> None:
    page.go("/supply/scenario")
    r = page.request.post(page.base + "/supply/scenario", multipart={"yaml": "name: x"})
    assert r.status == 403
