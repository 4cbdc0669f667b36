"""The screening page: upload a declaration file, watch the progress bar
(htmx polling), then the summary and the downloads; the same summary as
``lanthanide screen run`` on the same file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lanthanide._client import default
from lanthanide.screen.engines import make_engine
from lanthanide.screen.generate import generate
from lanthanide.screen.run import screen

from .conftest import Page, Site, keep


def test_upload_progress_summary_and_downloads(page: Page, site: Site, tmp_path: Path) -> None:
    src = tmp_path / "decl.csv"
    generate(src, lines=400, seed=3, reject_rate=0.02, book=default().rulebook)
    with make_engine("duckdb") as eng:
        want = screen(eng, default().rulebook, src, tmp_path / "want.csv", workers=1).to_dict()
    page.sign_in(site.tokens["exporter_a"])
    page.go("/screen")
    page.set_input_files("#f-file", str(src))
    page.click("#screen-form button[type=submit]")
    page.wait_for_url("**/screen/jobs/*")
    page.wait_for_selector("#progress[data-state=done]", timeout=60_000)
    assert page.locator("#job-bar").get_attribute("value") == "100"
    assert page.locator("#lines").inner_text() == f"{want['lines']:,}"
    assert page.locator("#rejected").inner_text() == f"{want['rejected']:,}"
    shown = {
        r.get_attribute("data-verdict"): int(r.locator("td").nth(1).inner_text().replace(",", ""))
        for r in page.locator("#by-verdict tr").all()
    }
    assert shown == want["by_verdict"]
    keep(page.shot("screen"), "screen")
    out = page.request.get(page.base + page.locator("#download-output").get_attribute("href"))
    assert out.status == 200
    rows = list(csv.DictReader(io.StringIO(out.text())))
    assert len(rows) == want["screened"]
    rej = page.request.get(page.base + page.locator("#download-rejects").get_attribute("href"))
    assert rej.status == 200
    assert len(list(csv.DictReader(io.StringIO(rej.text())))) == want["rejected"]
    # the job belongs to this session: another browser (even signed in) gets 404
    job_url = page.url
    other = page.context.browser.new_context()
    try:
        p2 = other.new_page()
        assert p2.goto(job_url).status in (401, 404)
    finally:
        other.close()


def test_upload_needs_a_file_and_a_csrf_token(page: Page, site: Site) -> None:
    page.sign_in(site.tokens["exporter_a"])
    page.go("/screen")
    page.click("#screen-form button[type=submit]")
    assert "choose a file" in page.locator("#file-error").inner_text()
    r = page.request.post(
        page.base + "/screen",
        multipart={"file": {"name": "x.csv", "mimeType": "text/csv", "buffer": b"line_id\n"}},
    )
    assert r.status == 403
