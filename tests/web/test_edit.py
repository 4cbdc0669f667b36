"""Editing a draft application in a real browser: the form comes filled in
from the draft, saving replaces it (as ``PUT /api/v1/licence-applications/{id}``),
errors land next to their field, and only the owning exporter may edit, only
while it is a draft; CSRF is required."""

from __future__ import annotations

from .conftest import Page, Site, keep
from .test_registry import api, new_application


def test_exporter_edits_a_draft(page: Page, site: Site) -> None:
    page.sign_in(site.tokens["exporter_a"])
    app_id = new_application(page, end_user="Nagoya Motors KK", qty="1000")
    page.click("#edit-app")
    page.wait_for_url(f"**/registry/applications/{app_id}/edit")
    assert page.input_value("#f-end_user") == "Nagoya Motors KK"
    assert page.input_value("[id='f-lines.0.item']") == "1C902.a"
    assert page.input_value("[id='f-lines.0.quantity']") == "1000"
    page.fill("#f-end_user", "Nagoya Motors Co., Ltd.")
    page.fill("[id='f-lines.0.quantity']", "600")
    # a second line in the third row (the second left blank)
    page.fill("[id='f-lines.2.item']", "1C902.a")
    page.fill("[id='f-lines.2.quantity']", "40")
    page.fill("[id='f-lines.2.value']", "9000")
    keep(page.shot("edit-draft"), "edit-draft")
    page.click("#save-app")
    page.wait_for_url(f"**/registry/applications/{app_id}")
    stored = api(site, "exporter_a", "GET", f"/licence-applications/{app_id}").json()
    assert stored["state"] == "draft" and stored["end_user"] == "Nagoya Motors Co., Ltd."
    assert [(ln["quantity"], ln["value"]) for ln in stored["lines"]] == [
        (600.0, 250000.0),
        (40.0, 9000.0),
    ]
    assert "Nagoya Motors Co., Ltd." in page.inner_text("main")


def test_edit_errors_are_shown_by_their_field_and_nothing_is_saved(page: Page, site: Site) -> None:
    page.sign_in(site.tokens["exporter_a"])
    app_id = new_application(page, end_user="Kobe Alloys KK", qty="1000")
    page.go(f"/registry/applications/{app_id}/edit")
    page.fill("[id='f-lines.0.quantity']", "-5")
    page.fill("[id='f-lines.3.item']", "1C902.a")  # row 4: an item without a quantity
    page.click("#save-app")
    page.wait_for_load_state()
    assert "/edit" in page.url
    assert page.locator("[id='lines.0.quantity-error']").count() == 1
    assert page.locator("[id='lines.3.quantity-error']").count() == 1
    assert page.locator("[id='lines.1.quantity-error']").count() == 0
    assert page.get_attribute("[id='f-lines.0.quantity']", "aria-invalid") == "true"
    assert page.input_value("[id='f-lines.0.quantity']") == "-5"  # what was typed stays
    stored = api(site, "exporter_a", "GET", f"/licence-applications/{app_id}").json()
    assert [ln["quantity"] for ln in stored["lines"]] == [1000.0]
    page.go(f"/registry/applications/{app_id}/edit?lang=zh")
    assert page.locator("h1").inner_text().startswith("编辑申请草稿")
    page.go(f"/registry/applications/{app_id}?lang=en")


def test_only_the_owner_edits_and_only_a_draft(page: Page, other_page: Page, site: Site) -> None:
    page.sign_in(site.tokens["exporter_a"])
    app_id = new_application(page, end_user="Sendai Drives KK", qty="1000")
    target = f"/registry/applications/{app_id}/edit"
    form = {
        "licence_type": "single",
        "destination": "JP",
        "end_user": "Taken Over Ltd.",
        "end_use": "civil",
        "lines.0.item": "1C902.a",
        "lines.0.quantity": "1",
        "lines.0.value": "1",
    }
    # another party: 404 as the API, on the page and on the form
    b = other_page
    b.sign_in(site.tokens["exporter_b"])
    assert b.go(target).status == 404
    assert "Sendai Drives" not in b.content()
    theirs = b.locator("input[name=csrf]").first.get_attribute("value")
    assert b.request.post(b.base + target, form={**form, "csrf": theirs}).status == 404
    body = {k: form[k] for k in ("licence_type", "destination", "end_user", "end_use")}
    body["lines"] = [{"item": "1C902.a", "quantity": 1, "value": 1}]
    put = api(site, "exporter_b", "PUT", f"/licence-applications/{app_id}", json=body)
    assert put.status_code == 404
    # the owner without the session's CSRF token: 403
    assert page.request.post(page.base + target, form=form).status == 403
    stored = api(site, "exporter_a", "GET", f"/licence-applications/{app_id}").json()
    assert stored["end_user"] == "Sendai Drives KK"
    # once submitted: no edit button, and the edit page says why (409)
    page.go(f"/registry/applications/{app_id}")
    page.click("#submit-app")
    page.wait_for_load_state()
    assert page.locator("#edit-app").count() == 0
    r = page.go(target)
    assert r.status == 409
    assert "only a draft" in page.inner_text("main")
    mine = page.locator("input[name=csrf]").first.get_attribute("value")
    assert page.request.post(page.base + target, form={**form, "csrf": mine}).status == 409
    # an officer may see the application but not edit it
    officer = other_page
    officer.context.clear_cookies()
    officer.sign_in(site.tokens["officer"])
    assert officer.go(target).status == 403
