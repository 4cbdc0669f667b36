"""Registry pages in a real browser: an exporter creates and submits an
application, an officer decides it from the inbox, a shipment draws the
line down and the bar moves; party isolation as in the API; CSRF."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from .conftest import Page, Site, keep


def new_application(page: Page, *, end_user: str, qty: str = "1000") -> int:
    page.go("/registry/applications/new")
    page.select_option("#f-licence_type", "single")
    page.fill("#f-destination", "JP")
    page.fill("#f-end_user", end_user)
    page.select_option("#f-end_use", "civil")
    page.fill("[id='f-lines.0.item']", "1C902.a")
    page.fill("[id='f-lines.0.quantity']", qty)
    page.fill("[id='f-lines.0.value']", "250000")
    page.click("#application-form button[type=submit]")
    page.wait_for_url(re.compile(r"/registry/applications/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def api(site: Site, who: str, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {site.tokens[who]}"}
    return httpx.request(method, site.url + "/api/v1" + path, headers=headers, timeout=60, **kw)


def test_exporter_applies_officer_decides_shipment_moves_the_bar(
    page: Page, other_page: Page, site: Site
) -> None:
    page.sign_in(site.tokens["exporter_a"])
    assert "/registry/applications" in page.url
    app_id = new_application(page, end_user="Tokyo Magnets KK")
    assert page.locator("#app-state").get_attribute("data-state") == "draft"
    page.shot("application-draft")
    page.click("#submit-app")
    page.wait_for_load_state()
    assert page.locator("#app-state").get_attribute("data-state") == "submitted"
    stored = api(site, "exporter_a", "GET", f"/licence-applications/{app_id}").json()
    assert stored["state"] == "submitted" and stored["verdict"]
    assert page.locator("#det-h .badge").get_attribute("data-verdict") == stored["verdict"]

    officer = other_page
    officer.sign_in(site.tokens["officer"])
    assert "/registry/inbox" in officer.url
    row = officer.locator(f"#applications tr[data-id='{app_id}']")
    assert row.count() == 1
    assert f"{stored['working_days_left']} working days left" in row.inner_text()
    deadlines = [
        r.locator("td").nth(8).inner_text().split("\n")[0]
        for r in officer.locator("#applications tbody tr").all()
    ]
    assert deadlines == sorted(deadlines)
    keep(officer.shot("inbox"), "inbox")
    row.locator("a").first.click()
    officer.wait_for_load_state()
    keep(officer.shot("decision"), "decision")
    officer.check("input[name=decision][value=approve]")
    officer.click("#decide")
    officer.wait_for_load_state()
    assert officer.locator("#app-state").get_attribute("data-state") == "approved"
    decided = api(site, "officer", "GET", f"/licence-applications/{app_id}").json()
    assert decided["state"] == "approved" and decided["licence_id"]

    page.reload()
    page.click("#licence-link")
    page.wait_for_load_state()
    line = page.locator("tr.licence-line[data-line='1']")
    assert line.get_attribute("data-used") == "0"
    used_bar = line.locator(".bar .used")
    assert used_bar.evaluate("e => e.getBoundingClientRect().width") == 0
    page.fill("#f-quantity", "250")
    page.fill("#f-value", "62500")
    page.click("#ship")
    page.wait_for_load_state()
    line = page.locator("tr.licence-line[data-line='1']")
    assert line.get_attribute("data-used") == "250"
    assert line.get_attribute("data-available") == "750"
    bar = line.locator(".bar")
    full = bar.evaluate("e => e.getBoundingClientRect().width")
    used = line.locator(".bar .used").evaluate("e => e.getBoundingClientRect().width")
    assert used == pytest.approx(full * 0.25, abs=2)
    lic = api(site, "exporter_a", "GET", f"/licences/{decided['licence_id']}").json()
    assert lic["lines"][0]["used"] == 250.0
    assert page.locator("#shipments tbody tr").count() == 1
    keep(page.shot("licence"), "licence")

    # more than is left: refused with the registry's reason by the quantity field
    page.fill("#f-quantity", "5000")
    page.fill("#f-value", "1")
    page.click("#ship")
    page.wait_for_load_state()
    assert "exceeds what is left" in page.locator("#quantity-error").inner_text()
    assert page.locator("tr.licence-line[data-line='1']").get_attribute("data-used") == "250"


def test_other_party_sees_nothing_the_api_would_not_show(
    page: Page, other_page: Page, site: Site
) -> None:
    page.sign_in(site.tokens["exporter_a"])
    app_id = new_application(page, end_user="Osaka Motors")
    b = other_page
    b.sign_in(site.tokens["exporter_b"])
    resp = b.go(f"/registry/applications/{app_id}")
    assert resp.status == 404
    assert api(site, "exporter_b", "GET", f"/licence-applications/{app_id}").status_code == 404
    assert "Osaka Motors" not in b.content()
    b.go("/registry/applications")
    assert b.locator(f"#applications tr[data-id='{app_id}']").count() == 0
    api_ids = {a["id"] for a in api(site, "exporter_b", "GET", "/licence-applications").json()}
    page_ids = {int(r.get_attribute("data-id")) for r in b.locator("#applications tbody tr").all()}
    assert page_ids == api_ids
    # and B cannot act on it either: same 404 as the API
    token = b.locator("input[name=csrf]").first.get_attribute("value")
    r = b.request.post(b.base + f"/registry/applications/{app_id}/submit", form={"csrf": token})
    assert r.status == 404
    assert (
        api(site, "exporter_a", "GET", f"/licence-applications/{app_id}").json()["state"] == "draft"
    )
    # an analyst may not open the officer inbox; an exporter may not see summaries
    assert b.go("/registry/summary").status == 403
    assert b.go("/registry/inbox").status == 403


def test_signed_out_pages_ask_for_sign_in(page: Page, site: Site) -> None:
    assert page.go("/registry/applications").status == 401
    assert page.locator("#f-token").count() == 1
    page.go("/signin")
    page.fill("#f-token", "lnt_not-a-real-token")
    page.click("#signin-form button[type=submit]")
    assert "unknown or revoked token" in page.locator("#token-error").inner_text()


def test_csrf_is_required_on_every_form(page: Page, site: Site) -> None:
    page.sign_in(site.tokens["exporter_a"])
    app_id = new_application(page, end_user="CSRF Test KK")
    target = page.base + f"/registry/applications/{app_id}/submit"
    assert page.request.post(target, form={}).status == 403
    assert page.request.post(target, form={"csrf": "wrong"}).status == 403
    assert (
        api(site, "exporter_a", "GET", f"/licence-applications/{app_id}").json()["state"] == "draft"
    )
    # a token of another session does not work either
    other = httpx.get(page.base + "/signin")
    theirs = re.search(r'name="csrf" value="([^"]+)"', other.text)
    assert theirs is not None
    assert page.request.post(target, form={"csrf": theirs.group(1)}).status == 403
    # sign-in itself needs the token of the session that shows the form
    r = httpx.post(page.base + "/signin", data={"token": site.tokens["officer"]})
    assert r.status_code == 403


def test_session_cookie_is_httponly_strict_and_holds_no_token(page: Page, site: Site) -> None:
    page.go("/signin")
    before = {c["name"]: c["value"] for c in page.context.cookies()}["lnt_session"]
    page.sign_in(site.tokens["exporter_b"])
    cookies = {c["name"]: c for c in page.context.cookies()}
    s = cookies["lnt_session"]
    assert s["httpOnly"] and s["sameSite"] == "Strict"
    assert site.tokens["exporter_b"] not in s["value"]
    assert s["value"] != before  # a fresh session id at sign-in
    assert page.evaluate("document.cookie") == ""
    assert "/registry/applications" in page.url
    # signing out ends the session on the server: the old cookie is worth nothing
    page.click("header form[action='/signout'] button")
    page.wait_for_load_state()
    page.context.add_cookies([{**s, "value": s["value"]}])
    assert page.go("/registry/applications").status == 401


def test_exporter_submits_a_report_and_the_analyst_sees_it(
    page: Page, other_page: Page, site: Site
) -> None:
    page.sign_in(site.tokens["exporter_a"])
    page.go("/registry/reports")
    before = api(site, "analyst", "GET", "/reports/summary").json()["reports"]
    page.fill("#f-client_key", "web-report-1")
    page.select_option("#f-product_type", "oxide")
    page.fill("#f-hs", "2846901500")
    page.fill("#f-elements", "Dy, Tb")
    page.fill("#f-quantity_kg", "120")
    page.fill("#f-value", "48000")
    page.fill("#f-destination", "JP")
    page.fill("#f-contract_date", "2026-10-01")
    page.fill("#f-customs_port", "Tianjin")
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#reports tbody tr").count() == 1
    a = other_page
    a.sign_in(site.tokens["analyst"])
    s = api(site, "analyst", "GET", "/reports/summary").json()
    assert s["reports"] == before + 1
    assert a.locator("#total-reports").inner_text() == str(s["reports"])
    a.wait_for_selector(".chart .main-svg")  # plotly drew from the local bundle
    keep(a.shot("summary"), "summary")
    # a field error from the registry lands by its field
    page.fill("#f-client_key", "web-report-2")
    page.fill("#f-hs", "12")
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#hs-error").count() == 1
    # amend: a new version, the old one kept in the history
    page.go("/registry/reports")
    page.locator("#reports tbody tr a").first.click()
    page.wait_for_load_state()
    report_id = int(page.url.rsplit("/", 1)[1])
    page.fill("#f-reason", "weighed again at the port")
    page.fill("#f-quantity_kg", "118.5")
    page.click("#amend-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#report-version").get_attribute("data-version") == "2"
    stored = api(site, "exporter_a", "GET", f"/reports/{report_id}").json()
    assert stored["version"] == 2 and stored["quantity_kg"] == 118.5
    assert page.locator("#history tbody tr").count() == len(stored["history"]) == 2
    assert "weighed again at the port" in page.locator("#history").inner_text()
    # an amendment that changes nothing is refused by the reason field
    page.fill("#f-reason", "nothing")
    page.click("#amend-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#reason-error").count() == 1
    # another party's report is 404 as in the API
    b = other_page
    b.sign_in(site.tokens["exporter_b"])
    assert api(site, "exporter_b", "GET", f"/reports/{report_id}").status_code == 404
    assert b.go(f"/registry/reports/{report_id}").status == 404
    assert "weighed again" not in b.content()
