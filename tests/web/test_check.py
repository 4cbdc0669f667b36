"""The check page in a real browser: the same verdict, citations, questions
and warnings as the determination engine; follow-up questions; errors by
their field; permalink and JSON download; the trace on demand."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from lanthanide._client import default
from lanthanide.countries import codes
from lanthanide.decide import make_case

from .conftest import Page, keep, words

CASES: list[dict[str, str]] = [
    {"item": "1C902.a", "to": "US", "on": "2026-06-01"},
    {"text": "氧化镝", "to": "US", "on": "2026-06-01"},
    {"hs": "2846901500", "to": "JP", "on": "2025-06-01"},
    {"item": "1C902.a", "to": "JP", "on": "2026-06-01", "end_use": "military"},
    {"item": "1C905.b", "to": "DE", "on": "2024-06-01"},
    {"text": "gallium nitride wafers", "to": "US", "on": "2026-06-01"},
]


def expected(case: dict[str, str]) -> dict[str, Any]:
    """What ``lanthanide check --format json`` answers (the public API)."""
    d = default().check(
        item=case.get("item"),
        hs=case.get("hs"),
        text=case.get("text"),
        destination=case.get("to"),
        on=case.get("on"),
        end_use=case.get("end_use"),
    )
    out: dict[str, Any] = d.to_dict()
    return out


def shown(page: Page) -> dict[str, Any]:
    """What the answer page shows, read from the DOM."""
    findings = []
    for art in page.locator("#answer article.finding").all():
        code = art.locator(".item-code")
        findings.append(
            (
                art.get_attribute("data-effect"),
                words(art.locator(".number").inner_text()),
                code.inner_text() if code.count() else None,
                sorted(a.get_attribute("href") for a in art.locator("a.src").all()),
            )
        )
    return {
        "verdict": page.locator("#answer-h .badge").get_attribute("data-verdict"),
        "findings": findings,
        "questions": [
            words(x.inner_text()) for x in page.locator("fieldset.question legend").all()
        ],
        "warnings": sorted(w.get_attribute("data-code") for w in page.locator("li.warning").all()),
    }


def as_expected(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "verdict": d["verdict"],
        "findings": [
            (
                f["effect"],
                f["instrument"]["number"] or f["instrument"]["id"],
                f["item"]["code"] if f["item"] else None,
                sorted(s["url"] for s in f["sources"]),
            )
            for f in d["findings"]
        ],
        "questions": [words(q["text"]) for q in d["questions"]],
        "warnings": sorted(w["code"] for w in d["warnings"]),
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c.values()))
def test_page_shows_what_the_engine_decides(page: Page, case: dict[str, str]) -> None:
    page.go("/check?" + urlencode({**case, "go": "1"}))
    assert shown(page) == as_expected(expected(case))


def test_answering_a_question_reruns_the_check(page: Page) -> None:
    case = {"text": "稀土金属", "to": "US", "on": "2026-06-01"}  # several metals: asks which
    first = expected(case)
    assert first["verdict"] == "undetermined"
    page.go("/check")
    page.fill("#f-text", case["text"])
    page.fill("#f-to", case["to"])
    page.fill("#f-on", case["on"])
    page.click("#check-form button[type=submit]")
    assert page.locator("#answer-h .badge").get_attribute("data-verdict") == "undetermined"
    keep(page.shot("check-question"), "check-question")
    q = page.locator("fieldset.question[data-field=item]")
    choice = q.locator("input[type=radio]").first
    item = choice.get_attribute("value")
    assert item
    choice.check()
    page.click("#recheck")
    answered = expected({**case, "item": item})
    assert shown(page) == as_expected(answered)
    assert answered["verdict"] != "undetermined"
    # the answer is in the permalink: reloading it gives the same page
    assert f"item={item}" in page.url
    keep(page.shot("check-answer"), "check-answer")


def test_end_use_question_as_a_select(page: Page) -> None:
    case = {"text": "氧化镝", "item": "1C905.b", "to": "US", "on": "2026-06-01"}
    page.go("/check?" + urlencode({**case, "go": "1"}))
    sel = page.locator("fieldset.question[data-field=end_use] select")
    if sel.count() == 0:
        pytest.fail("expected an end-use question for a dual-use item to the US")
    sel.select_option("military")
    page.click("#recheck")
    assert shown(page) == as_expected(expected({**case, "end_use": "military"}))


@pytest.mark.parametrize("blank", ["", "   ", "\u3000"])
def test_blank_input_is_an_error_by_the_field_never_a_verdict(page: Page, blank: str) -> None:
    page.go("/check")
    page.fill("#f-text", blank)
    page.fill("#f-to", "US")
    page.click("#check-form button[type=submit]")
    assert page.locator("#answer").count() == 0
    assert page.locator(".badge").count() == 0
    err = page.locator("#item-error")
    assert "give at least one of item, hs or text" in err.inner_text()
    assert page.locator("#f-item").get_attribute("aria-invalid") == "true"


def test_bad_destination_message_is_next_to_the_destination(page: Page) -> None:
    page.go("/check?" + urlencode({"item": "1C902.a", "to": "XX", "go": "1"}))
    assert page.locator("#answer").count() == 0
    msg = page.locator("#to-error").inner_text()
    with pytest.raises(Exception) as exc:
        make_case(item="1C902.a", destination="XX", countries=codes())
    assert getattr(exc.value, "field", None) == "destination"
    assert getattr(exc.value, "message", "") in msg
    assert page.locator("#f-to").get_attribute("aria-describedby") == "to-hint to-error"
    page.shot("check-error")


@pytest.mark.parametrize("params", ["purity", "colour=red"])
def test_bad_parameter_is_shown_by_the_parameters(page: Page, params: str) -> None:
    page.go("/check?" + urlencode({"item": "1C902.a", "to": "US", "params": params}))
    assert page.locator("#answer").count() == 0
    assert page.locator("#params-error").count() == 1
    assert page.locator("#f-params").get_attribute("aria-invalid") == "true"


def test_permalink_json_download_and_trace(page: Page) -> None:
    case = {"item": "1C902.a", "to": "US", "on": "2026-06-01"}
    page.go("/check?" + urlencode(case))
    trace = page.locator("details#trace")
    assert not trace.evaluate("d => d.open")
    assert not page.locator("details#trace table").is_visible()
    page.click("details#trace summary")
    assert page.locator("details#trace table").is_visible()
    rows = page.locator("details#trace tbody tr").count()
    want = expected(case)
    assert rows == len(want["trace"]) > 0
    href = page.locator("#download-json").get_attribute("href")
    assert href is not None
    r = page.request.get(page.base + href)
    assert r.status == 200
    assert "attachment" in r.headers["content-disposition"]
    assert json.loads(r.text()) == json.loads(json.dumps(want))  # as JSON (tuples are lists)
    permalink = page.locator("#permalink").get_attribute("href")
    page.go(permalink)
    assert shown(page) == as_expected(want)


def test_duties_are_folded_away(page: Page) -> None:
    case = {"text": "氧化镝", "to": "US", "on": "2026-06-01"}
    want = expected(case)
    duties = [w for w in want["warnings"] if w["code"].startswith("duty:")]
    assert duties, "the case should carry duties"
    page.go("/check?" + urlencode(case))
    details = page.locator("details.duties")
    assert not details.evaluate("d => d.open")
    assert details.locator("li.duty").count() == len(duties)
    assert not details.locator("li.duty").first.is_visible()


def test_phone_width(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.go("/check?" + urlencode({"item": "1C902.a", "to": "US", "on": "2026-06-01"}))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    page.shot("check-phone")


def test_keyboard_reaches_the_check_button(page: Page) -> None:
    page.go("/check")
    for _ in range(40):
        page.keyboard.press("Tab")
        if (
            page.evaluate("document.activeElement.textContent") == "Check"
            and page.evaluate("document.activeElement.type") == "submit"
        ):
            break
    else:
        pytest.fail("the Check button is not reachable with the keyboard")
    page.fill("#f-item", "1C902.a")
    page.focus("#f-item")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer")
