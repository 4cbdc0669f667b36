"""A signed-in session survives a restart of ``lanthanide serve``: the
sessions live in their SQLite file (``LANTHANIDE_WEB_SESSIONS``), not in the
process. Signing out ends the session on the server, whichever process
answers afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lanthanide.registry import Registry
from lanthanide.registry.db import Database

from ..support import cli_serving, free_port
from .conftest import Page


def test_session_survives_a_restart_and_sign_out_ends_it(browser: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/registry.db"
    db = Database(url)
    db.migrate()
    token = Registry(db).create_user(name="restart", role="exporter", party="Restart Co.")[1]
    env = {
        "LANTHANIDE_DATABASE_URL": url,
        "LANTHANIDE_WEB_SESSIONS": str(tmp_path / "web-sessions.sqlite"),
    }
    port = free_port()
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        with cli_serving(args, env, tmp_path / "serve-1.log") as base:
            page = Page(ctx.new_page(), base)
            page.sign_in(token)
            assert page.go("/registry/applications").status == 200
            cookie = next(c for c in ctx.cookies() if c["name"] == "lnt_session")
        with cli_serving(args, env, tmp_path / "serve-2.log") as base:
            # a new process: still signed in, with the same CSRF token working
            assert page.go("/registry/applications").status == 200
            assert page.locator("header .user").inner_text().endswith("restart · exporter")
            page.click("header form[action='/signout'] button")
            page.wait_for_load_state()
            ctx.add_cookies([cookie])
            assert page.go("/registry/applications").status == 401
        with cli_serving(args, env, tmp_path / "serve-3.log") as base:
            assert page.go("/registry/applications").status == 401
    finally:
        ctx.close()
