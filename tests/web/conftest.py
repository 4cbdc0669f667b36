"""Browser tests of the web pages: a real uvicorn server (``serving``) and
headless Chromium from the system packages, driven by Playwright.

They skip, saying why, only when ``/usr/bin/chromium`` (``apt-get install
chromium``) or the ``playwright`` package is missing. Screenshots at 1280 px
go to ``build/web-screenshots/`` (``LANTHANIDE_SCREENSHOTS`` overrides).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from lanthanide.registry import Registry
from lanthanide.registry.db import Database
from lanthanide.web import backend, sessions

from ..support import serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("LANTHANIDE_SCREENSHOTS", ROOT / "build" / "web-screenshots"))
PEOPLE = {
    "exporter_a": ("exporter", "Baotou Rare Earth Trading Co."),
    "exporter_b": ("exporter", "Ganzhou Magnet Materials Ltd."),
    "officer": ("officer", "MOFCOM Licensing"),
    "analyst": ("analyst", "Ministry Analysts"),
}


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install playwright)"
    return None


@dataclass
class Site:
    url: str
    db: Database
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``lanthanide serve``'s app on a real server, its registry on a fresh
    SQLite file with one user per role (two exporters of different parties)."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from lanthanide.api import registry as registry_api
    from lanthanide.api.app import create_app

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('web')}/registry.db")
    db.migrate()
    tokens = {
        name: Registry(db).create_user(name=name, role=role, party=party)[1]
        for name, (role, party) in PEOPLE.items()
    }
    backend.use_database(lambda: db)
    sessions.STORE.use(tmp_path_factory.mktemp("web-sessions") / "web-sessions.sqlite")
    app = create_app()
    app.dependency_overrides[registry_api.get_db] = lambda: db
    try:
        with serving(app, "web test server") as url:
            yield Site(url, db, tokens)
    finally:
        from lanthanide.registry.db import get_database

        backend.use_database(get_database)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for the web tests, closed when they end: the
    Playwright sync API runs an event loop in the main thread, which would
    break the ``asyncio.run`` of any test after it."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Page:
    """A Playwright page that fails on console errors (CSP violations among
    them) and on any request that leaves the test server."""

    def __init__(self, raw: Any, base: str) -> None:
        self.raw = raw
        self.base = base
        self.console_errors: list[str] = []
        self.outside: list[str] = []
        raw.on("console", self._console)
        raw.on("pageerror", lambda e: self.console_errors.append(str(e)))
        host = urlparse(base).netloc

        def guard(route: Any) -> None:
            if urlparse(route.request.url).netloc != host:
                self.outside.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        raw.route("**/*", guard)

    def _console(self, msg: Any) -> None:
        # a 4xx page is intended (an error shown by its field); anything else is not
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.console_errors.append(msg.text)

    def go(self, path: str) -> Any:
        response = self.raw.goto(self.base + path)
        html = self.raw.content()
        # a template that printed a Python object instead of its value
        assert "<built-in method" not in html and "&lt;built-in method" not in html, path
        assert "Undefined" not in self.raw.inner_text("body"), path
        return response

    def shot(self, name: str, full: bool = True) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        out = SHOTS / f"{name}.png"
        self.raw.screenshot(path=str(out), full_page=full)
        return out

    def sign_in(self, token: str) -> None:
        self.go("/signin")
        self.raw.fill("#f-token", token)
        self.raw.click("#signin-form button[type=submit]")
        self.raw.wait_for_load_state()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


@pytest.fixture()
def page(browser: Any, site: Site) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    p = Page(ctx.new_page(), site.url)
    yield p
    errors, outside = p.console_errors, p.outside
    ctx.close()
    assert not outside, f"requests left the server: {outside}"
    assert not errors, f"console errors: {errors}"


@pytest.fixture()
def other_page(browser: Any, site: Site) -> Iterator[Page]:
    """A second browser (separate cookies) for a second user."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    p = Page(ctx.new_page(), site.url)
    yield p
    ctx.close()


def keep(shot: Path, name: str) -> None:
    """Copy a screenshot into docs/img when LANTHANIDE_KEEP_SCREENSHOTS is set."""
    if os.environ.get("LANTHANIDE_KEEP_SCREENSHOTS"):
        dest = ROOT / "docs" / "img" / f"web-{name}.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, dest)


def words(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()
