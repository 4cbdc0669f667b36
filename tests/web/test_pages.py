"""Classify → check, the language switch, the rules pages and the security
headers, in a real browser against a real server."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from lanthanide._client import default
from lanthanide.rules import report

from .conftest import Page, Site, keep, words


def test_classify_then_check_this_item(page: Page) -> None:
    page.go("/classify")
    page.fill("#f-q", "氧化镝 99.99%")
    page.click("form[role=search] button[type=submit]")
    want = default().classify("氧化镝 99.99%", top=10).to_dict()
    rows = page.locator("tr.candidate")
    assert rows.count() == len(want["results"]) > 0
    first = want["results"][0]
    assert rows.first.get_attribute("data-code") == first["code"]
    assert first["confidence"] in rows.first.inner_text()
    marks = [m.inner_text() for m in rows.first.locator("mark").all()]
    assert set(first["matched"]["keywords"]) <= set(marks)
    keep(page.shot("classify"), "classify")
    rows.first.locator("button.check-item").click()
    page.wait_for_selector("#answer")
    assert f"item={first['code']}" in page.url
    assert "purity" in page.url  # the parameter found in the text goes along
    item_codes = {c.inner_text() for c in page.locator("#answer .item-code").all()}
    verdict = page.locator("#answer-h .badge").get_attribute("data-verdict")
    assert verdict
    if verdict != "undetermined":
        assert first["code"] in item_codes


def test_blank_classify_query_is_an_error_by_the_box(page: Page) -> None:
    page.go("/classify?q=%20%20")
    assert page.locator("#q-error").count() == 1
    assert page.locator("tr.candidate").count() == 0


def test_language_switch_keeps_the_page_and_is_remembered(page: Page) -> None:
    page.go("/check?" + urlencode({"item": "1C902.a", "to": "US", "on": "2026-06-01"}))
    assert page.locator("html").get_attribute("lang") == "en"
    number = page.locator("#answer article.finding .number").first.inner_text()
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("label[for=f-to]").inner_text() == "目的地"
    # official numbers and titles are shown exactly as they are
    assert page.locator("#answer article.finding .number").first.inner_text() == number
    keep(page.shot("check-zh"), "check-zh")
    page.go("/rules")
    assert page.locator("h1").inner_text().startswith("法规")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Instruments")


def test_rules_list_instrument_coverage_and_diff(page: Page) -> None:
    page.go("/rules")
    want = report.list_instruments(default().rulebook)
    assert page.locator("#instruments tbody tr").count() == len(want)
    counts = [
        r.locator("td").last.inner_text() for r in page.locator("#instruments tbody tr").all()
    ]
    assert counts == [str(r["items"]) for r in want]
    page.fill("#f-on", "2025-06-01")
    page.select_option("#f-regime", "dual_use")
    page.click("form.searchbar button[type=submit]")
    from datetime import date

    on = report.list_instruments(default().rulebook, on=date(2025, 6, 1), regime="dual_use")
    ids = [r.get_attribute("data-id") for r in page.locator("#instruments tbody tr").all()]
    assert ids == [r["id"] for r in on]
    page.shot("rules")
    page.locator("#instruments a", has_text="商务部 海关总署公告2025年第18号").first.click()
    page.wait_for_load_state()
    inst = report.show(default().rulebook, "cn-mofcom-gac-2025-18")
    assert page.locator("#inst-number").inner_text() == inst["number"]
    assert page.locator("#items tbody tr").count() == len(inst["items"])
    keep(page.shot("instrument"), "instrument")
    page.go("/rules/coverage")
    cov = report.coverage(default().rulebook)
    assert page.locator("#coverage tbody tr").count() == len(cov["catalogues"])
    page.go("/rules/diff?a=cn-mofcom-most-2020-38&b=cn-mofcom-most-2023-57")
    d = report.diff(default().rulebook, "cn-mofcom-most-2020-38", "cn-mofcom-most-2023-57")
    text = words(page.locator("main").inner_text())
    for it in d["added"][:3]:
        assert it["code"] in text
    page.go("/rules/no-such-thing")
    assert "Not found" in page.locator("h1").inner_text()


def test_security_headers_and_local_assets(site: Site) -> None:
    for path in ("/", "/check?item=1C902.a", "/classify?q=x", "/rules", "/signin"):
        r = httpx.get(site.url + path)
        csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
        assert csp["script-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        assert csp["object-src"] == "'none'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert "<script>" not in r.text  # no inline script
    for asset in ("/static/vendor/htmx.min.js", "/static/vendor/plotly.min.js", "/static/app.js"):
        r = httpx.get(site.url + asset)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert httpx.get(site.url + "/static/%2e%2e/__init__.py").status_code == 404
    assert httpx.get(site.url + "/static/vendor/htmx.LICENSE.txt").status_code == 200
    # the JSON API keeps its own headers and shapes
    assert httpx.get(site.url + "/api/v1/health").json()["status"] == "ok"
