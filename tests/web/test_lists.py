"""The party-list page in a real browser: the lists on a date with their
status, sources and tags; the search box screens a name and shows each match
with score, confidence and the per-feature explanation, as the public API
answers; the check page shows the end user's party findings."""

from __future__ import annotations

from urllib.parse import urlencode

from lanthanide._client import default

from .conftest import Page, keep, words


def test_lists_on_a_date_show_status_sources_and_tags(page: Page) -> None:
    page.go("/rules/lists?" + urlencode({"list": "control", "on": "2026-06-01"}))
    want = default().party_lists("control", "2026-06-01")["entries"]
    rows = page.locator("#entries tbody tr")
    assert rows.count() == len(want) > 0
    shown = {r.get_attribute("data-entry"): r.get_attribute("data-status") for r in rows.all()}
    assert shown == {e["entry"]: e["status"] for e in want}
    stopped = next(e for e in want if e["status"] == "stopped")
    row = page.locator(f"#entries tr[data-entry='{stopped['entry']}']")
    assert stopped["number"] in row.inner_text()
    assert stopped["name"]["en"] in row.inner_text()
    assert row.locator("a.src").count() >= 1
    assert row.locator("abbr.tag").last.inner_text() == stopped["tag"]


def test_search_screens_a_name_with_its_explanation(page: Page) -> None:
    page.go("/rules/lists")
    page.fill("#f-q", "Lockhed Martn")
    page.fill("#f-on", "2026-06-01")
    page.click("#lists-form button[type=submit]")
    page.wait_for_selector("#matches")
    want = default().screen_party("Lockhed Martn", "2026-06-01")["matches"]
    arts = page.locator("#matches article.match")
    assert arts.count() == len(want) > 0
    first, m = arts.first, want[0]
    assert first.get_attribute("data-entry") == m["entry"]
    assert first.get_attribute("data-confidence") == m["confidence"]
    assert f"{m['score']:.2f}" in first.locator(".score").inner_text()
    assert words(m["explanation"]["summary"]) in words(first.locator(".explain").inner_text())
    toks = first.locator("table.tokens tbody tr:not(.unmatched)")
    assert toks.count() == len(m["explanation"]["tokens"])
    keep(page.shot("lists-search", full=False), "lists-search")
    # the match links to its row in the list
    first.locator("a.number").click()
    assert page.locator(f"#entries tr[data-entry='{m['entry']}']").is_visible()


def test_no_match_says_it_does_not_clear_and_bad_input_is_by_its_field(page: Page) -> None:
    page.go("/rules/lists?" + urlencode({"q": "Zqxv Nonexistent Trading"}))
    assert page.locator("#no-match").count() == 1
    page.go("/rules/lists?" + urlencode({"q": "x", "country": "usa", "on": "2026-06-01"}))
    assert page.locator("#country-error").count() == 1
    page.go("/rules/lists?on=yesterday")
    assert page.locator("#on-error").count() == 1


def test_lists_page_in_chinese(page: Page) -> None:
    page.go("/rules/lists?" + urlencode({"q": "洛克希德", "lang": "zh"}))
    assert page.locator("h1").inner_text() == "实体名单"
    assert page.locator("#matches article.match").count() >= 1
    page.go("/rules/lists?" + urlencode({"q": "x", "country": "usa", "lang": "zh"}))
    assert "两位国家代码" in page.locator("#country-error").inner_text()
    page.go("/rules/lists?lang=en")


def test_check_answer_shows_party_findings(page: Page) -> None:
    case = {"item": "1C902.a", "to": "US", "on": "2026-06-01", "end_user": "Lockheed Martin"}
    page.go("/check?" + urlencode(case))
    d = (
        default()
        .check(item="1C902.a", destination="US", on="2026-06-01", end_user="Lockheed Martin")
        .to_dict()
    )
    arts = page.locator("#parties article.party-match")
    assert arts.count() == len(d["parties"]["matches"]) > 0
    m = d["parties"]["matches"][0]
    assert arts.first.locator(".number").inner_text() == m["number"]
    assert arts.first.get_attribute("data-confidence") == m["confidence"]
    assert page.locator("#answer-h .badge").get_attribute("data-verdict") == d["verdict"]
    page.locator("#parties").scroll_into_view_if_needed()
    keep(page.shot("check-parties", full=False), "check-parties")
